package io.ringmesh.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.ringmesh.rpc.Endpoint;
import io.ringmesh.rpc.RpcServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class HealthCheckedDiscoveryTest {
  private static final ServiceInstance A = ServiceInstance.of("a", Endpoint.of("127.0.0.1", 7001));
  private static final ServiceInstance B = ServiceInstance.of("b", Endpoint.of("127.0.0.1", 7002));

  @Test
  void anInstanceIsDroppedAfterThresholdFailedProbesAndBackAfterOneSuccess() throws Exception {
    StaticDiscovery peers = new StaticDiscovery();
    peers.update("kv", List.of(A, B));
    Set<String> down = ConcurrentHashMap.newKeySet();
    HealthCheckedDiscovery d =
        new HealthCheckedDiscovery(
            peers,
            (service, i) -> CompletableFuture.completedFuture(!down.contains(i.nodeId())),
            2);
    List<List<ServiceInstance>> seen = new ArrayList<>();
    d.subscribe("kv", (s, list) -> seen.add(list));
    assertThat(d.instances("kv")).containsExactly(A, B); // listed until probed otherwise

    down.add("b");
    d.probeNow(Duration.ofSeconds(1));
    assertThat(d.instances("kv")).containsExactly(A, B); // one failure is not enough
    d.probeNow(Duration.ofSeconds(1));
    assertThat(d.instances("kv")).containsExactly(A);
    down.clear();
    d.probeNow(Duration.ofSeconds(1));
    assertThat(d.instances("kv")).containsExactly(A, B);
    assertThat(seen).containsExactly(List.of(A, B), List.of(A), List.of(A, B));
  }

  @Test
  void aRoundWaitsForTheOneRunningSoItsNewerResultIsTheOneKept() throws Exception {
    StaticDiscovery peers = new StaticDiscovery();
    peers.update("kv", List.of(A));
    CompletableFuture<Boolean> firstProbe = new CompletableFuture<>();
    AtomicInteger probes = new AtomicInteger();
    HealthCheckedDiscovery d =
        new HealthCheckedDiscovery(
            peers,
            (service, i) ->
                probes.incrementAndGet() == 1
                    ? firstProbe
                    : CompletableFuture.completedFuture(true),
            1);
    d.subscribe("kv", (s, list) -> {});
    CompletableFuture<Void> first = probeOnAThread(d);
    ClusterClientTest.waitUntil(() -> probes.get() == 1);
    Thread second = Thread.ofPlatform().unstarted(() -> probeNow(d));
    second.start();
    // Either the second round waits for the first (parked on the round lock), or, overlapping, it
    // probes and ends.
    ClusterClientTest.waitUntil(
        () ->
            second.getState() == Thread.State.WAITING
                || second.getState() == Thread.State.BLOCKED
                || second.getState() == Thread.State.TERMINATED);
    firstProbe.complete(false); // the first round's answer: a failure, older than the second's
    first.get(10, TimeUnit.SECONDS);
    second.join(10_000);
    assertThat(second.isAlive()).isFalse();
    assertThat(probes).hasValue(2);
    assertThat(d.instances("kv"))
        .as("the later round's success is the last word")
        .containsExactly(A);
  }

  private static CompletableFuture<Void> probeOnAThread(HealthCheckedDiscovery d) {
    return CompletableFuture.runAsync(() -> probeNow(d), r -> Thread.ofPlatform().start(r));
  }

  private static void probeNow(HealthCheckedDiscovery d) {
    try {
      d.probeNow(Duration.ofSeconds(10));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Test
  void aProbeThatDoesNotAnswerInTimeCountsAsFailed() throws Exception {
    StaticDiscovery peers = new StaticDiscovery();
    peers.update("kv", List.of(A));
    HealthCheckedDiscovery d =
        new HealthCheckedDiscovery(peers, (service, i) -> new CompletableFuture<>(), 1);
    d.subscribe("kv", (s, list) -> {});
    d.probeNow(Duration.ofMillis(50));
    assertThat(d.instances("kv")).isEmpty();
  }

  @Test
  void aClusterClientStopsRoutingToAPeerWhoseTcpProbeFails() throws Exception {
    try (TestCluster c = new TestCluster(2)) {
      HealthCheckedDiscovery d =
          new HealthCheckedDiscovery(
              c.discovery, HealthCheckedDiscovery.Prober.tcpConnect(Duration.ofSeconds(1)), 1);
      try (ClusterClient client =
          ClusterClient.builder()
              .discovery(d)
              .rebuildExecutor(Runnable::run)
              .defaultDeadline(Duration.ofSeconds(5))
              .build()) {
        Kv kv = client.proxy(Kv.class);
        RpcServer dying = c.server("node-0");
        dying.shutdownNow();
        dying.awaitTermination(Duration.ofSeconds(5));
        d.probeNow(Duration.ofSeconds(5));
        assertThat(d.instances(TestCluster.SERVICE))
            .extracting(ServiceInstance::nodeId)
            .containsExactly("node-1");
        for (int i = 0; i < 50; i++) {
          assertThat(kv.owner("k" + i)).isEqualTo("node-1");
        }
      }
    }
  }
}
