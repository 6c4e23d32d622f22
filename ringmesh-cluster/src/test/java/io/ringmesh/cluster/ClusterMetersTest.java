package io.ringmesh.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.search.Search;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.ringmesh.rpc.RpcException;
import io.ringmesh.rpc.Status;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A client's Micrometer meters count what its calls did, per service and per node. */
@Timeout(30)
class ClusterMetersTest extends RoutedCallsTestBase {
  private static final String SERVICE = TestCluster.SERVICE;

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

  private ClusterClient client(TestCluster c, ClusterClient.Builder b) {
    ClusterClient client =
        b.discovery(c.discovery)
            .meterRegistry(registry)
            .defaultDeadline(Duration.ofSeconds(5))
            .rebuildExecutor(Runnable::run)
            .build();
    closeLater(client);
    return client;
  }

  private Search search(String name) {
    return registry.find(name).tag("service", SERVICE);
  }

  private long calls(Status status) {
    Timer t = search("ringmesh.client.calls").tag("status", status.name()).timer();
    return t == null ? 0 : t.count();
  }

  private long attempts(String node, Status status) {
    Timer t =
        search("ringmesh.client.attempts").tag("node", node).tag("status", status.name()).timer();
    return t == null ? 0 : t.count();
  }

  private double counter(String name, String node) {
    var c = search(name).tag("node", node).counter();
    return c == null ? 0 : c.count();
  }

  @Test
  void everyCallIsCountedOnceWithItsStatusAndEachAttemptOnItsNode() throws Exception {
    TestCluster c = cluster(3);
    Kv kv = client(c, ClusterClient.builder()).proxy(Kv.class);
    for (int i = 0; i < 30; i++) {
      kv.owner("user:" + i);
    }
    for (int i = 0; i < 10; i++) {
      kv.ownerAsync("user:" + i).get(5, TimeUnit.SECONDS);
    }
    assertThat(calls(Status.OK)).isEqualTo(40);
    long perNode = 0;
    for (String id : c.ids()) {
      perNode += attempts(id, Status.OK);
    }
    assertThat(perNode).isEqualTo(40);
    Timer okCalls = search("ringmesh.client.calls").tag("status", "OK").timer();
    assertThat(okCalls).isNotNull();
    assertThat(okCalls.totalTime(TimeUnit.NANOSECONDS)).isPositive();
    assertThat(search("ringmesh.client.nodes").gauge().value()).isEqualTo(3.0);

    assertThatThrownBy(() -> kv.owner(null)).isInstanceOf(RpcException.class);
    assertThat(calls(Status.INVALID_ARGUMENT)).isEqualTo(1);
  }

  @Test
  void aFailedAttemptIsCountedOnItsNodeAndTheRetryOnTheNext() {
    TestCluster c = cluster(3);
    Kv kv = client(c, ClusterClient.builder()).proxy(Kv.class);
    String key = c.keyOn("node-0");
    c.server("node-0").shutdownNow();

    String next = kv.owner(key);

    assertThat(calls(Status.OK)).isEqualTo(1);
    assertThat(attempts("node-0", Status.UNAVAILABLE)).isEqualTo(1);
    assertThat(attempts(next, Status.OK)).isEqualTo(1);
    assertThat(counter("ringmesh.client.retries", next)).isEqualTo(1.0);
    assertThat(counter("ringmesh.client.retries", "node-0")).isZero();
  }

  @Test
  void retriesTheBudgetRefusesAndEjectionsAreCounted() {
    TestCluster c = cluster(3);
    Kv kv =
        client(
                c,
                ClusterClient.builder()
                    .retryBudget(0, 0)
                    .outlierEjection(2, Duration.ofSeconds(30), Duration.ofSeconds(60)))
            .proxy(Kv.class);
    String key = c.keyOn("node-0");
    c.server("node-0").shutdownNow();
    for (int i = 0; i < 2; i++) {
      assertThatThrownBy(() -> kv.owner(key)).isInstanceOf(RpcException.class);
    }
    assertThat(calls(Status.UNAVAILABLE)).isEqualTo(2);
    assertThat(search("ringmesh.client.retries.refused").counter().count()).isEqualTo(2.0);
    assertThat(counter("ringmesh.client.ejections", "node-0")).isEqualTo(1.0);
  }

  @Test
  void boundedLoadsCountAssignmentsAndSpills() throws Exception {
    TestCluster c = cluster(2);
    Kv kv = client(c, ClusterClient.builder().boundedLoads(Kv.class, 0.25)).proxy(Kv.class);
    String key = c.keyOn("node-0");
    // As in ClusterClientTest: of four held calls for node-0's key, the third spills.
    List<CompletableFuture<String>> held = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      int expected = i + 1;
      held.add(CompletableFuture.supplyAsync(() -> kv.holdKey(key)));
      ClusterClientTest.waitUntil(() -> c.held.get() == expected);
    }
    c.releaseHeld.countDown();
    for (CompletableFuture<String> f : held) {
      f.get(10, TimeUnit.SECONDS);
    }
    assertThat(search("ringmesh.client.bounded.assignments").functionCounter().count())
        .isEqualTo(4.0);
    assertThat(search("ringmesh.client.bounded.spills").functionCounter().count()).isEqualTo(1.0);
  }

  @Test
  void closingTheClientRemovesItsMeters() {
    TestCluster c = cluster(2);
    ClusterClient client = client(c, ClusterClient.builder());
    Kv kv = client.proxy(Kv.class);
    kv.owner("k");
    assertThat(registry.getMeters()).extracting(Meter::getId).isNotEmpty();
    client.close();
    // A call through the proxy after close fails; its failure must not register meters again.
    assertThatThrownBy(() -> kv.owner("k")).isInstanceOf(RpcException.class);
    assertThat(registry.getMeters()).isEmpty();
  }
}
