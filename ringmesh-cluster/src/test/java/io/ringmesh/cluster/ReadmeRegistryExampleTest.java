package io.ringmesh.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ringmesh.coord.Coordinator;
import io.ringmesh.coord.LockClient;
import io.ringmesh.coord.RegistryEntry;
import io.ringmesh.coord.RegistrySnapshot;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The README's registry example, as written there, so that the README stays true. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ReadmeRegistryExampleTest {
  @TempDir Path dir;

  @Test
  void readmeExampleWorksAsDescribed() throws Exception {
    try (Coordinator coordinator =
        Coordinator.builder().dataDirectory(dir).shards(2).rpcPort(0).start()) {
      String where = "127.0.0.1:" + coordinator.rpcPort();
      BlockingQueue<List<ServiceInstance>> seen = new LinkedBlockingQueue<>();
      try (LockClient coordinators = LockClient.builder().connect(where).build();
          RegistryDiscovery discovery = new RegistryDiscovery(coordinators.registry())) {
        discovery.subscribe("profiles", (service, instances) -> seen.add(instances));
        CompletableFuture<RegistrySnapshot> next;
        CompletableFuture<RegistrySnapshot> fromOutside;
        // --- from the README ---
        try (LockClient node = LockClient.builder().connect(where).build()) {
          node.registry()
              .register(
                  new RegistryEntry(
                      "profiles",
                      "node-a",
                      "10.0.0.7",
                      7100,
                      1.0,
                      "1.4.2",
                      Map.of("zone", "eu-1")));
          RegistrySnapshot now = node.registry().snapshot("profiles"); // linearizable, versioned
          next = node.registry().watch(now.version(), Duration.ofSeconds(30));
          // --- end of the README's part ---
          assertThat(now.entries()).hasSize(1);
          fromOutside = coordinators.registry().watch(now.version(), Duration.ofSeconds(30));
          assertThat(seen.poll(30, TimeUnit.SECONDS))
              .extracting(ServiceInstance::nodeId)
              .containsExactly("node-a");
        }
        // Closing the node ended its own watch: with the change if that reached it first, else
        // with CANCELLED, but never left open.
        assertThat(next).isDone();
        if (next.isCompletedExceptionally()) {
          assertThatThrownBy(next::join).cause().hasMessageContaining("LockClient was closed");
        } else {
          assertThat(next.join().entries()).isEmpty();
        }
        // Closing the node ended its session: its entry went, and the other client saw it.
        assertThat(fromOutside.get(30, TimeUnit.SECONDS).entries()).isEmpty();
        assertThat(seen.poll(30, TimeUnit.SECONDS)).isEmpty();
      }
    }
  }
}
