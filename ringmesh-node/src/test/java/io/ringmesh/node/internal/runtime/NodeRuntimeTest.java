package io.ringmesh.node.internal.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ringmesh.coord.Lease;
import io.ringmesh.examples.pricing.Pricing;
import io.ringmesh.rpc.Endpoint;
import io.ringmesh.rpc.RpcClient;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class NodeRuntimeTest {
  @TempDir Path dir;

  private NodeConfig embedded(Path data) {
    NodeConfig c = new NodeConfig();
    c.id = "n1";
    c.data = data.toString();
    c.rpcPort = 0;
    c.adminPort = 0;
    c.coordinator.port = 0;
    c.coordinator.shards = 2;
    NodeConfig.ServiceSettings s = new NodeConfig.ServiceSettings();
    s.className = "io.ringmesh.examples.pricing.PricingService";
    s.settings.put("work.rounds", "1");
    c.services.add(s);
    return c;
  }

  @Test
  void theEmbeddedNodeServesItsServicesAndCreatesItsDataDirectory() throws Exception {
    Path data = dir.resolve("a/b/data");
    List<String> steps = new ArrayList<>();
    try (NodeRuntime node = NodeRuntime.start(embedded(data), steps::add);
        RpcClient rpc = RpcClient.builder().build()) {
      assertThat(data).isDirectory();
      assertThat(node.coordinator()).isNotNull();
      Pricing p = rpc.proxy(Pricing.class, Endpoint.of("127.0.0.1", node.rpcPort()));
      assertThat(p.quote("sku-1").servedBy()).isEqualTo("n1");
      assertThat(node.lockClient().tryAcquire("x")).isPresent();
      assertThat(node.lockClient().registry().snapshot().entries())
          .extracting(e -> e.service() + "/" + e.nodeId())
          .containsExactlyInAnyOrder("examples.pricing.v1/n1", NodeRuntime.NODE_SERVICE + "/n1");
      HttpClient http = HttpClient.newHttpClient();
      String base = "http://127.0.0.1:" + node.adminPort();
      HttpResponse<String> ready = awaitReady(http, base);
      assertThat(ready.statusCode()).isEqualTo(200);
      HttpResponse<String> call =
          http.send(
              HttpRequest.newBuilder(URI.create(base + "/call/examples.pricing.v1/quote"))
                  .header("Content-Type", "application/json")
                  .POST(HttpRequest.BodyPublishers.ofString("[\"sku-9\"]"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(call.statusCode()).isEqualTo(200);
      assertThat(call.body()).contains("\"sku\":\"sku-9\"").contains("\"servedBy\":\"n1\"");
      // The gateway's routed call shows in the node's metrics, per service and per node.
      String metrics =
          http.send(
                  HttpRequest.newBuilder(URI.create(base + "/metrics")).build(),
                  HttpResponse.BodyHandlers.ofString())
              .body();
      assertThat(metrics)
          .contains(
              "ringmesh_client_calls_seconds_count{service=\"examples.pricing.v1\",status=\"OK\"} 1")
          .contains(
              "ringmesh_client_attempts_seconds_count{node=\"n1\",service=\"examples.pricing.v1\",status=\"OK\"} 1");
    }
    assertThat(steps).anyMatch(s -> s.contains("serving 1 service"));
  }

  @Test
  void theEmbeddedDefaultWithoutServicesRunsTheCoordinatorAndAdminPort() throws Exception {
    NodeConfig c = embedded(dir.resolve("data"));
    c.services.clear();
    List<String> steps = new ArrayList<>();
    try (NodeRuntime node = NodeRuntime.start(c, steps::add)) {
      assertThat(node.rpcPort()).as("no service RPC port").isEqualTo(-1);
      assertThat(node.lockClient().tryAcquire("x")).isPresent();
      assertThat(node.lockClient().registry().snapshot().entries())
          .singleElement()
          .satisfies(
              e -> {
                assertThat(e.service()).isEqualTo(NodeRuntime.NODE_SERVICE);
                assertThat(e.port()).isEqualTo(node.coordinator().rpcPort());
              });
      HttpClient http = HttpClient.newHttpClient();
      assertThat(awaitReady(http, "http://127.0.0.1:" + node.adminPort()).statusCode())
          .isEqualTo(200);
    }
    assertThat(steps).anyMatch(s -> s.contains("no services to host (add --service CLASS"));
  }

  @Test
  void aLockHeldByAnotherNodeIsShownWithThatNodesId() throws Exception {
    try (NodeRuntime n1 = NodeRuntime.start(embedded(dir.resolve("n1")), s -> {})) {
      NodeConfig c2 = embedded(dir.resolve("n2"));
      c2.id = "n2";
      c2.roles = new ArrayList<>(List.of("service"));
      c2.coordinators = "127.0.0.1:" + n1.coordinator().rpcPort();
      try (NodeRuntime n2 = NodeRuntime.start(c2, s -> {});
          Lease mine = n1.lockClient().tryAcquire("held-by-n1").orElseThrow();
          Lease theirs = n2.lockClient().tryAcquire("held-by-n2").orElseThrow()) {
        HttpClient http = HttpClient.newHttpClient();
        URI locks = URI.create("http://127.0.0.1:" + n1.adminPort() + "/api/locks");
        String body;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        do {
          body =
              http.send(HttpRequest.newBuilder(locks).build(), HttpResponse.BodyHandlers.ofString())
                  .body();
        } while (!(body.contains(mine.name()) && body.contains(theirs.name()))
            && System.nanoTime() < deadline
            && pause());
        assertThat(body)
            .contains("{\"name\":\"held-by-n1\",\"holder\":\"n1\"")
            .contains("{\"name\":\"held-by-n2\",\"holder\":\"n2\"");
      }
    }
  }

  /** Polls readiness: the view refreshes once a second, so the first answers may be 503. */
  private static HttpResponse<String> awaitReady(HttpClient http, String base) throws Exception {
    HttpResponse<String> r;
    do {
      r =
          http.send(
              HttpRequest.newBuilder(URI.create(base + "/health/ready")).build(),
              HttpResponse.BodyHandlers.ofString());
    } while (r.statusCode() != 200 && pause());
    return r;
  }

  private static boolean pause() throws InterruptedException {
    Thread.sleep(100); // polling pace; the test's timeout bounds the wait
    return true;
  }

  @Test
  void aPortInUseNamesThePortAndTheSetting() throws IOException {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      NodeConfig c = embedded(dir.resolve("data"));
      c.rpcPort = taken.getLocalPort();
      assertThatThrownBy(() -> NodeRuntime.start(c, s -> {}))
          .isInstanceOf(NodeStartException.class)
          .hasMessageContaining("rpc-port " + taken.getLocalPort() + " is already in use");
    }
  }

  @Test
  void aBindAddressThatIsNotThisHostsNamesTheSetting() {
    NodeConfig c = embedded(dir.resolve("data"));
    c.bind = "192.0.2.1"; // TEST-NET-1: no host has it
    assertThatThrownBy(() -> NodeRuntime.start(c, s -> {}))
        .isInstanceOf(NodeStartException.class)
        .hasMessageContaining("bind address 192.0.2.1")
        .hasMessageContaining("set 'bind'");
  }

  @Test
  void aTlsFileThatIsNotThereIsAWrongSettingNamingIt() {
    NodeConfig c = embedded(dir.resolve("data"));
    c.tls = new NodeConfig.TlsSettings();
    c.tls.trust = dir.resolve("no-ca.pem").toString();
    assertThatThrownBy(() -> NodeRuntime.start(c, s -> {}))
        .isInstanceOf(NodeConfig.ConfigException.class)
        .hasMessageContaining("tls.trust")
        .hasMessageContaining("no-ca.pem");
    NodeConfig d = embedded(dir.resolve("data"));
    d.tls = new NodeConfig.TlsSettings();
    d.tls.cert = dir.resolve("no-cert.pem").toString();
    d.tls.key = dir.resolve("no-key.pem").toString();
    assertThatThrownBy(() -> NodeRuntime.start(d, s -> {}))
        .isInstanceOf(NodeConfig.ConfigException.class)
        .hasMessageContaining("tls.cert")
        .hasMessageContaining("no-cert.pem");
  }

  @Test
  void aDataDirectoryThatCannotBeCreatedIsNamed() throws IOException {
    Path file = Files.writeString(dir.resolve("plain-file"), "x");
    NodeConfig c = embedded(file.resolve("data"));
    assertThatThrownBy(() -> NodeRuntime.start(c, s -> {}))
        .isInstanceOf(NodeStartException.class)
        .hasMessageContaining("data directory " + file.resolve("data"));
  }

  @Test
  void aServiceClassThatIsNotThereIsNamed() {
    NodeConfig c = embedded(dir.resolve("data"));
    c.services.get(0).className = "com.example.Missing";
    assertThatThrownBy(() -> NodeRuntime.start(c, s -> {}))
        .isInstanceOf(NodeConfig.ConfigException.class)
        .hasMessageContaining("'com.example.Missing' is not on the class path");
  }

  @Test
  void aStoppingNodeServesCallsForTheDrainDelayAfterItHasDeregistered() throws Exception {
    NodeConfig c = embedded(dir.resolve("data"));
    c.drainDelay = "3s"; // long enough to call within it on a busy machine
    NodeRuntime node = NodeRuntime.start(c, s -> {});
    Thread closing = null;
    try (RpcClient rpc = RpcClient.builder().build()) {
      Pricing p = rpc.proxy(Pricing.class, Endpoint.of("127.0.0.1", node.rpcPort()));
      assertThat(p.quote("sku-1").servedBy()).isEqualTo("n1");
      var registry = node.lockClient().registry();
      long stopAt = System.nanoTime();
      closing = Thread.ofPlatform().name("closing-n1").start(node::close);
      long deadline = stopAt + TimeUnit.SECONDS.toNanos(3);
      while (!registry.snapshot().entries().isEmpty()) {
        assertThat(System.nanoTime())
            .as("deregistered within the drain delay")
            .isLessThan(deadline);
        java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
      }
      // Gone from the registry, and still serving: callers that have not seen it leave succeed.
      assertThat(p.quote("sku-2").servedBy()).isEqualTo("n1");
      assertThat(System.nanoTime()).as("called within the drain delay").isLessThan(deadline);
    } finally {
      if (closing == null) {
        node.close();
      } else {
        closing.join(TimeUnit.SECONDS.toMillis(30));
      }
    }
  }

  @Test
  void aWildcardBindRegistersAnAddressOtherHostsCanReachWhenThereIsOne() throws Exception {
    assertThat(NodeRuntime.advertisedHost("10.1.2.3")).isEqualTo("10.1.2.3");
    String advertised = NodeRuntime.advertisedHost("0.0.0.0");
    boolean nameIsLoopback;
    try {
      nameIsLoopback = InetAddress.getLocalHost().isLoopbackAddress();
    } catch (java.net.UnknownHostException e) {
      nameIsLoopback = true;
    }
    String external = NodeRuntime.firstInterfaceAddress();
    if (!nameIsLoopback) {
      assertThat(advertised).isEqualTo(InetAddress.getLocalHost().getHostAddress());
    } else if (external != null) {
      assertThat(advertised).isEqualTo(external);
      assertThat(InetAddress.getByName(advertised).isLoopbackAddress()).isFalse();
    } else {
      assertThat(advertised).isEqualTo("127.0.0.1"); // a host with nothing but loopback
    }
  }
}
