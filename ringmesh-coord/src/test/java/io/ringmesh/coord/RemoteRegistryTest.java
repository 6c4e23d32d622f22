package io.ringmesh.coord;

import static org.assertj.core.api.Assertions.assertThat;

import io.ringmesh.coord.internal.CoordinatorService;
import io.ringmesh.coord.internal.RemoteCoordinatorService;
import io.ringmesh.rpc.Endpoint;
import io.ringmesh.rpc.RpcClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The registry contract with every call over ringmesh-rpc to the coordinator's RPC port; a watch is
 * an open RPC call held on the server.
 */
class RemoteRegistryTest extends RegistryContract {
  @TempDir Path dataDir;
  private final RpcClient rpc = RpcClient.builder().build();
  private @Nullable Coordinator coordinator;
  private @Nullable RemoteCoordinatorService remote;
  private int port;

  private void startCoordinator() throws Exception {
    Coordinator c =
        Coordinator.builder()
            .dataDirectory(dataDir)
            .shards(4)
            .timeSource(clock)
            .sessionCheckInterval(CHECK_INTERVAL)
            .snapshotThreshold(4)
            .rpcPort(port)
            .start();
    coordinator = c;
    port = c.rpcPort(); // a restart comes back on the same port, as a real one would
    remote =
        new RemoteCoordinatorService(
            rpc, false, List.of(Endpoint.of("127.0.0.1", c.rpcPort())), Duration.ofSeconds(5));
  }

  @Override
  void startService() throws Exception {
    startCoordinator();
  }

  @Override
  CoordinatorService service() {
    RemoteCoordinatorService r = remote;
    if (r == null) {
      throw new IllegalStateException("no coordinator is running");
    }
    return r;
  }

  @Override
  void restartService() throws Exception {
    Coordinator c = coordinator;
    if (c != null) {
      c.close();
    }
    startCoordinator();
  }

  @Override
  void stopService() {
    Coordinator c = coordinator;
    if (c != null) {
      c.close();
    }
    rpc.close();
  }

  @Test
  void aClientBuiltWithConnectRegistersAndWatchesOverTheWire() throws Exception {
    Coordinator c = coordinator;
    assertThat(c).isNotNull();
    try (LockClient node = LockClient.builder().connect("127.0.0.1:" + c.rpcPort()).build();
        LockClient watcher = LockClient.builder().connect("127.0.0.1:" + c.rpcPort()).build()) {
      RegistrySnapshot now = watcher.registry().snapshot();
      CompletableFuture<RegistrySnapshot> watch =
          watcher.registry().watch(now.version(), Duration.ofMinutes(1));
      node.registry().register(entry("kv", "n1", 7001));
      RegistrySnapshot changed = watch.get(30, TimeUnit.SECONDS);
      assertThat(changed.entries()).containsExactly(entry("kv", "n1", 7001));
      assertThat(watcher.shards()).hasSize(c.shards() + 1);
    }
  }
}
