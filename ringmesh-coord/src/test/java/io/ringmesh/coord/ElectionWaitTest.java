package io.ringmesh.coord;

import static org.assertj.core.api.Assertions.assertThat;

import io.ringmesh.coord.internal.Messages.AcquireMode;
import io.ringmesh.coord.internal.Messages.AcquireReply;
import io.ringmesh.coord.internal.Messages.AcquireRequest;
import io.ringmesh.coord.internal.Messages.GroupInfo;
import io.ringmesh.coord.internal.Messages.LockInfoReply;
import io.ringmesh.coord.internal.Messages.LockInfoRequest;
import io.ringmesh.coord.internal.Messages.OpenSessionRequest;
import io.ringmesh.coord.internal.Messages.SessionReply;
import io.ringmesh.coord.internal.Messages.ShardOutcome;
import io.ringmesh.coord.internal.RemoteCoordinatorService;
import io.ringmesh.coord.internal.Status;
import io.ringmesh.rpc.Endpoint;
import io.ringmesh.rpc.RpcClient;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A request that reaches a coordinator while its shard elects a leader waits there for the
 * election, instead of being turned away for the client to retry on its back-off: it goes on as
 * soon as the coordinator hears of a leader, and it is answered UNAVAILABLE, naming the wait, only
 * when no leader comes within the coordinator's leader wait (on its clock, a fake one here).
 *
 * <p>Three coordinators in this JVM with one shard; two of them are closed, so the one left cannot
 * elect anyone until another comes back.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ElectionWaitTest {
  private static final int SIZE = 3;

  private static final Duration ELECTION_MAX = InJvmEnsemble.ELECTION_MAX;

  @TempDir Path dataDir;
  private final FakeTimeSource clock = new FakeTimeSource();
  private final RpcClient rpc = RpcClient.builder().build();
  private final List<@Nullable Coordinator> coordinators = new ArrayList<>();
  private final List<Integer> rpcPorts = new ArrayList<>();
  private @Nullable String peers;

  private Coordinator.Builder member(int i) {
    return InJvmEnsemble.member(
            dataDir, java.util.Objects.requireNonNull(peers), i, rpcPorts.get(i), clock)
        .replicas(SIZE)
        .shards(1);
  }

  private Coordinator startOne(int i) throws IOException {
    return member(i).start();
  }

  @BeforeEach
  void startAll() throws Exception {
    for (int i = 0; i < SIZE; i++) {
      rpcPorts.add(FreePorts.next());
    }
    peers = FreePorts.peerList(SIZE);
    coordinators.addAll(InJvmEnsemble.startTogether(SIZE, this::startOne));
    Await.until(() -> leaderOfShard0() >= 0, () -> "a leader for shard 0");
  }

  @AfterEach
  void closeAll() {
    for (Coordinator c : coordinators) {
      if (c != null) {
        c.close();
      }
    }
    rpc.close();
  }

  private int leaderOfShard0() {
    for (int i = 0; i < coordinators.size(); i++) {
      Coordinator c = coordinators.get(i);
      if (c != null && c.ledShards().contains(0)) {
        return i;
      }
    }
    return -1;
  }

  /**
   * Closes every coordinator but one that does not lead shard 0, waits until that one knows no
   * leader of the shard (it is electing, and cannot win alone), and returns its index and a service
   * that calls only it.
   */
  private int isolateAFollower() {
    int survivor = (leaderOfShard0() + 1) % SIZE;
    isolate(survivor);
    return survivor;
  }

  /**
   * Closes every coordinator but the one that leads shard 0, and returns it. Without followers it
   * steps down and campaigns again; a member brought back with {@link #startSlow} then votes for it
   * long before its own election timer could fire, so it wins again.
   */
  private int isolateTheLeader() {
    int survivor = leaderOfShard0();
    isolate(survivor);
    return survivor;
  }

  /** Member {@code i} with an election timeout far beyond the test's: it votes, never campaigns. */
  private Coordinator startSlow(int i) throws IOException {
    return member(i).electionTimeout(Duration.ofMinutes(2), Duration.ofMinutes(3)).start();
  }

  private void isolate(int survivor) {
    for (int i = 0; i < SIZE; i++) {
      if (i != survivor) {
        java.util.Objects.requireNonNull(coordinators.get(i)).close();
        coordinators.set(i, null);
      }
    }
  }

  private RemoteCoordinatorService only(int i) {
    return new RemoteCoordinatorService(
        rpc, false, List.of(Endpoint.of("127.0.0.1", rpcPorts.get(i))), Duration.ofSeconds(60));
  }

  private static Optional<String> leaderSeenBy(RemoteCoordinatorService one) {
    try {
      for (GroupInfo g : one.groups().get(5, TimeUnit.SECONDS).groups()) {
        if (!g.registry() && g.shard() == 0) {
          return g.leader();
        }
      }
    } catch (Exception e) {
      return Optional.of("unknown: " + e);
    }
    return Optional.of("unknown: no shard 0 in the answer");
  }

  /** Waits until coordinator {@code i} knows no leader of shard 0, then opens a session there. */
  private static CompletableFuture<SessionReply> openDuringTheElection(
      RemoteCoordinatorService one, int i) {
    awaitElection(one, i);
    return one.openSession(new OpenSessionRequest(UUID.randomUUID(), 10_000, List.of(0)));
  }

  private static void awaitElection(RemoteCoordinatorService one, int i) {
    Await.until(
        () -> leaderSeenBy(one).isEmpty(),
        () -> "c" + i + " to know no leader of shard 0; it sees " + leaderSeenBy(one));
  }

  /** How many requests are parked on the fake clock, each with a timer of exactly {@code wait}. */
  private long parkedFor(Duration wait) {
    return clock.pending().stream().filter(d -> d == wait.toNanos()).count();
  }

  private RemoteCoordinatorService any() {
    List<Endpoint> all = new ArrayList<>();
    for (int port : rpcPorts) {
      all.add(Endpoint.of("127.0.0.1", port));
    }
    return new RemoteCoordinatorService(rpc, false, all, Duration.ofSeconds(60));
  }

  private static ShardOutcome outcome(CompletableFuture<SessionReply> call) throws Exception {
    return call.get(60, TimeUnit.SECONDS).shards().getFirst();
  }

  @Test
  void aRequestDuringAnElectionGoesOnWhenALeaderIsElected() throws Exception {
    int survivor = isolateAFollower();
    try (RemoteCoordinatorService one = only(survivor)) {
      CompletableFuture<SessionReply> open = openDuringTheElection(one, survivor);
      // The clock never moves here, so the park can end only by an election: bring one back.
      int back = (survivor + 1) % SIZE;
      coordinators.set(back, startOne(back));
      ShardOutcome o = outcome(open);
      // OK if the survivor won the election, NOT_LEADER naming the winner if the other did; never
      // UNAVAILABLE, which is what the survivor answered at once before it waited.
      assertThat(o.status())
          .as("answer after the election: %s", o)
          .isIn(Status.OK, Status.NOT_LEADER);
      if (o.status() == Status.NOT_LEADER) {
        assertThat(o.leaderHint()).as("the winner, named").contains("c" + back);
      }
    }
  }

  @Test
  void aWaitCancelledDuringTheElectionIsWithdrawnAfterItsAcquireNotBefore() throws Exception {
    UUID session = UUID.randomUUID();
    String name = "lock-0"; // the only shard
    try (RemoteCoordinatorService all = any()) {
      // Right after start-up the first leader may still change; an open that met it is re-sent.
      Await.until(
          () -> {
            try {
              return outcome(all.openSession(new OpenSessionRequest(session, 60_000, List.of(0))))
                      .status()
                  == Status.OK;
            } catch (Exception notYet) {
              return false;
            }
          },
          () -> "a session opened on shard 0");
    }
    // The survivor must win the election after, so that the parked requests reach its own log.
    int survivor = isolateTheLeader();
    Duration wait = Coordinator.Builder.leaderWait(ELECTION_MAX);
    try (RemoteCoordinatorService one = only(survivor)) {
      awaitElection(one, survivor);
      CompletableFuture<AcquireReply> acquire =
          one.acquire(new AcquireRequest(session, 1, 1, name, AcquireMode.WAIT, 0, false));
      Await.until(() -> parkedFor(wait) == 1, () -> "the acquire parked; " + clock.pending());
      // The caller gives up: the coordinator proposes a Withdraw once the acquire's own proposal
      // has settled, which is after the election.
      acquire.cancel(false);
      int back = (survivor + 1) % SIZE;
      coordinators.set(back, startSlow(back));
    }
    // In arrival order the acquire is granted and the withdrawal releases that grant; the other
    // way round the withdrawal finds nothing and the lock stays with a caller that gave up.
    Await.until(() -> leaderOfShard0() == survivor, () -> "c" + survivor + " leading again");
    try (RemoteCoordinatorService all = any()) {
      Await.until(
          () -> {
            try {
              LockInfoReply r = all.describe(new LockInfoRequest(name)).get(10, TimeUnit.SECONDS);
              return r.status() == Status.OK && !r.held();
            } catch (Exception notYet) {
              return false;
            }
          },
          () -> "lock " + name + " free after the election");
    }
  }

  @Test
  void aRequestIsAnsweredUnavailableWhenNoLeaderComesWithinTheWait() throws Exception {
    int survivor = isolateAFollower();
    Duration wait = Coordinator.Builder.leaderWait(ELECTION_MAX);
    try (RemoteCoordinatorService one = only(survivor)) {
      CompletableFuture<SessionReply> open = openDuringTheElection(one, survivor);
      Await.until(
          () -> clock.pending().contains(wait.toNanos()),
          () -> "the request parked for " + wait + "; timers due in " + clock.pending());
      assertThat(open).isNotDone();
      clock.advance(wait);
      ShardOutcome o = outcome(open);
      assertThat(o.status()).isEqualTo(Status.UNAVAILABLE);
      assertThat(o.message())
          .contains("shard 0 elected no leader within " + wait.toMillis() + " ms");
    }
  }
}
