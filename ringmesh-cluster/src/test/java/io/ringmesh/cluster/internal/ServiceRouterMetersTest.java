package io.ringmesh.cluster.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.ringmesh.cluster.Discovery;
import io.ringmesh.cluster.ServiceInstance;
import io.ringmesh.cluster.StaticDiscovery;
import io.ringmesh.cluster.Ticker;
import io.ringmesh.ring.Algorithm;
import io.ringmesh.rpc.Endpoint;
import io.ringmesh.rpc.Status;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A router's per-node meters follow the nodes in its ring: one set per node, gone with it. */
@Timeout(30)
class ServiceRouterMetersTest {
  private static final String SERVICE = "svc";

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final StaticDiscovery discovery = new StaticDiscovery();

  private ClusterSettings settings() {
    return settings(Runnable::run);
  }

  private ClusterSettings settings(Executor rebuilds) {
    return new ClusterSettings(
        Duration.ofSeconds(1),
        Algorithm.RING,
        3,
        0.2,
        10,
        5,
        Duration.ofSeconds(1),
        Duration.ofSeconds(30),
        Ticker.system(),
        rebuilds,
        Map.of(),
        registry,
        Map.of(),
        null);
  }

  private static ServiceInstance node(String id, int port) {
    return ServiceInstance.of(id, Endpoint.of("10.0.0.1", port));
  }

  private static NodeState state(ServiceRouter router, String id) {
    for (NodeState s : router.current().nodes()) {
      if (s.nodeId().equals(id)) {
        return s;
      }
    }
    throw new AssertionError("node " + id + " is not in the ring");
  }

  private int metersOf(String node) {
    return registry.find("ringmesh.client.attempts").tag("node", node).meters().size()
        + registry.find("ringmesh.client.retries").tag("node", node).meters().size()
        + registry.find("ringmesh.client.hedges").tag("node", node).meters().size()
        + registry.find("ringmesh.client.ejections").tag("node", node).meters().size();
  }

  private double retries(String node) {
    Counter c = registry.find("ringmesh.client.retries").tag("node", node).counter();
    return c == null ? 0 : c.count();
  }

  private long attempts(String node) {
    Timer t =
        registry.find("ringmesh.client.attempts").tag("node", node).tag("status", "OK").timer();
    return t == null ? 0 : t.count();
  }

  @Test
  void aNodeListedAgainManyTimesKeepsOneSetOfMeters() {
    discovery.update(SERVICE, List.of(node("a", 7000), node("b", 7000)));
    try (ServiceRouter router = new ServiceRouter(SERVICE, discovery, settings())) {
      state(router, "a").meters().attempt(Status.OK, 1);
      state(router, "b").meters().attempt(Status.OK, 1);
      int registered = router.meters().registeredCount();
      int inRegistry = registry.getMeters().size();

      for (int i = 1; i <= 100; i++) {
        // "a" comes back on a new endpoint (a new NodeState); "b" leaves and is listed again, as
        // a HealthCheckedDiscovery does with a node whose probes flap.
        discovery.update(SERVICE, List.of(node("a", 7000 + i)));
        discovery.update(SERVICE, List.of(node("a", 7000 + i), node("b", 7000)));
        state(router, "a").meters().attempt(Status.OK, 1);
        state(router, "b").meters().attempt(Status.OK, 1);
      }

      assertThat(router.meters().registeredCount()).isEqualTo(registered);
      assertThat(registry.getMeters()).hasSize(inRegistry);
      // "a" never left: its meters are the same ones, still counting.
      assertThat(attempts("a")).isEqualTo(101);
    }
  }

  @Test
  void aDroppedNodesMetersLeaveTheRegistryAndTheOthersKeepCounting() {
    discovery.update(SERVICE, List.of(node("a", 7000), node("b", 7000)));
    try (ServiceRouter router = new ServiceRouter(SERVICE, discovery, settings())) {
      NodeState b = state(router, "b");
      b.meters().retry();
      b.meters().attempt(Status.OK, 1);
      state(router, "a").meters().retry();
      assertThat(metersOf("b")).isPositive();

      discovery.update(SERVICE, List.of(node("a", 7000)));

      assertThat(metersOf("b")).isZero();
      // A call still in flight on "b" when it left records nothing, and registers nothing again.
      b.meters().retry();
      b.meters().attempt(Status.UNAVAILABLE, 1);
      b.meters().ejected();
      assertThat(metersOf("b")).isZero();
      state(router, "a").meters().retry();
      assertThat(retries("a")).isEqualTo(2.0);

      // Listed again later, "b" is metered afresh.
      discovery.update(SERVICE, List.of(node("a", 7000), node("b", 7000)));
      state(router, "b").meters().retry();
      assertThat(retries("b")).isEqualTo(1.0);
    }
  }

  @Test
  void anOlderRebuildRunAfterANewerOneChangesNothing() {
    List<Runnable> rebuilds = new ArrayList<>();
    discovery.update(SERVICE, List.of(node("a", 7000), node("b", 7000)));
    try (ServiceRouter router = new ServiceRouter(SERVICE, discovery, settings(rebuilds::add))) {
      state(router, "b").meters().retry();
      discovery.update(SERVICE, List.of(node("a", 7000), node("b", 7001)));
      discovery.update(SERVICE, List.of(node("a", 7000)));
      // An executor with several threads may run them in either order: the newer first here.
      rebuilds.get(1).run();
      rebuilds.get(0).run();

      assertThat(router.current().nodes()).extracting(NodeState::nodeId).containsExactly("a");
      assertThat(metersOf("b")).isZero();
    }
  }

  @Test
  void aChangeDeliveredAfterCloseRegistersNothing() {
    CapturingDiscovery d = new CapturingDiscovery();
    ServiceRouter router = new ServiceRouter(SERVICE, d, settings());
    Discovery.Listener listener = d.listener;
    assertThat(listener).isNotNull();
    RoutingSnapshot before = router.current();
    router.close();
    assertThat(registry.getMeters()).isEmpty();

    // A delivery that was in progress when the subscription was closed.
    listener.onChange(SERVICE, List.of(node("late", 7000)));

    assertThat(registry.getMeters()).isEmpty();
    assertThat(router.current()).isSameAs(before);
  }

  @Test
  void aRebuildQueuedBeforeCloseChangesNothingWhenItRunsAfter() {
    List<Runnable> rebuilds = new ArrayList<>();
    discovery.update(SERVICE, List.of(node("a", 7000)));
    ServiceRouter router = new ServiceRouter(SERVICE, discovery, settings(rebuilds::add));
    RoutingSnapshot before = router.current();
    discovery.update(SERVICE, List.of(node("a", 7000), node("b", 7000)));
    router.close();

    rebuilds.forEach(Runnable::run);

    assertThat(router.current()).isSameAs(before);
    assertThat(registry.getMeters()).isEmpty();
  }

  /**
   * A discovery whose subscription, like RegistryDiscovery's, does not wait for a delivery in
   * progress when it is closed: the test plays such a delivery after close.
   */
  private static final class CapturingDiscovery implements Discovery {
    volatile Discovery.@Nullable Listener listener;

    @Override
    public List<ServiceInstance> instances(String service) {
      return List.of(node("a", 7000));
    }

    @Override
    public Subscription subscribe(String service, Listener l) {
      listener = l;
      return () -> {};
    }
  }

  @Test
  void aRouterWhoseFirstBuildFailsLeavesNoSubscriptionOrMeterBehind() {
    List<Discovery.Listener> subscribed = new ArrayList<>();
    Discovery failing =
        new Discovery() {
          @Override
          public List<ServiceInstance> instances(String service) {
            throw new IllegalStateException("test: the registry cannot be read");
          }

          @Override
          public Subscription subscribe(String service, Listener listener) {
            subscribed.add(listener);
            return () -> subscribed.remove(listener);
          }
        };
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> new ServiceRouter(SERVICE, failing, settings()))
        .hasMessageContaining("cannot be read");
    assertThat(subscribed).as("subscription closed").isEmpty();
    assertThat(registry.getMeters()).as("meters removed").isEmpty();
  }
}
