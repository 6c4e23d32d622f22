package io.ringmesh.coord.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.ringmesh.coord.internal.Messages.AcquireMode;
import io.ringmesh.coord.internal.Messages.AcquireReply;
import io.ringmesh.coord.internal.Messages.AcquireRequest;
import io.ringmesh.coord.internal.Messages.ClusterInfo;
import io.ringmesh.coord.internal.Messages.HeartbeatRequest;
import io.ringmesh.coord.internal.Messages.SessionReply;
import io.ringmesh.coord.internal.Messages.ShardOutcome;
import io.ringmesh.rpc.Endpoint;
import io.ringmesh.rpc.RpcClient;
import io.ringmesh.rpc.RpcServer;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Where the client sends a shard's next call after a coordinator failed the last one. A heartbeat
 * sent to a coordinator that hangs (paused, or cut off without a reset) fails by its own short
 * deadline, not the long deadline of other calls; a coordinator that answers UNAVAILABLE (cut off
 * from its peers but not from the client, so it knows no leader) is not asked again. Either way the
 * shard's next call goes to another coordinator.
 */
@Timeout(60)
class LeaderGuessTest {
  private enum Behaviour {
    HANGS,
    NO_LEADER,
    SERVES
  }

  private final List<RpcServer> servers = new ArrayList<>();
  private final RpcClient rpc = RpcClient.builder().build();

  @AfterEach
  void close() {
    rpc.close();
    servers.forEach(RpcServer::shutdownNow);
  }

  /** A fake coordinator of one lock shard, answering heartbeats and acquires as {@code b} says. */
  private Endpoint coordinator(String id, Behaviour b) {
    CoordinatorService fake =
        (CoordinatorService)
            Proxy.newProxyInstance(
                CoordinatorService.class.getClassLoader(),
                new Class<?>[] {CoordinatorService.class},
                (proxy, method, args) ->
                    switch (method.getName()) {
                      case "clusterInfo" -> new ClusterInfo("test", 1, id, List.of());
                      case "heartbeat" -> {
                        HeartbeatRequest r = (HeartbeatRequest) args[0];
                        yield b == Behaviour.HANGS
                            ? new CompletableFuture<SessionReply>()
                            : CompletableFuture.completedFuture(
                                new SessionReply(
                                    r.shards().stream().map(s -> outcome(s, id, b)).toList()));
                      }
                      case "acquire" -> {
                        ShardOutcome o = outcome(0, id, b);
                        yield CompletableFuture.completedFuture(
                            new AcquireReply(o.status(), o.message(), Optional.empty(), 7, 7));
                      }
                      default -> throw new UnsupportedOperationException(method.getName());
                    });
    RpcServer server =
        RpcServer.builder().port(0).service(CoordinatorService.class, fake).build().start();
    servers.add(server);
    return Endpoint.of("127.0.0.1", server.port());
  }

  private static ShardOutcome outcome(int shard, String id, Behaviour b) {
    return b == Behaviour.SERVES
        ? new ShardOutcome(shard, Status.OK, "ok from " + id, Optional.empty())
        : new ShardOutcome(
            shard, Status.UNAVAILABLE, "shard " + shard + " has no ready leader", Optional.empty());
  }

  private RemoteCoordinatorService service(Endpoint first, Endpoint second) {
    RemoteCoordinatorService service =
        new RemoteCoordinatorService(
            rpc, false, List.of(first, second), Duration.ofSeconds(40), Duration.ofMillis(300));
    assertThat(service.clusterInfo().coordinatorId()).isEqualTo("c0"); // the guess starts at c0
    return service;
  }

  @Test
  void aHungCoordinatorsHeartbeatFailsByTheHeartbeatDeadlineAndTheNextGoesElsewhere()
      throws Exception {
    RemoteCoordinatorService service =
        service(coordinator("c0", Behaviour.HANGS), coordinator("c1", Behaviour.SERVES));
    HeartbeatRequest beat = new HeartbeatRequest(UUID.randomUUID(), List.of(0, 1));

    // The 40 s call deadline would outlast the test's 60 s budget with the second heartbeat; the
    // heartbeat's own 300 ms ends it.
    SessionReply first = service.heartbeat(beat).get(20, TimeUnit.SECONDS);
    assertThat(first.shards())
        .allSatisfy(o -> assertThat(o.status()).isEqualTo(Status.UNAVAILABLE))
        .allSatisfy(o -> assertThat(o.message()).contains("did not answer"));

    SessionReply second = service.heartbeat(beat).get(20, TimeUnit.SECONDS);
    assertThat(second.shards()).allSatisfy(o -> assertThat(o.status()).isEqualTo(Status.OK));
  }

  @Test
  void aCoordinatorThatKnowsNoLeaderIsNotAskedAgainForThatShard() throws Exception {
    RemoteCoordinatorService service =
        service(coordinator("c0", Behaviour.NO_LEADER), coordinator("c1", Behaviour.SERVES));
    HeartbeatRequest beat = new HeartbeatRequest(UUID.randomUUID(), List.of(0, 1));

    SessionReply first = service.heartbeat(beat).get(20, TimeUnit.SECONDS);
    assertThat(first.shards())
        .allSatisfy(o -> assertThat(o.status()).isEqualTo(Status.UNAVAILABLE))
        .allSatisfy(o -> assertThat(o.message()).contains("no ready leader"));
    SessionReply second = service.heartbeat(beat).get(20, TimeUnit.SECONDS);
    assertThat(second.shards())
        .allSatisfy(o -> assertThat(o.status()).isEqualTo(Status.OK))
        .allSatisfy(o -> assertThat(o.message()).isEqualTo("ok from c1"));

    AcquireRequest acquire =
        new AcquireRequest(UUID.randomUUID(), 1, 1, "orders", AcquireMode.TRY, 0, false);
    // The heartbeats moved shard 0's guess to c1; a lock call of that shard starts there.
    assertThat(service.acquire(acquire).get(20, TimeUnit.SECONDS).status()).isEqualTo(Status.OK);
  }

  @Test
  void aLockCallAnsweredUnavailableIsRetriedOnTheNextCoordinator() throws Exception {
    RemoteCoordinatorService service =
        service(coordinator("c0", Behaviour.NO_LEADER), coordinator("c1", Behaviour.SERVES));
    AcquireRequest acquire =
        new AcquireRequest(UUID.randomUUID(), 1, 1, "orders", AcquireMode.TRY, 0, false);

    AcquireReply first = service.acquire(acquire).get(20, TimeUnit.SECONDS);
    assertThat(first.status()).isEqualTo(Status.UNAVAILABLE);
    assertThat(first.message()).contains("no ready leader");
    AcquireReply second = service.acquire(acquire).get(20, TimeUnit.SECONDS);
    assertThat(second.status()).isEqualTo(Status.OK);
    assertThat(second.message()).isEqualTo("ok from c1");
  }
}
