package io.ringmesh.coord;

import static org.assertj.core.api.Assertions.assertThat;

import io.ringmesh.coord.internal.CoordinatorService;
import io.ringmesh.coord.internal.Placement;
import io.ringmesh.coord.internal.RemoteCoordinatorService;
import io.ringmesh.rpc.Endpoint;
import io.ringmesh.rpc.RpcClient;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The lock-service contract against a 3-coordinator ensemble: every shard replicated on all three
 * Ratis peers, clients given all three RPC endpoints, following NOT_LEADER hints to each shard's
 * leader. The coordinators run in this JVM on loopback ports, each with its own data directory.
 */
class EnsembleLockServiceTest extends LockServiceContract {
  private static final int SIZE = 3;

  /**
   * Fewer shards than the default 16, and a longer election timeout than Ratis' default: three
   * Ratis servers in one JVM on two shared cores must not hold spurious elections mid-test, since a
   * request that meets one is retried on the fake clock. Failover at default timeouts is {@link
   * EnsembleFailoverTest}'s subject, with coordinators in processes of their own.
   */
  private static final int SHARDS = 4;

  @TempDir Path dataDir;
  private final RpcClient rpc = RpcClient.builder().build();
  private final List<@Nullable Coordinator> coordinators = new ArrayList<>();
  private @Nullable String peers;
  private final List<Integer> rpcPorts = new ArrayList<>();
  private @Nullable RemoteCoordinatorService remote;

  private Coordinator startOne(int i) throws IOException {
    return InJvmEnsemble.member(
            dataDir, java.util.Objects.requireNonNull(peers), i, rpcPorts.get(i), clock)
        .replicas(SIZE)
        .shards(SHARDS)
        .sessionCheckInterval(CHECK_INTERVAL)
        .groupCommit(1) // the batched path, replicated; the other fixtures keep the default
        // The balancer runs on the test's fake clock: it moves leaders only while startAll()
        // moves that clock, so no hand-off happens mid-test. After a restart it stays off: the
        // clock cannot move there without expiring the sessions the test is about.
        .leaderBalancing(balancing, Duration.ZERO)
        .start();
  }

  private boolean balancing = true;

  /**
   * Starts all three at once (each needs the others for a majority) and waits for leaders: on the
   * first start, until the leader balancer has moved every shard to its preferred coordinator.
   */
  private void startAll() throws Exception {
    coordinators.clear();
    coordinators.addAll(InJvmEnsemble.startTogether(SIZE, this::startOne));
    if (!balancing) {
      // The lock shards only, as on the first start: the tests here do not use the registry.
      Await.until(
          () -> new java.util.HashSet<>(ledShards()).size() == SHARDS,
          () -> "a leader for every shard; now " + leadersPerCoordinator());
      return;
    }
    // Leaders first come from random elections, then the balancer hands each shard to its
    // preferred coordinator, on its ticks of the fake clock: moved here one second per poll,
    // with no session open yet. Tests start once that has settled: a hand-off mid-test would
    // make a request UNAVAILABLE, and the client's retry backoff runs on the fake clock.
    List<String> ids = List.of("c0", "c1", "c2");
    List<String> preferred = Placement.preferredLeaders(SHARDS, ids, SIZE);
    Await.until(
        () -> {
          clock.advance(Duration.ofSeconds(1));
          for (int i = 0; i < SIZE; i++) {
            Coordinator c = coordinators.get(i);
            List<Integer> expected = new ArrayList<>();
            for (int shard = 0; shard < preferred.size(); shard++) {
              if (preferred.get(shard).equals(ids.get(i))) {
                expected.add(shard);
              }
            }
            if (c == null || !c.ledShards().equals(expected)) {
              return false;
            }
          }
          return true;
        },
        () -> "every shard led by its preferred coordinator; now " + leadersPerCoordinator());
  }

  private List<Integer> ledShards() {
    List<Integer> led = new ArrayList<>();
    for (Coordinator c : coordinators) {
      if (c != null) {
        led.addAll(c.ledShards());
      }
    }
    return led;
  }

  @Override
  void startService() throws Exception {
    List<Endpoint> endpoints = new ArrayList<>();
    for (int i = 0; i < SIZE; i++) {
      int port = FreePorts.next();
      rpcPorts.add(port);
      endpoints.add(Endpoint.of("127.0.0.1", port));
    }
    peers = FreePorts.peerList(SIZE);
    startAll();
    remote = new RemoteCoordinatorService(rpc, false, endpoints, Duration.ofSeconds(5));
  }

  @Override
  CoordinatorService service() {
    RemoteCoordinatorService r = remote;
    if (r == null) {
      throw new IllegalStateException("the ensemble is not running");
    }
    return r;
  }

  @Override
  void restartService() throws Exception {
    stopCoordinators();
    balancing = false;
    startAll();
  }

  @Override
  void stopService() {
    stopCoordinators();
    rpc.close();
  }

  private void stopCoordinators() {
    InJvmEnsemble.closeTogether(coordinators);
    coordinators.clear();
  }

  @Test
  void everyCoordinatorLeadsItsShareOfTheShards() {
    // startAll() waited for every shard to be led by its preferred coordinator; that spread is
    // at most ceil(4/3) = 2 shards each (16 on 3 is PlacementTest's case: at most 6).
    for (Coordinator c : coordinators) {
      assertThat(java.util.Objects.requireNonNull(c).ledShards()).hasSizeBetween(1, 2);
    }
    assertThat(ledShards()).containsExactlyInAnyOrder(0, 1, 2, 3);
  }

  private String leadersPerCoordinator() {
    StringBuilder b = new StringBuilder();
    for (Coordinator c : coordinators) {
      if (c != null) {
        b.append(c.id()).append('=').append(c.ledShards().size()).append(' ');
      }
    }
    return b.toString().strip();
  }
}
