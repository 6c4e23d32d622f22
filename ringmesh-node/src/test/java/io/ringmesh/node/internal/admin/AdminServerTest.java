package io.ringmesh.node.internal.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Every endpoint of the admin server over a real loopback socket, against a fake node. */
@Timeout(30)
class AdminServerTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static HttpClient client;

  private final FakeNodeView view = new FakeNodeView();
  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private AdminServer server;

  @BeforeAll
  static void client() {
    client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  }

  @AfterAll
  static void closeClient() {
    client.close();
  }

  @BeforeEach
  void start() {
    server = AdminServer.builder(view).port(0).meterRegistry(registry).start();
  }

  @AfterEach
  void stop() {
    server.close();
    registry.close();
  }

  private HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return client.send(
        HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(10)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> post(String path, String body)
      throws IOException, InterruptedException {
    return client.send(
        HttpRequest.newBuilder(uri(path))
            .timeout(Duration.ofSeconds(10))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private URI uri(String path) {
    return URI.create("http://127.0.0.1:" + server.port() + path);
  }

  private static JsonNode json(HttpResponse<String> response) throws IOException {
    assertThat(response.headers().firstValue("Content-Type")).hasValue(AdminResponse.JSON);
    return JSON.readTree(response.body());
  }

  @Test
  void portZeroListensOnAnEphemeralPort() {
    assertThat(server.port()).isPositive();
    assertThat(server.address().getAddress().isLoopbackAddress()).isTrue();
  }

  @Test
  void portInUseFailsNamingThePort() throws IOException {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      int port = taken.getLocalPort();
      assertThatThrownBy(() -> AdminServer.builder(view).port(port).start())
          .isInstanceOf(UncheckedIOException.class)
          .hasMessageContaining("port " + port)
          .hasMessageContaining("in use");
    }
  }

  @Test
  void closeIsIdempotentAndStopsListening() {
    server.close();
    server.close();
    assertThatThrownBy(() -> get("/health/live")).isInstanceOf(IOException.class);
  }

  @Test
  void liveIsAlways200() throws Exception {
    view.setReadiness(NodeView.Readiness.notReady("joining"));
    HttpResponse<String> r = get("/health/live");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(json(r).get("live").asBoolean()).isTrue();
  }

  @Test
  void readyIs200WhenReadyAnd503WithTheReasonWhenNot() throws Exception {
    HttpResponse<String> ok = get("/health/ready");
    assertThat(ok.statusCode()).isEqualTo(200);
    assertThat(json(ok).get("ready").asBoolean()).isTrue();

    view.setReadiness(NodeView.Readiness.notReady("no coordinator reachable"));
    HttpResponse<String> not = get("/health/ready");
    assertThat(not.statusCode()).isEqualTo(503);
    JsonNode body = json(not);
    assertThat(body.get("ready").asBoolean()).isFalse();
    assertThat(body.get("reason").asText()).isEqualTo("no coordinator reachable");
  }

  @Test
  void metricsArePrometheusTextWithJvmAndAdminAndCallerMeters() throws Exception {
    registry.counter("ringmesh.rpc.calls", "service", "orders").increment(3);
    assertThat(post("/call/calc/add", "[1,2]").statusCode()).isEqualTo(200);
    HttpResponse<String> r = get("/metrics");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/plain");
    assertThat(r.body())
        .contains("jvm_memory_used_bytes")
        .contains("jvm_gc_")
        .contains("jvm_threads_live_threads")
        .contains("jvm_classes_loaded_classes")
        .contains("system_cpu_count")
        .contains("ringmesh_rpc_calls_total{service=\"orders\"} 3.0")
        .contains(
            "ringmesh_gateway_calls_seconds_count{method=\"add\",outcome=\"ok\",service=\"calc\"} 1")
        .contains(
            "ringmesh_admin_http_requests_seconds_count{method=\"POST\",route=\"/call/{service}/{method}\",status=\"200\"} 1");
  }

  @Test
  void ringShowsEveryServiceWithSharesAndHealth() throws Exception {
    view.setHealthy("node-b", false);
    JsonNode body = json(get("/api/ring"));
    assertThat(body.get("nodeId").asText()).isEqualTo("node-a");
    JsonNode orders = body.get("rings").get(0);
    assertThat(orders.get("service").asText()).isEqualTo("orders");
    assertThat(orders.get("algorithm").asText()).isEqualTo("maglev");
    assertThat(orders.get("members")).hasSize(3);
    JsonNode b = orders.get("members").get(1);
    assertThat(b.get("nodeId").asText()).isEqualTo("node-b");
    assertThat(b.get("share").asDouble()).isEqualTo(0.35);
    assertThat(b.get("weight").asInt()).isEqualTo(100);
    assertThat(b.get("healthy").asBoolean()).isFalse();
    assertThat(body.get("rings").get(1).get("service").asText()).isEqualTo("users");
  }

  @Test
  void nodesShowHealthRateAndAddresses() throws Exception {
    view.setHealthy("node-c", false);
    HttpResponse<String> r = get("/api/nodes");
    assertThat(r.headers().firstValue("Cache-Control")).hasValue("no-store");
    JsonNode nodes = json(r).get("nodes");
    assertThat(nodes).hasSize(3);
    JsonNode c = nodes.get(2);
    assertThat(c.get("nodeId").asText()).isEqualTo("node-c");
    assertThat(c.get("healthy").asBoolean()).isFalse();
    assertThat(c.get("adminAddress").isNull()).isTrue();
    assertThat(c.get("rpcAddress").asText()).isEqualTo("10.0.0.3:7400");
    assertThat(c.get("requestsPerSecond").asDouble()).isEqualTo(361.5);
    assertThat(c.get("lastSeenEpochMillis").asLong()).isPositive();
    assertThat(c.get("roles").get(0).asText()).isEqualTo("service");
    assertThat(nodes.get(0).get("roles").toString()).isEqualTo("[\"coordinator\",\"service\"]");
  }

  @Test
  void shardsShowLeadersAndReplicas() throws Exception {
    JsonNode shards = json(get("/api/shards")).get("shards");
    assertThat(shards).hasSize(4);
    assertThat(shards.get(1).get("leaderId").asText()).isEqualTo("node-b");
    assertThat(shards.get(1).get("replicaIds")).hasSize(3);
    assertThat(shards.get(3).get("leaderId").isNull()).isTrue();
  }

  @Test
  void locksHonourTheLimit() throws Exception {
    JsonNode all = json(get("/api/locks"));
    assertThat(all.get("limit").asInt()).isEqualTo(AdminRoutes.DEFAULT_LOCK_LIMIT);
    assertThat(all.get("locks")).hasSize(3);
    JsonNode order = all.get("locks").get(1);
    assertThat(order.get("name").asText()).isEqualTo("order-42");
    assertThat(order.get("holder").asText()).isEqualTo("session-3@node-a");
    assertThat(order.get("token").asLong()).isEqualTo(7);
    assertThat(order.get("waiters")).hasSize(2);

    assertThat(json(get("/api/locks?limit=1")).get("locks")).hasSize(1);
  }

  @Test
  void locksRejectABadLimit() throws Exception {
    for (String limit : List.of("0", "-3", "ten", "10001")) {
      HttpResponse<String> r = get("/api/locks?limit=" + limit);
      assertThat(r.statusCode()).as(limit).isEqualTo(400);
      assertThat(json(r).get("error").asText()).contains("limit").contains(limit);
    }
  }

  @Test
  void dashboardIsServedWithItsScriptAndStyles() throws Exception {
    HttpResponse<String> page = get("/");
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/html");
    assertThat(page.headers().firstValue("Content-Security-Policy").orElseThrow())
        .contains("default-src 'self'");
    assertThat(page.body()).contains("dashboard.js");
    assertThat(get("/dashboard.js").headers().firstValue("Content-Type").orElseThrow())
        .startsWith("text/javascript");
    assertThat(get("/dashboard.css").statusCode()).isEqualTo(200);
  }

  @Test
  void unknownPathIs404AndWrongMethodIs405() throws Exception {
    HttpResponse<String> missing = get("/../../etc/passwd");
    assertThat(missing.statusCode()).isEqualTo(404);
    assertThat(get("/call/calc/add").statusCode()).isEqualTo(405);
    assertThat(post("/call/calc/add/extra", "[]").statusCode()).isEqualTo(404);
    HttpResponse<String> postHealth = post("/health/live", "[]");
    assertThat(postHealth.statusCode()).isEqualTo(405);
    assertThat(postHealth.headers().firstValue("Allow")).hasValue("GET, HEAD");
  }

  @Test
  void headAnswersHeadersWithoutABody() throws Exception {
    HttpResponse<String> r =
        client.send(
            HttpRequest.newBuilder(uri("/api/nodes"))
                .method("HEAD", HttpRequest.BodyPublishers.noBody())
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEmpty();
    assertThat(r.headers().firstValueAsLong("Content-Length").orElseThrow()).isPositive();
  }

  @Test
  void aFailingNodeViewIs500AndTheServerKeepsServing() throws Exception {
    view.setFailing(true);
    HttpResponse<String> r = get("/api/nodes");
    assertThat(r.statusCode()).isEqualTo(500);
    assertThat(json(r).get("error").asText()).contains("the registry snapshot is broken");
    view.setFailing(false);
    assertThat(get("/api/nodes").statusCode()).isEqualTo(200);
  }

  @Test
  void pipelinedResponsesKeepRequestOrderWhenTheFirstFinishesLast() throws Exception {
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
      socket.setSoTimeout(10_000);
      String requests =
          "POST /call/calc/gated HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
              + "Content-Length: 2\r\n\r\n[]"
              + "GET /health/live HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";
      socket.getOutputStream().write(requests.getBytes(StandardCharsets.US_ASCII));
      socket.getOutputStream().flush();

      // The second request is answered by the routes while the first still waits on its gate.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (registry.find("ringmesh.admin.http.requests").tag("route", "/health/live").timer()
          == null) {
        assertThat(System.nanoTime()).as("the second request was handled").isLessThan(deadline);
        Thread.sleep(10);
      }
      view.gate().complete("first");

      String responses = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(responses.indexOf("\"first\"")).isPositive();
      assertThat(responses.indexOf("\"live\"")).isGreaterThan(responses.indexOf("\"first\""));
    }
  }

  @Test
  void manyRequestsOnOneConnectionAllAnswered() throws Exception {
    List<java.util.concurrent.CompletableFuture<HttpResponse<String>>> pending = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      pending.add(
          client.sendAsync(
              HttpRequest.newBuilder(uri(i % 2 == 0 ? "/api/nodes" : "/health/live")).build(),
              HttpResponse.BodyHandlers.ofString()));
    }
    for (var p : pending) {
      assertThat(p.get().statusCode()).isEqualTo(200);
    }
  }
}
