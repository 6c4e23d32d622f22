package io.ringmesh.coord;

import io.ringmesh.coord.internal.ClusterMetadata;
import io.ringmesh.coord.internal.CoordinatorService;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.io.TempDir;

/**
 * The registry contract against the embedded coordinator, snapshotting every few entries so that a
 * restart recovers the registry from a snapshot and the log.
 */
class EmbeddedRegistryTest extends RegistryContract {
  @TempDir Path dataDir;
  private @Nullable Coordinator coordinator;

  private Coordinator startCoordinator() throws Exception {
    return Coordinator.builder()
        .dataDirectory(dataDir)
        .shards(4)
        .timeSource(clock)
        .sessionCheckInterval(CHECK_INTERVAL)
        .snapshotThreshold(4)
        .start();
  }

  @Override
  void startService() throws Exception {
    coordinator = startCoordinator();
  }

  @Override
  CoordinatorService service() {
    Coordinator c = coordinator;
    if (c == null) {
      throw new IllegalStateException("no coordinator is running");
    }
    return c.service();
  }

  @Override
  void restartService() throws Exception {
    Coordinator c = coordinator;
    if (c != null) {
      c.close();
    }
    coordinator = startCoordinator();
  }

  @Override
  void assertRegistrySnapshotted() throws Exception {
    Path sm =
        dataDir
            .resolve("ratis")
            .resolve(new ClusterMetadata("ringmesh", 4).groupUuid(4).toString())
            .resolve("sm");
    Await.until(
        () -> {
          try (Stream<Path> files = Files.list(sm)) {
            return files.anyMatch(f -> f.getFileName().toString().startsWith("snapshot."));
          } catch (IOException e) {
            return false;
          }
        },
        () -> "a snapshot of the registry group in " + sm);
  }

  @Override
  void stopService() {
    Coordinator c = coordinator;
    if (c != null) {
      c.close();
    }
  }
}
