package io.ringmesh.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.ringmesh.coord.Coordinator;
import io.ringmesh.coord.LockClient;
import io.ringmesh.coord.RegistryEntry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class RegistryDiscoveryTest {
  @TempDir Path dir;

  @Test
  void listenersHearRegistrationsAndTheEndOfASession() throws Exception {
    try (Coordinator coordinator = Coordinator.builder().dataDirectory(dir).shards(1).start();
        LockClient watcher = LockClient.builder().coordinator(coordinator).build();
        RegistryDiscovery discovery = new RegistryDiscovery(watcher.registry())) {
      LinkedBlockingQueue<List<ServiceInstance>> changes = new LinkedBlockingQueue<>();
      Discovery.Subscription sub = discovery.subscribe("kv", (s, list) -> changes.add(list));
      try {
        LockClient node = LockClient.builder().coordinator(coordinator).build();
        node.registry()
            .register(new RegistryEntry("kv", "n1", "127.0.0.1", 7100, 2, "1.0", Map.of("z", "a")));
        List<ServiceInstance> added = changes.poll(20, TimeUnit.SECONDS);
        assertThat(added)
            .containsExactly(
                new ServiceInstance(
                    "n1", io.ringmesh.rpc.Endpoint.of("127.0.0.1", 7100), 2, Map.of("z", "a")));
        assertThat(discovery.instances("kv")).isEqualTo(added);

        node.close(); // the session ends: its entries go
        assertThat(changes.poll(20, TimeUnit.SECONDS)).isEmpty();
        assertThat(discovery.instances("kv")).isEmpty();
      } finally {
        sub.close();
      }
    }
  }

  @Test
  void closingStopsFollowingButKeepsTheLastLists() throws Exception {
    try (Coordinator coordinator = Coordinator.builder().dataDirectory(dir).shards(1).start();
        LockClient node = LockClient.builder().coordinator(coordinator).build()) {
      node.registry().register(RegistryEntry.of("kv", "n1", "127.0.0.1", 7100));
      RegistryDiscovery discovery = new RegistryDiscovery(node.registry());
      LinkedBlockingQueue<List<ServiceInstance>> changes = new LinkedBlockingQueue<>();
      discovery.subscribe("kv", (s, list) -> changes.add(list));
      // The first read publishes what is there.
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (discovery.instances("kv").isEmpty() && System.nanoTime() < deadline) {
        changes.poll(100, TimeUnit.MILLISECONDS);
      }
      assertThat(discovery.instances("kv")).hasSize(1);
      discovery.close();
      discovery.close();
      node.registry().deregister("kv", "n1");
      assertThat(changes.poll(1, TimeUnit.SECONDS)).isNull();
      assertThat(discovery.instances("kv")).hasSize(1);
    }
  }
}
