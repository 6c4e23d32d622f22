package io.ringmesh.node.internal.admin;

import java.nio.file.Files;
import java.nio.file.Path;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * The browser tests' Chromium: the system's chromium and chromedriver (Debian packages {@code
 * chromium chromium-driver}), never a downloaded browser. Paths may be overridden with the system
 * properties {@code ringmesh.test.chromium} and {@code ringmesh.test.chromedriver}.
 */
final class HeadlessChromium {
  static final Path CHROMIUM =
      Path.of(System.getProperty("ringmesh.test.chromium", "/usr/bin/chromium"));
  static final Path CHROMEDRIVER =
      Path.of(System.getProperty("ringmesh.test.chromedriver", "/usr/bin/chromedriver"));

  /** Whether both are installed; a test skips with {@link #NOT_INSTALLED} if not. */
  static final boolean INSTALLED = Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);

  static final String NOT_INSTALLED =
      "skipped: needs "
          + CHROMIUM
          + " and "
          + CHROMEDRIVER
          + " (Debian: apt-get install chromium chromium-driver)";

  /**
   * Skips the calling test when the browser is missing, unless {@code RINGMESH_REQUIRE_BROWSER=1}
   * (set by CI, which installs it): then a missing browser fails the test, so that CI cannot pass
   * by skipping it.
   */
  static void assumeInstalled() {
    if (!INSTALLED && "1".equals(System.getenv("RINGMESH_REQUIRE_BROWSER"))) {
      throw new AssertionError(
          "RINGMESH_REQUIRE_BROWSER=1 but the browser is missing: " + NOT_INSTALLED);
    }
    org.junit.jupiter.api.Assumptions.assumeTrue(INSTALLED, NOT_INSTALLED);
  }

  private HeadlessChromium() {}

  /** A new headless browser with a 1400x1000 window; the caller quits it. */
  static ChromeDriver start() {
    // Both paths given, so Selenium Manager is never asked to find or download anything.
    System.setProperty(ChromeDriverService.CHROME_DRIVER_EXE_PROPERTY, CHROMEDRIVER.toString());
    ChromeDriverService service =
        new ChromeDriverService.Builder()
            .usingDriverExecutable(CHROMEDRIVER.toFile())
            .usingAnyFreePort()
            .build();
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    options.addArguments(
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--window-size=1400,1000");
    return new ChromeDriver(service, options);
  }
}
