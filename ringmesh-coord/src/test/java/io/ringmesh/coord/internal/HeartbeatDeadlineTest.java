package io.ringmesh.coord.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.ringmesh.coord.internal.Messages.ClusterInfo;
import io.ringmesh.coord.internal.Messages.HeartbeatRequest;
import io.ringmesh.coord.internal.Messages.SessionReply;
import io.ringmesh.coord.internal.Messages.ShardOutcome;
import io.ringmesh.rpc.Endpoint;
import io.ringmesh.rpc.RpcClient;
import io.ringmesh.rpc.RpcServer;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A heartbeat sent to a coordinator that hangs (paused, or cut off without a reset) fails by its
 * own short deadline, not the long deadline of other calls, and moves its shards to another
 * coordinator, so the session's next heartbeat can still be answered within its TTL.
 */
@Timeout(60)
class HeartbeatDeadlineTest {
  private final RpcServer hung = server("c0", true);
  private final RpcServer answering = server("c1", false);
  private final RpcClient rpc = RpcClient.builder().build();

  @AfterEach
  void close() {
    rpc.close();
    hung.shutdownNow();
    answering.shutdownNow();
  }

  /** A coordinator of one shard whose heartbeats never answer if {@code hangs}; else OK. */
  private static RpcServer server(String id, boolean hangs) {
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
                        yield hangs
                            ? new CompletableFuture<SessionReply>()
                            : CompletableFuture.completedFuture(
                                new SessionReply(
                                    r.shards().stream()
                                        .map(
                                            s ->
                                                new ShardOutcome(
                                                    s, Status.OK, "ok", Optional.empty()))
                                        .toList()));
                      }
                      default -> throw new UnsupportedOperationException(method.getName());
                    });
    return RpcServer.builder().port(0).service(CoordinatorService.class, fake).build().start();
  }

  @Test
  void aHungCoordinatorsHeartbeatFailsByTheHeartbeatDeadlineAndTheNextGoesElsewhere()
      throws Exception {
    RemoteCoordinatorService service =
        new RemoteCoordinatorService(
            rpc,
            false,
            List.of(
                Endpoint.of("127.0.0.1", hung.port()), Endpoint.of("127.0.0.1", answering.port())),
            Duration.ofSeconds(40),
            Duration.ofMillis(300));
    assertThat(service.clusterInfo().coordinatorId()).isEqualTo("c0"); // the guess starts at c0
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
}
