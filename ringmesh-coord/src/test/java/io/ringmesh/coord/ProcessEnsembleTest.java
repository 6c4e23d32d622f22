package io.ringmesh.coord;

import io.ringmesh.rpc.RpcClient;
import java.nio.file.Path;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * Base of tests that run coordinators as processes of their own ({@link EnsembleProcesses}): each
 * test gets a data folder and an RPC client, and every process it started is killed after it.
 */
abstract class ProcessEnsembleTest {
  @TempDir Path dir;
  final RpcClient rpc = RpcClient.builder().build();
  private @Nullable EnsembleProcesses ensemble;

  /** Starts {@code size} coordinators and waits until every group is led by its preferred one. */
  EnsembleProcesses startSettled(int size) throws Exception {
    EnsembleProcesses cluster = new EnsembleProcesses(dir, size);
    ensemble = cluster;
    cluster.startAll();
    cluster.awaitPreferredLeaders(rpc);
    return cluster;
  }

  /** The ensemble {@link #startSettled} started. */
  EnsembleProcesses ensemble() {
    return Objects.requireNonNull(ensemble, "startSettled was not called");
  }

  @AfterEach
  void stopAll() {
    if (ensemble != null) {
      ensemble.close();
    }
    rpc.close();
  }
}
