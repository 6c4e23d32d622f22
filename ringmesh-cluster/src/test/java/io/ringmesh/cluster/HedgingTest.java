package io.ringmesh.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.ringmesh.rpc.CallOptions;
import io.ringmesh.rpc.Endpoint;
import io.ringmesh.rpc.RpcClient;
import io.ringmesh.rpc.RpcException;
import io.ringmesh.rpc.Status;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Hedged calls: a slow first node is overtaken by a second attempt on the next node. */
@Timeout(30)
class HedgingTest extends RoutedCallsTestBase {
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

  private ClusterClient client(TestCluster c, ClusterClient.Builder b) {
    ClusterClient client =
        b.discovery(c.discovery)
            .meterRegistry(registry)
            .defaultDeadline(Duration.ofSeconds(10))
            .rebuildExecutor(Runnable::run)
            .build();
    closeLater(client);
    return client;
  }

  private double hedges(String node) {
    Counter counter =
        registry
            .find("ringmesh.client.hedges")
            .tag("service", TestCluster.SERVICE)
            .tag("node", node)
            .counter();
    return counter == null ? 0 : counter.count();
  }

  /** The node after {@code id} on {@code key}'s preference list. */
  private static String second(TestCluster c, String key) {
    return c.ring().preferenceList(key, 2).get(1).id();
  }

  @Test
  void aSlowNodeIsOvertakenAndItsAttemptCancelledButOnlyForIdempotentMethods() throws Exception {
    TestCluster c = cluster(3);
    Kv kv =
        client(c, ClusterClient.builder().hedging(Kv.class, Duration.ofMillis(50))).proxy(Kv.class);
    String key = c.keyOn("node-0");
    String next = second(c, key);
    c.stall("node-0");

    assertThat(kv.ownerIdem(key)).isEqualTo(next);
    assertThat(hedges(next)).isEqualTo(1.0);
    ClusterClientTest.waitUntil(() -> c.cancelled.get() == 1); // the loser was cancelled

    assertThat(kv.ownerIdemAsync(key).get(5, TimeUnit.SECONDS)).isEqualTo(next);
    assertThat(hedges(next)).isEqualTo(2.0);
    ClusterClientTest.waitUntil(() -> c.cancelled.get() == 2);

    // owner is not @Idempotent: it waits for node-0 until its deadline, and is never hedged.
    Kv shortDeadline =
        client(c, ClusterClient.builder().hedging(Kv.class, Duration.ofMillis(50)))
            .proxy(Kv.class, CallOptions.DEFAULT.withTimeout(Duration.ofMillis(500)));
    assertThatThrownBy(() -> shortDeadline.owner(key))
        .isInstanceOfSatisfying(
            RpcException.class, e -> assertThat(e.status()).isEqualTo(Status.DEADLINE_EXCEEDED));
    assertThat(hedges(next)).isEqualTo(2.0);
  }

  @Test
  void byDefaultTheHedgeDelayIsTheObservedP95() {
    TestCluster c = cluster(3);
    Kv kv = client(c, ClusterClient.builder().hedging(Kv.class)).proxy(Kv.class);
    String key = c.keyOn("node-0");
    // Fast calls teach the client the method's latency (no estimate, so no hedge, before 64).
    for (int i = 0; i < 128; i++) {
      kv.ownerIdem(key);
    }
    // Some of those were hedged: a p95 is exceeded by about one call in twenty.
    double hedgedWhileFast = hedges(second(c, key));
    c.stall("node-0");
    long started = System.nanoTime();
    assertThat(kv.ownerIdem(key)).isEqualTo(second(c, key));
    assertThat(Duration.ofNanos(System.nanoTime() - started))
        .as("hedged after a loopback p95, far within the 10 s deadline")
        .isLessThan(Duration.ofSeconds(5));
    assertThat(hedges(second(c, key))).isEqualTo(hedgedWhileFast + 1);
  }

  @Test
  void proxiesOfOneServiceShareTheObservedP95() {
    TestCluster c = cluster(3);
    ClusterClient client = client(c, ClusterClient.builder().hedging(Kv.class));
    String key = c.keyOn("node-0");
    // Each call through a proxy of its own, as with proxyForKey: together they teach the p95.
    for (int i = 0; i < 128; i++) {
      client.proxyForKey(Kv.class, key).ownerIdem(key);
    }
    double hedgedWhileFast = hedges(second(c, key));
    c.stall("node-0");
    long started = System.nanoTime();
    assertThat(client.proxy(Kv.class).ownerIdem(key)).isEqualTo(second(c, key));
    assertThat(Duration.ofNanos(System.nanoTime() - started))
        .as("a fresh proxy hedged after the service's p95, far within the 10 s deadline")
        .isLessThan(Duration.ofSeconds(5));
    assertThat(hedges(second(c, key))).isEqualTo(hedgedWhileFast + 1);
  }

  @Test
  void hedgesDrawOnTheRetryBudget() {
    TestCluster c = cluster(3);
    Kv kv =
        client(
                c,
                ClusterClient.builder().retryBudget(0, 0).hedging(Kv.class, Duration.ofMillis(20)))
            .proxy(Kv.class, CallOptions.DEFAULT.withTimeout(Duration.ofMillis(500)));
    String key = c.keyOn("node-0");
    c.stall("node-0");
    assertThatThrownBy(() -> kv.ownerIdem(key))
        .isInstanceOfSatisfying(
            RpcException.class, e -> assertThat(e.status()).isEqualTo(Status.DEADLINE_EXCEEDED));
    assertThat(hedges(second(c, key))).isZero();
    assertThat(
            registry
                .find("ringmesh.client.retries.refused")
                .tag("service", TestCluster.SERVICE)
                .counter()
                .count())
        .isEqualTo(1.0);
  }

  @Test
  void aBlockingHedgedCallOnAnRpcIoThreadIsRefusedNotHung() throws Exception {
    TestCluster c = cluster(3);
    RpcClient rpc = closeLater(RpcClient.builder().build());
    Kv kv =
        client(c, ClusterClient.builder().rpcClient(rpc).hedging(Kv.class, Duration.ofMillis(50)))
            .proxy(Kv.class);
    String key = c.keyOn("node-0");
    c.stall("node-0"); // the first attempt never answers: the wait would last until a hedge
    // The first call on a new connection completes on the client's I/O thread (the handshake
    // comes first), and so does the stage that makes the blocking call.
    AtomicReference<String> thread = new AtomicReference<>();
    CompletableFuture<String> onIoThread =
        rpc.proxy(Kv.class, Endpoint.of("127.0.0.1", c.port("node-1")))
            .ownerAsync("any")
            .thenApply(
                ignored -> {
                  thread.set(Thread.currentThread().getName());
                  return kv.ownerIdem(key);
                });
    assertThatThrownBy(() -> onIoThread.get(10, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .cause()
        .isInstanceOfSatisfying(
            RpcException.class, e -> assertThat(e.status()).isEqualTo(Status.INTERNAL))
        .hasMessageContaining("would deadlock")
        .hasMessageContaining("thenApplyAsync");
    assertThat(thread.get()).startsWith("ringmesh-rpc-client");
  }

  @Test
  void aBadHedgingDelayIsRefusedNamingIt() {
    assertThatThrownBy(() -> ClusterClient.builder().hedging(Kv.class, Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("hedging delay must be positive");
  }
}
