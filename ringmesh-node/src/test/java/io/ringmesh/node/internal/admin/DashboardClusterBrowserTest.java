package io.ringmesh.node.internal.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.ringmesh.coord.Lease;
import io.ringmesh.node.internal.demo.NodeProcess;
import io.ringmesh.node.internal.runtime.NodeConfig;
import io.ringmesh.node.internal.runtime.NodeRuntime;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The dashboard in headless Chromium against a real cluster of three nodes: n1 in this JVM
 * (coordinator and service, its own single coordinator), n2 and n3 as {@code ringmesh node}
 * processes hosting the example price service. It checks the ring of the service, then kills n3
 * with SIGKILL and checks that the dashboard shows it unhealthy within the session TTL plus the
 * page's 1 s poll plus the view's 1 s refresh (with a second to spare), and that n3 stays listed,
 * unhealthy, after its session expires and it leaves the ring.
 *
 * <p>The screenshot, taken while all three nodes are healthy and serving, goes to {@code
 * target/dashboard-cluster.png}; with {@code -Dringmesh.test.docs-screenshot=true} it also replaces
 * {@code docs/img/dashboard.png} (not by default, so that a test run leaves the work tree clean).
 */
@Timeout(300)
class DashboardClusterBrowserTest {
  private static final String SERVICE = "examples.pricing.v1";
  private static final Duration SESSION_TTL = Duration.ofSeconds(2);

  /** Session TTL, then the view's 1 s refresh, then the page's 1 s poll, then 1 s to spare. */
  private static final Duration DETECTION_BOUND = SESSION_TTL.plusSeconds(4);

  @TempDir Path dir;

  private @Nullable NodeRuntime n1;
  private final Map<String, NodeProcess> processes = new LinkedHashMap<>();
  private @Nullable ChromeDriver driver;
  private final AtomicBoolean loadRunning = new AtomicBoolean();
  private @Nullable Thread load;

  @AfterEach
  void stopEverything() {
    List<Runnable> steps = new ArrayList<>();
    steps.add(this::stopLoad);
    if (driver != null) {
      steps.add(driver::quit);
    }
    // The children first, while n1's coordinator is there to take their deregistration; their
    // logs go into the test's output, since the temporary directory is deleted after the test.
    processes
        .values()
        .forEach(
            p ->
                steps.add(
                    () -> {
                      p.close();
                      System.out.println(
                          "--- the end of " + p.id() + "'s log:\n" + NodeProcess.tail(p.log()));
                    }));
    if (n1 != null) {
      steps.add(n1::close);
    }
    RuntimeException failure = null;
    for (Runnable step : steps) {
      try {
        step.run();
      } catch (RuntimeException e) {
        if (failure == null) {
          failure = e;
        } else {
          failure.addSuppressed(e);
        }
      }
    }
    if (failure != null) {
      throw failure;
    }
  }

  @Test
  void showsTheThreeNodesOfTheServiceRingAndFlagsAKilledNodeWithinTheSessionTtl() throws Exception {
    HeadlessChromium.assumeInstalled();
    n1 = NodeRuntime.start(n1Config(), step -> System.out.println("n1: " + step));
    String coordinators = "127.0.0.1:" + n1.coordinator().rpcPort();
    for (String id : List.of("n2", "n3")) {
      processes.put(
          id,
          NodeProcess.start(
              id, writeServiceNodeConfig(id, coordinators), dir.resolve(id + ".log")));
    }
    for (NodeProcess p : processes.values()) {
      p.awaitUp(Duration.ofSeconds(120));
    }

    driver = HeadlessChromium.start();
    driver.manage().window().setSize(new Dimension(1400, 920));
    driver.get("http://127.0.0.1:" + n1.adminPort() + "/");
    await(Duration.ofSeconds(20)).until(d -> "true".equals(body(d).getDomAttribute("data-loaded")));
    await(Duration.ofSeconds(20))
        .until(
            d ->
                d.findElements(By.cssSelector("#ring-service option[value='" + SERVICE + "']"))
                        .size()
                    == 1);
    new Select(driver.findElement(By.id("ring-service"))).selectByValue(SERVICE);

    // Registration is done before a node reports it is up; the view and the page catch up in ~2 s.
    await(Duration.ofSeconds(20))
        .until(
            d ->
                attribute("#ring .arc[data-node-id]", "data-node-id")
                        .equals(List.of("n1", "n2", "n3"))
                    && attribute("#ring .arc[data-node-id]", "data-healthy")
                        .equals(List.of("true", "true", "true")));
    assertThat(driver.findElement(By.id("ring")).getDomAttribute("data-service"))
        .isEqualTo(SERVICE);
    await(Duration.ofSeconds(20))
        .until(
            d ->
                attribute("#nodes tbody tr[data-node-id]", "data-healthy")
                    .equals(List.of("true", "true", "true")));
    assertThat(attribute("#nodes tbody tr[data-node-id]", "data-node-id"))
        .containsExactly("n1", "n2", "n3");
    assertThat(attribute("#nodes tbody tr[data-node-id]", "data-self"))
        .containsExactly("true", "false", "false");

    // Some load and two held locks, so that the screenshot shows a cluster at work.
    try (Lease orders = n1.lockClient().tryAcquire("orders/42").orElseThrow();
        Lease inventory = n1.lockClient().tryAcquire("inventory/sku-7").orElseThrow()) {
      AtomicLong calls = startLoad("http://127.0.0.1:" + n1.adminPort());
      // Serving everywhere for eight polls in a row, so the rate trends have something to show.
      Set<String> pollsUnderLoad = new HashSet<>();
      await(Duration.ofSeconds(40))
          .until(
              d -> {
                boolean busy =
                    attribute("#nodes tbody td[data-rate]", "data-rate").stream()
                                .filter(rate -> Double.parseDouble(rate) > 0)
                                .count()
                            == 3
                        && attribute("#locks tbody tr[data-lock-name]", "data-lock-name").size()
                            == 2;
                if (!busy) {
                  pollsUnderLoad.clear();
                } else {
                  pollsUnderLoad.add(d.findElement(By.id("updated")).getText());
                }
                return pollsUnderLoad.size() >= 8;
              });
      assertThat(attribute("#locks tbody tr[data-lock-name]", "data-lock-name"))
          .containsExactlyInAnyOrder(orders.name(), inventory.name());
      assertThat(attribute("#locks tbody tr[data-lock-name='orders/42']", "data-token"))
          .containsExactly(Long.toString(orders.fencingToken()));
      assertThat(attribute("#locks tbody tr[data-lock-name]", "data-holder")).containsOnly("n1");
      saveScreenshot();
      stopLoad();
      System.out.println("gateway calls made before the screenshot: " + calls.get());
    }

    long killed = System.nanoTime();
    processes.get("n3").kill(); // SIGKILL: no deregistration, its entries wait for the TTL
    await(DETECTION_BOUND)
        .until(
            d ->
                "false"
                    .equals(
                        d.findElement(By.cssSelector("#nodes tr[data-node-id='n3']"))
                            .getDomAttribute("data-healthy")));
    Duration detected = Duration.ofNanos(System.nanoTime() - killed);
    System.out.printf(
        "n3 shown unhealthy %d ms after SIGKILL (bound %d ms)%n",
        detected.toMillis(), DETECTION_BOUND.toMillis());
    assertThat(detected).isLessThanOrEqualTo(DETECTION_BOUND);

    // Its session expires and it leaves the ring, but the node table keeps it, unhealthy.
    await(DETECTION_BOUND.plus(SESSION_TTL))
        .until(
            d -> attribute("#ring .arc[data-node-id]", "data-node-id").equals(List.of("n1", "n2")));
    System.out.printf(
        "n3 left the ring %d ms after SIGKILL%n",
        Duration.ofNanos(System.nanoTime() - killed).toMillis());
    assertThat(attribute("#nodes tbody tr[data-node-id]", "data-node-id"))
        .containsExactly("n1", "n2", "n3");
    assertThat(attribute("#nodes tbody tr[data-node-id]", "data-healthy"))
        .containsExactly("true", "true", "false");
    assertThat(driver.findElement(By.id("nodes-summary")).getText()).isEqualTo("2 of 3 healthy");
  }

  private NodeConfig n1Config() {
    NodeConfig c = new NodeConfig();
    c.id = "n1";
    c.data = dir.resolve("n1").toString();
    c.rpcPort = 0;
    c.adminPort = 0;
    c.coordinator.port = 0;
    c.coordinator.shards = 2;
    c.sessionTtl = SESSION_TTL.toSeconds() + "s";
    NodeConfig.ServiceSettings s = new NodeConfig.ServiceSettings();
    s.className = "io.ringmesh.examples.pricing.PricingService";
    s.settings.put("work.rounds", "1");
    c.services.add(s);
    return c;
  }

  private Path writeServiceNodeConfig(String id, String coordinators) throws IOException {
    String yaml =
        """
        id: %s
        roles: [service]
        rpc-port: 0
        admin-port: 0
        data: %s
        coordinators: %s
        session-ttl: %ds
        services:
          - class: io.ringmesh.examples.pricing.PricingService
            settings:
              work.rounds: "1"
        """
            .formatted(id, dir.resolve(id), coordinators, SESSION_TTL.toSeconds());
    return Files.writeString(dir.resolve(id + ".yaml"), yaml);
  }

  /**
   * Calls the price service through n1's JSON gateway, one call at a time over many skus (so that
   * the ring spreads them over all three nodes), until {@link #stopLoad} or for at most a minute.
   */
  private AtomicLong startLoad(String base) {
    AtomicLong calls = new AtomicLong();
    HttpClient http = HttpClient.newHttpClient();
    loadRunning.set(true);
    long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
    load =
        Thread.ofPlatform()
            .daemon()
            .name("dashboard-test-load")
            .start(
                () -> {
                  try (http) {
                    while (loadRunning.get() && System.nanoTime() < deadline) {
                      HttpResponse<String> r =
                          http.send(
                              HttpRequest.newBuilder(
                                      URI.create(base + "/call/" + SERVICE + "/quote"))
                                  .header("Content-Type", "application/json")
                                  .POST(
                                      HttpRequest.BodyPublishers.ofString(
                                          "[\"sku-" + (calls.get() % 500) + "\"]"))
                                  .build(),
                              HttpResponse.BodyHandlers.ofString());
                      if (r.statusCode() == 200) {
                        calls.incrementAndGet();
                      }
                    }
                  } catch (IOException e) {
                    System.out.println("load stopped: " + e);
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                });
    return calls;
  }

  private void stopLoad() {
    loadRunning.set(false);
    Thread t = load;
    if (t != null) {
      try {
        if (!t.join(Duration.ofSeconds(10))) {
          t.interrupt();
        }
      } catch (InterruptedException e) {
        t.interrupt();
        Thread.currentThread().interrupt();
      }
      load = null;
    }
  }

  private void saveScreenshot() throws IOException {
    Path png = Path.of("target", "dashboard-cluster.png");
    Files.createDirectories(png.getParent());
    Files.write(png, driver.getScreenshotAs(OutputType.BYTES));
    assertThat(Files.size(png)).isPositive();
    if (Boolean.getBoolean("ringmesh.test.docs-screenshot")) {
      // The module's directory is the working directory of its tests; docs/ is beside it.
      Path docs = Path.of("..", "docs", "img").toAbsolutePath().normalize();
      assertThat(docs).as("the docs' image directory").isDirectory();
      Files.copy(png, docs.resolve("dashboard.png"), StandardCopyOption.REPLACE_EXISTING);
      System.out.println("screenshot copied to " + docs.resolve("dashboard.png"));
    }
  }

  private static WebElement body(WebDriver d) {
    return d.findElement(By.tagName("body"));
  }

  private WebDriverWait await(Duration timeout) {
    WebDriverWait wait = new WebDriverWait(driver, timeout, Duration.ofMillis(50));
    // The page rebuilds its rows on every poll, so an element found may be gone a moment later.
    wait.ignoring(StaleElementReferenceException.class);
    return wait;
  }

  /**
   * {@code name} of every element matching {@code css}, read in one script: the page rebuilds its
   * rows every second, so reading element by element could meet a row that is gone.
   */
  private List<String> attribute(String css, String name) {
    Object values =
        driver.executeScript(
            "return Array.from(document.querySelectorAll(arguments[0]),"
                + " e => e.getAttribute(arguments[1]));",
            css,
            name);
    List<String> out = new ArrayList<>();
    for (Object v : (List<?>) values) {
      out.add(String.valueOf(v));
    }
    return out;
  }
}
