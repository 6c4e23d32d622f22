package io.ringmesh.node.internal.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The dashboard in headless Chromium against the fake node: the system's chromium and chromedriver
 * (Debian packages {@code chromium chromium-driver}), never a downloaded browser. Skipped, with the
 * reason, where they are not installed.
 */
@Timeout(180)
class DashboardBrowserTest {
  private static final FakeNodeView view = new FakeNodeView();
  private static AdminServer server;
  private static ChromeDriver driver;

  @BeforeAll
  static void start() {
    if (!HeadlessChromium.INSTALLED) {
      return; // each test then skips with the reason, so the report shows it
    }
    server = AdminServer.builder(view).start();
    driver = HeadlessChromium.start();
  }

  @AfterAll
  static void stop() {
    if (driver != null) {
      driver.quit();
    }
    if (server != null) {
      server.close();
    }
  }

  @BeforeEach
  void open() {
    HeadlessChromium.assumeInstalled();
    NodeView.Readiness ok = NodeView.Readiness.ok();
    view.setReadiness(ok);
    FakeNodeView.NODE_IDS.forEach(id -> view.setHealthy(id, true));
    driver.get("http://127.0.0.1:" + server.port() + "/");
    await(Duration.ofSeconds(20)).until(d -> "true".equals(body(d).getDomAttribute("data-loaded")));
  }

  private static WebElement body(WebDriver d) {
    return d.findElement(By.tagName("body"));
  }

  private static WebDriverWait await(Duration timeout) {
    WebDriverWait wait = new WebDriverWait(driver, timeout, Duration.ofMillis(50));
    // The page rebuilds its rows on every poll, so an element found may be gone a moment later.
    wait.ignoring(StaleElementReferenceException.class);
    return wait;
  }

  private static List<String> attribute(String css, String name) {
    return driver.findElements(By.cssSelector(css)).stream()
        .map(e -> e.getDomAttribute(name))
        .toList();
  }

  @Test
  void showsTheThreeNodesOnTheRingAndFlagsAnUnhealthyOneWithinThreeSeconds() throws IOException {
    assertThat(attribute("#ring .arc[data-node-id]", "data-node-id"))
        .containsExactly("node-a", "node-b", "node-c");
    assertThat(attribute("#nodes tbody tr[data-node-id]", "data-healthy"))
        .containsExactly("true", "true", "true");
    assertThat(driver.findElement(By.id("node-id")).getText()).isEqualTo("node-a");

    view.setHealthy("node-b", false);

    await(Duration.ofSeconds(3))
        .until(
            d ->
                "false"
                    .equals(
                        d.findElement(By.cssSelector("#nodes tr[data-node-id='node-b']"))
                            .getDomAttribute("data-healthy")));
    assertThat(
            driver
                .findElement(By.cssSelector("#ring .arc[data-node-id='node-b']"))
                .getDomAttribute("data-healthy"))
        .isEqualTo("false");
    assertThat(driver.findElement(By.id("nodes-summary")).getText()).isEqualTo("2 of 3 healthy");

    Path png = Path.of("target", "dashboard.png");
    Files.createDirectories(png.getParent());
    Files.write(png, driver.getScreenshotAs(OutputType.BYTES));
    assertThat(Files.size(png)).isPositive();
  }

  @Test
  void arcsAreSizedByShare() {
    assertThat(attribute("#ring .arc[data-node-id]", "data-share"))
        .containsExactly("0.4", "0.35", "0.25");
    assertThat(driver.findElements(By.cssSelector("#ring-legend li[data-node-id]"))).hasSize(3);
  }

  @Test
  void switchesBetweenServiceRings() {
    new Select(driver.findElement(By.id("ring-service"))).selectByValue("users");
    await(Duration.ofSeconds(3))
        .until(d -> d.findElements(By.cssSelector("#ring .arc[data-node-id]")).size() == 2);
    assertThat(attribute("#ring .arc[data-node-id]", "data-node-id"))
        .containsExactly("node-a", "node-c");
    assertThat(driver.findElement(By.id("ring")).getDomAttribute("data-service"))
        .isEqualTo("users");
  }

  @Test
  void showsShardLeadersAndTheLockTable() {
    assertThat(attribute("#shards tbody tr[data-shard]", "data-leader"))
        .containsExactly("node-a", "node-b", "node-c", "");
    assertThat(attribute("#locks tbody tr[data-lock-name]", "data-lock-name"))
        .containsExactly("inventory", "order-42", "payments");
    WebElement order = driver.findElement(By.cssSelector("#locks tr[data-lock-name='order-42']"));
    assertThat(order.getDomAttribute("data-holder")).isEqualTo("session-3@node-a");
    assertThat(order.getDomAttribute("data-token")).isEqualTo("7");
    assertThat(order.getText()).contains("session-9@node-b").contains("session-11@node-c");
  }

  @Test
  void showsWhenTheNodeIsNotReady() {
    view.setReadiness(NodeView.Readiness.notReady("no coordinator reachable"));
    await(Duration.ofSeconds(3))
        .until(
            d -> "false".equals(d.findElement(By.id("readiness")).getDomAttribute("data-ready")));
    assertThat(driver.findElement(By.id("readiness")).getDomAttribute("title"))
        .isEqualTo("no coordinator reachable");
  }
}
