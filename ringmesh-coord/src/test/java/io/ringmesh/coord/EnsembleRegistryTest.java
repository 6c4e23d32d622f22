package io.ringmesh.coord;

import static org.assertj.core.api.Assertions.assertThat;

import io.ringmesh.coord.internal.RemoteCoordinatorService;
import io.ringmesh.rpc.Endpoint;
import io.ringmesh.rpc.RpcClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The registry on a 3-coordinator ensemble in this JVM: its group is replicated on all three, and a
 * watch follows the registry's leadership when its leader goes away.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class EnsembleRegistryTest {
  private static final int SIZE = 3;
  private static final int SHARDS = 2;

  /** Long enough that no session lapses on the fake clock while leaders are re-elected. */
  private static final Duration TTL = Duration.ofSeconds(60);

  @TempDir Path dataDir;
  private final FakeTimeSource clock = new FakeTimeSource();
  private final RpcClient rpc = RpcClient.builder().build();
  private final List<@Nullable Coordinator> coordinators = new ArrayList<>();
  private final List<Integer> rpcPorts = new ArrayList<>();
  private final List<LockClient> clients = new ArrayList<>();
  private String peers = "";
  private @Nullable RemoteCoordinatorService remote;

  @BeforeEach
  void start() throws Exception {
    List<Endpoint> endpoints = new ArrayList<>();
    for (int i = 0; i < SIZE; i++) {
      int port = FreePorts.next();
      rpcPorts.add(port);
      endpoints.add(Endpoint.of("127.0.0.1", port));
    }
    peers = FreePorts.peerList(SIZE);
    coordinators.addAll(
        InJvmEnsemble.startTogether(
            SIZE,
            n ->
                InJvmEnsemble.member(dataDir, peers, n, rpcPorts.get(n), clock)
                    .replicas(SIZE)
                    .shards(SHARDS)
                    .sessionCheckInterval(Duration.ofMillis(100))
                    .start()));
    remote = new RemoteCoordinatorService(rpc, false, endpoints, Duration.ofSeconds(5));
    Await.until(() -> registryLeader() >= 0, () -> "a leader of the registry group");
    Await.until(
        () -> ledShards() == SHARDS, () -> "a leader for each of the " + SHARDS + " lock shards");
  }

  private int ledShards() {
    int led = 0;
    for (Coordinator c : coordinators) {
      if (c != null) {
        led += c.ledShards().size();
      }
    }
    return led;
  }

  @AfterEach
  void stop() {
    for (LockClient c : clients) {
      CompletableFuture<Void> closing = CompletableFuture.runAsync(c::close);
      advanceUntilDone(closing);
    }
    InJvmEnsemble.closeTogether(coordinators);
    rpc.close();
  }

  private int registryLeader() {
    for (int i = 0; i < coordinators.size(); i++) {
      Coordinator c = coordinators.get(i);
      if (c != null && c.leadsRegistry()) {
        return i;
      }
    }
    return -1;
  }

  private LockClient client() {
    RemoteCoordinatorService r = Objects.requireNonNull(remote);
    // Opening the session retries with back-off on the fake clock (a shard's new leader may not
    // serve yet), so the clock moves while it opens.
    CompletableFuture<LockClient> opening =
        CompletableFuture.supplyAsync(
            () -> LockClient.builder().service(() -> r).timeSource(clock).sessionTtl(TTL).build());
    advanceUntilDone(opening);
    LockClient c = opening.join();
    clients.add(c);
    return c;
  }

  /** Moves the fake clock in small steps until {@code f} completes (bounded in real time). */
  private void advanceUntilDone(CompletableFuture<?> f) {
    clock.advanceUntilDone(f, Duration.ofSeconds(30));
  }

  private static RegistryEntry entry(String node, int port) {
    return new RegistryEntry("kv", node, "127.0.0.1", port, 1, "", Map.of());
  }

  @Test
  void aWatchFollowsTheRegistryToItsNewLeaderWhenTheOldOneStops() throws Exception {
    LockClient node = client();
    LockClient watcher = client();
    node.registry().register(entry("n1", 7001));
    RegistrySnapshot now = watcher.registry().snapshot();
    CompletableFuture<RegistrySnapshot> watch =
        watcher.registry().watch(now.version(), Duration.ofMinutes(30));

    int leader = registryLeader();
    Objects.requireNonNull(coordinators.get(leader)).close();
    coordinators.set(leader, null);
    Await.until(() -> registryLeader() >= 0, () -> "a new leader of the registry group");
    assertThat(watch).as("a leader change is not a registry change").isNotDone();

    CompletableFuture<Void> registering =
        CompletableFuture.runAsync(() -> node.registry().register(entry("n2", 7002)));
    advanceUntilDone(registering);
    registering.get(1, TimeUnit.SECONDS);
    advanceUntilDone(watch);
    RegistrySnapshot changed = watch.get(1, TimeUnit.SECONDS);
    assertThat(changed.version()).isGreaterThan(now.version());
    assertThat(changed.entries()).containsExactly(entry("n1", 7001), entry("n2", 7002));
  }

  @Test
  void shardsMergesWhatEveryCoordinatorKnows() {
    List<ShardInfo> shards = client().shards();
    assertThat(shards).hasSize(SHARDS + 1);
    for (ShardInfo s : shards) {
      assertThat(s.replicas()).containsExactlyInAnyOrder("c0", "c1", "c2");
      assertThat(s.leader()).isPresent();
    }
    assertThat(shards.get(SHARDS).registry()).isTrue();
    assertThat(shards.get(SHARDS).leader()).contains("c" + registryLeader());
  }
}
