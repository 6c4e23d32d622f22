package io.ringmesh.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.ringmesh.coord.Coordinator;
import io.ringmesh.coord.LockClient;
import io.ringmesh.coord.RegistryEntry;
import io.ringmesh.coord.TimeSource;
import io.ringmesh.rpc.Endpoint;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** RegistryDiscovery against an embedded coordinator: registry changes reach listeners. */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class RegistryDiscoveryTest {
  @TempDir Path dataDir;
  private Coordinator coordinator;
  private LockClient node;
  private LockClient follower;

  @BeforeEach
  void start() throws Exception {
    coordinator = Coordinator.builder().dataDirectory(dataDir).shards(2).start();
    node = LockClient.builder().coordinator(coordinator).build();
    follower = LockClient.builder().coordinator(coordinator).build();
  }

  @AfterEach
  void stop() {
    follower.close();
    node.close();
    coordinator.close();
  }

  private static ServiceInstance instance(String id, int port, Map<String, String> metadata) {
    return new ServiceInstance(id, Endpoint.of("127.0.0.1", port), 2.0, metadata);
  }

  @Test
  void aRegistrationReachesTheListenerAsTheWholeList() throws Exception {
    node.registry().register(new RegistryEntry("kv", "a", "127.0.0.1", 7001, 2.0, "", Map.of()));
    try (RegistryDiscovery discovery =
        new RegistryDiscovery(follower.registry(), Duration.ofSeconds(5), TimeSource.system())) {
      assertThat(discovery.instances("kv")).containsExactly(instance("a", 7001, Map.of()));
      BlockingQueue<List<ServiceInstance>> seen = new LinkedBlockingQueue<>();
      BlockingQueue<String> others = new LinkedBlockingQueue<>();
      discovery.subscribe("kv", (service, list) -> seen.add(list));
      discovery.subscribe("web", (service, list) -> others.add(service));

      node.registry()
          .register(
              new RegistryEntry("kv", "b", "127.0.0.1", 7002, 2.0, "1.4", Map.of("zone", "z1")));
      assertThat(seen.poll(30, TimeUnit.SECONDS))
          .containsExactly(
              instance("a", 7001, Map.of()),
              instance("b", 7002, Map.of("zone", "z1", "version", "1.4")));

      node.registry().deregister("kv", "a");
      assertThat(seen.poll(30, TimeUnit.SECONDS))
          .containsExactly(instance("b", 7002, Map.of("zone", "z1", "version", "1.4")));
      assertThat(discovery.instances("kv")).hasSize(1);
      assertThat(others).as("web never changed").isEmpty();
    }
  }

  @Test
  void aClosedNodesInstancesDisappearAndCloseStopsTheThread() throws Exception {
    LockClient shortLived = LockClient.builder().coordinator(coordinator).build();
    shortLived.registry().register(RegistryEntry.of("kv", "x", "127.0.0.1", 7100));
    RegistryDiscovery discovery =
        new RegistryDiscovery(follower.registry(), Duration.ofSeconds(5), TimeSource.system());
    BlockingQueue<List<ServiceInstance>> seen = new LinkedBlockingQueue<>();
    discovery.subscribe("kv", (service, list) -> seen.add(list));
    shortLived.close();
    assertThat(seen.poll(30, TimeUnit.SECONDS)).isEmpty();
    discovery.close();
    discovery.close(); // twice is harmless
    assertThat(
            Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals("ringmesh-registry-discovery"))
                .filter(Thread::isAlive)
                .count())
        .isZero();
  }

  @Test
  void closingTheLockClientFirstStopsTheWatchThreadInsteadOfRetryingForever() throws Exception {
    LockClient own = LockClient.builder().coordinator(coordinator).build();
    node.registry().register(RegistryEntry.of("kv", "a", "127.0.0.1", 7200));
    RegistryDiscovery discovery =
        new RegistryDiscovery(own.registry(), Duration.ofSeconds(5), TimeSource.system());
    try {
      assertThat(discoveryThreads()).isEqualTo(1);
      own.close(); // the wrong order: the open watch ends with CANCELLED, and so would any later
      ClusterClientTest.waitUntil(() -> discoveryThreads() == 0);
      assertThat(discovery.instances("kv")).hasSize(1); // the last lists stay
    } finally {
      discovery.close();
    }
  }

  private static long discoveryThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().equals("ringmesh-registry-discovery"))
        .filter(Thread::isAlive)
        .count();
  }
}
