package io.ringmesh.coord.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ringmesh.coord.internal.Command.Acquire;
import io.ringmesh.coord.internal.Command.Batch;
import io.ringmesh.coord.internal.Command.CloseSession;
import io.ringmesh.coord.internal.Command.Release;
import io.ringmesh.coord.internal.Command.Withdraw;
import io.ringmesh.coord.internal.Command.WithdrawReason;
import io.ringmesh.coord.internal.Messages.AcquireMode;
import io.ringmesh.coord.internal.ShardState.Result;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The leader-side batching of one shard, against a fake Raft group that answers on demand. */
@Timeout(60)
class GroupCommitTest {
  private record Sent(Command entry, int commands, CompletableFuture<List<Result>> reply) {
    List<Command> list() {
      return entry instanceof Batch b ? b.commands() : List.of(entry);
    }

    /** Answers each command with a result naming it, as the state machine would answer each. */
    void answer() {
      reply.complete(list().stream().map(GroupCommitTest::resultFor).toList());
    }
  }

  private final List<Sent> sent = Collections.synchronizedList(new ArrayList<>());
  private final UUID session = new UUID(0, 1);
  private long requestId;

  private CompletableFuture<List<Result>> record(Command entry, int commands) {
    CompletableFuture<List<Result>> reply = new CompletableFuture<>();
    sent.add(new Sent(entry, commands, reply));
    return reply;
  }

  private static Result resultFor(Command c) {
    String name = Command.lockName(c);
    return Result.of(Status.OK, c.getClass().getSimpleName() + " " + name);
  }

  private Acquire acquire(String name) {
    long id = ++requestId;
    return new Acquire(session, id, id, name, AcquireMode.WAIT, 0, false);
  }

  private Release release(String name) {
    long id = ++requestId;
    return new Release(session, id, id, name, 7);
  }

  @Test
  void aCommandOnAnIdleShardGoesAtOnceAsItsOwnEntry() {
    GroupCommit gc = new GroupCommit(this::record, 1, Batch.MAX_BATCH);
    Acquire x = acquire("x");
    CompletableFuture<Result> r = gc.propose(x);
    assertThat(sent).singleElement().satisfies(s -> assertThat(s.entry()).isEqualTo(x));
    sent.getFirst().answer();
    assertThat(r.join().message()).isEqualTo("Acquire x");
    assertThat(gc.inFlight()).isZero();
  }

  @Test
  void commandsArrivingWhileAnEntryIsInFlightShareTheNextEntryInArrivalOrder() {
    GroupCommit gc = new GroupCommit(this::record, 1, Batch.MAX_BATCH);
    gc.propose(acquire("w"));
    Acquire x = acquire("x");
    Release y = release("y");
    Withdraw z = new Withdraw(session, 99, "z", WithdrawReason.CANCEL);
    CompletableFuture<Result> rx = gc.propose(x);
    CompletableFuture<Result> ry = gc.propose(y);
    CompletableFuture<Result> rz = gc.propose(z);
    assertThat(sent).as("one entry in flight; the rest wait").hasSize(1);
    assertThat(gc.queued()).isEqualTo(3);

    sent.getFirst().answer();
    assertThat(sent).hasSize(2);
    assertThat(sent.get(1).entry()).isEqualTo(new Batch(List.of(x, y, z)));
    assertThat(sent.get(1).commands()).isEqualTo(3);
    assertThat(rx).isNotDone();

    // Each command gets its own result; one command's error leaves the others alone.
    sent.get(1)
        .reply()
        .complete(
            List.of(
                Result.of(Status.OK, "x granted"),
                Result.of(Status.PERMISSION_DENIED, "y not held"),
                Result.of(Status.OK, "z withdrawn")));
    assertThat(rx.join().message()).isEqualTo("x granted");
    assertThat(ry.join().status()).isEqualTo(Status.PERMISSION_DENIED);
    assertThat(rz.join().message()).isEqualTo("z withdrawn");
  }

  @Test
  void withPipeliningALoneCommandGoesBesideLoneEntriesUpToTwiceTheBound() {
    GroupCommit gc = new GroupCommit(this::record, 1, Batch.MAX_BATCH, true);
    gc.propose(acquire("a"));
    gc.propose(release("b"));
    assertThat(sent).as("a lone command beside a lone entry goes at once").hasSize(2);
    Acquire c = acquire("c");
    Acquire d = acquire("d");
    gc.propose(c);
    assertThat(sent).as("two entries in flight: twice the bound of one").hasSize(2);
    gc.propose(d);
    assertThat(gc.queued()).isEqualTo(2);

    sent.getFirst().answer();
    assertThat(sent)
        .as("one entry still in flight: the bound; c and d wait for company")
        .hasSize(2);
    sent.get(1).answer();
    assertThat(sent).hasSize(3);
    assertThat(sent.get(2).entry()).isEqualTo(new Batch(List.of(c, d)));
  }

  @Test
  void withPipeliningALoneArrivalWaitsBehindABatch() {
    GroupCommit gc = new GroupCommit(this::record, 1, Batch.MAX_BATCH, true);
    gc.propose(acquire("a"));
    gc.propose(acquire("b"));
    gc.propose(acquire("c"));
    gc.propose(acquire("d"));
    sent.getFirst().answer();
    sent.get(1).answer();
    assertThat(sent).hasSize(3);
    assertThat(sent.get(2).commands()).as("c and d share an entry").isEqualTo(2);
    gc.propose(acquire("e"));
    assertThat(sent)
        .as("with a batch in flight, a lone arrival waits for company instead of going")
        .hasSize(3);
    assertThat(gc.queued()).isEqualTo(1);
    sent.get(2).answer();
    assertThat(sent).hasSize(4);
  }

  @Test
  void aBatchHoldsOneCommandPerLockAndEndsAtTheFirstThatCannotJoin() {
    GroupCommit gc = new GroupCommit(this::record, 1, Batch.MAX_BATCH);
    gc.propose(acquire("w"));
    Acquire x = acquire("x");
    Acquire y = acquire("y");
    Release x2 = release("x");
    Acquire z = acquire("z");
    for (Command c : List.of(x, y, x2, z)) {
      gc.propose(c);
    }
    sent.get(0).answer();
    assertThat(sent.get(1).entry()).isEqualTo(new Batch(List.of(x, y)));
    sent.get(1).answer();
    assertThat(sent.get(2).entry())
        .as("x's release follows x's acquire in a later entry; z keeps its place behind it")
        .isEqualTo(new Batch(List.of(x2, z)));
  }

  @Test
  void sessionCommandsGoAloneAndKeepTheirPlace() {
    GroupCommit gc = new GroupCommit(this::record, 1, Batch.MAX_BATCH);
    gc.propose(acquire("w"));
    Acquire x = acquire("x");
    CloseSession close = new CloseSession(session);
    Acquire y = acquire("y");
    gc.propose(x);
    gc.propose(close);
    gc.propose(y);
    for (int i = 0; i < 3; i++) {
      sent.get(i).answer();
    }
    assertThat(sent).extracting(Sent::entry).containsExactly(sent.get(0).entry(), x, close, y);
  }

  @Test
  void aBatchIsCappedAndTheRestGoesInTheNextEntry() {
    GroupCommit gc = new GroupCommit(this::record, 1, 3);
    gc.propose(acquire("w"));
    for (int i = 0; i < 5; i++) {
      gc.propose(acquire("k" + i));
    }
    sent.get(0).answer();
    sent.get(1).answer();
    assertThat(sent).extracting(Sent::commands).containsExactly(1, 3, 2);
  }

  @Test
  void aFailedProposalAnswersEveryCommandOfItsEntryAndTheQueueGoesOn() {
    GroupCommit gc = new GroupCommit(this::record, 1, Batch.MAX_BATCH);
    gc.propose(acquire("w"));
    CompletableFuture<Result> x = gc.propose(acquire("x"));
    CompletableFuture<Result> y = gc.propose(acquire("y"));
    sent.get(0).answer();
    sent.get(1)
        .reply()
        .complete(Collections.nCopies(2, Result.of(Status.NOT_LEADER, "led by coord-1")));
    assertThat(List.of(x.join(), y.join()))
        .allSatisfy(r -> assertThat(r.status()).isEqualTo(Status.NOT_LEADER));

    CompletableFuture<Result> z = gc.propose(acquire("z"));
    sent.get(2).reply().completeExceptionally(new IllegalStateException("disk gone"));
    assertThat(z.join().status()).isEqualTo(Status.UNAVAILABLE);
    assertThat(z.join().message()).contains("disk gone").contains("retry");
    assertThat(gc.inFlight()).isZero();
    gc.propose(acquire("v"));
    assertThat(sent).as("a failure frees its slot").hasSize(4);
  }

  @Test
  void atMostMaxInFlightEntriesAreInRatis() {
    GroupCommit gc = new GroupCommit(this::record, 2, Batch.MAX_BATCH);
    for (int i = 0; i < 5; i++) {
      gc.propose(acquire("k" + i));
    }
    assertThat(sent).extracting(Sent::commands).containsExactly(1, 1);
    sent.get(1).answer();
    assertThat(sent).extracting(Sent::commands).containsExactly(1, 1, 3);
  }

  @Test
  void proposalsAnsweredAtOnceDoNotNestTheStack() {
    // A shut-down shard answers every proposal at once; a long queue must drain in a loop.
    AtomicInteger calls = new AtomicInteger();
    CompletableFuture<List<Result>> first = new CompletableFuture<>();
    GroupCommit gc =
        new GroupCommit(
            (entry, n) ->
                calls.getAndIncrement() == 0
                    ? first
                    : CompletableFuture.completedFuture(
                        Collections.nCopies(n, Result.of(Status.UNAVAILABLE, "shut down"))),
            1,
            Batch.MAX_BATCH);
    gc.propose(acquire("w"));
    List<CompletableFuture<Result>> results = new ArrayList<>();
    for (int i = 0; i < 50_000; i++) {
      results.add(gc.propose(new CloseSession(session)));
    }
    first.complete(List.of(Result.of(Status.OK, "ok")));
    assertThat(results)
        .allSatisfy(r -> assertThat(r.join().status()).isEqualTo(Status.UNAVAILABLE));
    assertThat(calls.get()).isEqualTo(50_001);
  }

  @Test
  void concurrentProposersEachGetTheirOwnResultWithOneEntryInFlight() throws Exception {
    ExecutorService raft = Executors.newSingleThreadExecutor();
    AtomicInteger inFlight = new AtomicInteger();
    AtomicInteger maxInFlight = new AtomicInteger();
    AtomicInteger entries = new AtomicInteger();
    GroupCommit gc =
        new GroupCommit(
            (entry, n) -> {
              maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
              entries.incrementAndGet();
              List<Command> commands = entry instanceof Batch b ? b.commands() : List.of(entry);
              return CompletableFuture.supplyAsync(
                  () -> {
                    inFlight.decrementAndGet();
                    return commands.stream().map(GroupCommitTest::resultFor).toList();
                  },
                  raft);
            },
            1,
            Batch.MAX_BATCH);
    int threads = 8;
    int each = 500;
    ExecutorService callers = Executors.newFixedThreadPool(threads);
    try {
      List<CompletableFuture<Void>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        String name = "lock-" + t;
        done.add(
            CompletableFuture.runAsync(
                () -> {
                  for (int i = 0; i < each; i++) {
                    Result r =
                        gc.propose(
                                new Acquire(session, i + 1, i + 1, name, AcquireMode.TRY, 0, false))
                            .join();
                    assertThat(r.message()).isEqualTo("Acquire " + name);
                  }
                },
                callers));
      }
      CompletableFuture.allOf(done.toArray(CompletableFuture[]::new)).get(50, TimeUnit.SECONDS);
    } finally {
      callers.shutdownNow();
      raft.shutdownNow();
    }
    assertThat(maxInFlight.get()).isEqualTo(1);
    assertThat(entries.get()).isLessThanOrEqualTo(threads * each);
  }

  @Test
  void badSettingsAreRefusedWithTheValueNamed() {
    assertThatThrownBy(() -> new GroupCommit(this::record, 0, 8))
        .hasMessageContaining("maxInFlight must be at least 1, not 0");
    assertThatThrownBy(() -> new GroupCommit(this::record, 1, 65))
        .hasMessageContaining("maxBatch must be 1 to 64, not 65");
  }
}
