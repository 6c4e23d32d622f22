package io.ringmesh.coord;

import io.ringmesh.coord.internal.CoordinatorService;
import java.nio.file.Path;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.io.TempDir;

/** The lock-service contract against the embedded default: one coordinator, every shard local. */
class EmbeddedLockServiceTest extends LockServiceContract {
  @TempDir Path dataDir;
  private @Nullable Coordinator coordinator;

  private Coordinator startCoordinator() throws Exception {
    return Coordinator.builder()
        .dataDirectory(dataDir)
        .timeSource(clock)
        .sessionCheckInterval(CHECK_INTERVAL)
        .groupCommit(1) // the batched path; RemoteLockServiceTest keeps the default
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
  void stopService() {
    Coordinator c = coordinator;
    if (c != null) {
      c.close();
    }
  }
}
