package io.ringmesh.coord.internal;

import io.ringmesh.coord.internal.Command.Batch;
import io.ringmesh.coord.internal.ShardState.Result;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * Group commit for one shard: proposes commands to the shard's Raft group with at most a bounded
 * number of entries in flight, and gathers the lock commands that arrive meanwhile into one {@link
 * Batch} entry. Each proposal is answered with its own command's {@link Result}, exactly as if the
 * command had had an entry of its own; a failed submission (not the leader, shut down) answers
 * every command it carried with the same failure.
 *
 * <p>Thread-safe: {@link #propose} may be called from any thread. The returned futures complete on
 * the thread that completed the submission (for a write, Ratis' state machine updater), or on the
 * proposing thread if the submission answered at once; continuations must not block.
 */
final class GroupCommit {

  /*
   * Why and how (issue #5). Each Raft entry of a shard wakes the group's log worker, the leader's
   * event processor and the state machine updater in turn; on the benchmark's two cores those
   * context switches, not the disk, bound the lock service (docs/benchmarks.md). One entry that
   * carries several commands pays them once. Gathering needs something to wait for, so the
   * proposer keeps at most maxInFlight entries of the shard in Ratis at a time; whatever arrives
   * meanwhile queues here, and when an entry is answered, the queue's head goes out as the next
   * entry, with as many followers as may join it. No timer: a command never waits for company,
   * only for an earlier entry of its own shard, so an idle shard adds no latency.
   *
   * What may join a batch (the fencing argument is in ShardState's design comment): only
   * commands on one lock (Acquire, Release, Withdraw), at most one per lock name, at most
   * Batch.MAX_BATCH. Commands that concern a session or the registry go alone. Batches are taken
   * strictly from the head of the queue and end at the first command that may not join, so the
   * log order of a shard's commands is their order of arrival here, as it was when each was
   * submitted straight to Ratis; in particular two commands on one lock (an Acquire then its
   * Withdraw) are applied in the order they were proposed, in successive entries.
   *
   * Hand-off needs no batching: a Release that frees a lock grants its head waiter in the same
   * entry (ShardState), so "release, then the next holder's acquire" is already one entry and one
   * round trip. With every client on one lock, though, every command names that lock, batches are
   * of one, and the in-flight bound only serialises the entries (a holder's Release can wait for
   * the previous holder's re-queueing Acquire to commit).
   *
   * Measured (decision 0009, docs/benchmarks.md): with the benchmark's 32 clients over 16 shards,
   * about two operations per shard, batches averaged 1.05 to 1.33 commands, throughput did not rise
   * and the hand-off's p50 did; with 128 clients batches of 2.5 to 2.9 formed, without a clear
   * gain on a loaded machine. Hence Coordinator.Builder.groupCommit defaults to 0 with one group
   * per shard, which bypasses this class entirely. A lone coordinator's shards share one group
   * (decision 0010); there all 32 clients meet in one queue, batches form, and the default is 1
   * with lone commands pipelined: 10,270 to 11,593 pairs/s against 8,058 to 10,329 off.
   *
   * Pipelining lone commands (pipelineLone): the bound exists to make commands wait for company,
   * which only pays when company comes. While every entry in flight carries a single command, load
   * is light and a lone queued command gains nothing by waiting, so it goes at once, up to twice
   * the bound; once an entry in flight is a batch, arrivals queue and batch as before. The case it
   * serves is the hand-off: a holder's Release no longer waits for the previous holder's
   * re-queueing Acquire to commit. Measured in decision 0010.
   *
   * Draining without recursion: a submission may answer at once (shut down, not hosted), and its
   * callback drains the queue again. A work-in-progress counter makes the thread already draining
   * take the extra turn instead of nesting, so the stack stays flat however long the queue.
   */

  /** Sends one Raft entry and answers one result per command it carries, in order. */
  interface Submitter {
    /**
     * Proposes {@code entry}: a single command, or a {@link Batch} of {@code commands} commands.
     * The future must complete normally, with a failure expressed as results (never exceptionally
     * for a refused proposal), and hold exactly {@code commands} results.
     */
    CompletableFuture<List<Result>> submit(Command entry, int commands);
  }

  private record Pending(Command command, CompletableFuture<Result> result) {}

  private final Submitter submitter;
  private final int maxInFlight;
  private final int maxBatch;
  private final boolean pipelineLone;

  /** Guarded by this. */
  private final ArrayDeque<Pending> queue = new ArrayDeque<>();

  /** Entries submitted and not yet answered; guarded by this. */
  private int inFlight;

  /** The commands those entries carry; guarded by this. */
  private int commandsInFlight;

  private final AtomicInteger wip = new AtomicInteger();

  /**
   * @param maxInFlight entries of this shard in Ratis at once, at least 1
   * @param maxBatch commands per entry, 1 (no batching) to {@link Batch#MAX_BATCH}
   */
  GroupCommit(Submitter submitter, int maxInFlight, int maxBatch) {
    this(submitter, maxInFlight, maxBatch, false);
  }

  /**
   * @param pipelineLone whether a lone queued command may go beside in-flight entries that are
   *     themselves lone commands, up to twice {@code maxInFlight} entries: batching only once
   *     batches have formed (see the class comment)
   */
  GroupCommit(Submitter submitter, int maxInFlight, int maxBatch, boolean pipelineLone) {
    if (maxInFlight < 1) {
      throw new IllegalArgumentException("maxInFlight must be at least 1, not " + maxInFlight);
    }
    if (maxBatch < 1 || maxBatch > Batch.MAX_BATCH) {
      throw new IllegalArgumentException(
          "maxBatch must be 1 to " + Batch.MAX_BATCH + ", not " + maxBatch);
    }
    this.submitter = submitter;
    this.maxInFlight = maxInFlight;
    this.maxBatch = maxBatch;
    this.pipelineLone = pipelineLone;
  }

  /** Proposes {@code command}; the future holds its own result. */
  CompletableFuture<Result> propose(Command command) {
    Pending p = new Pending(command, new CompletableFuture<>());
    synchronized (this) {
      queue.add(p);
    }
    drain();
    return p.result();
  }

  private void drain() {
    if (wip.getAndIncrement() != 0) {
      return;
    }
    int missed = 1;
    do {
      for (List<Pending> batch = next(); batch != null; batch = next()) {
        send(batch);
      }
      missed = wip.addAndGet(-missed);
    } while (missed != 0);
  }

  /** The next entry's commands, if an entry may go now; counts it in flight. */
  private synchronized @Nullable List<Pending> next() {
    if (queue.isEmpty()) {
      return null;
    }
    if (inFlight >= maxInFlight
        && !(pipelineLone
            && queue.size() == 1
            && commandsInFlight == inFlight
            && inFlight < 2 * maxInFlight)) {
      return null;
    }
    Pending head = queue.poll();
    List<Pending> batch = new ArrayList<>(Math.min(maxBatch, queue.size() + 1));
    batch.add(head);
    String name = Command.lockName(head.command());
    if (name != null && maxBatch > 1 && !queue.isEmpty()) {
      Set<String> names = new HashSet<>();
      names.add(name);
      while (batch.size() < maxBatch && !queue.isEmpty()) {
        String next = Command.lockName(queue.peek().command());
        if (next == null || !names.add(next)) {
          break;
        }
        batch.add(queue.poll());
      }
    }
    inFlight++;
    commandsInFlight += batch.size();
    return batch;
  }

  private void send(List<Pending> batch) {
    Command entry;
    if (batch.size() == 1) {
      entry = batch.getFirst().command();
    } else {
      List<Command> commands = new ArrayList<>(batch.size());
      for (Pending p : batch) {
        commands.add(p.command());
      }
      entry = new Batch(commands);
    }
    CompletableFuture<List<Result>> sent;
    try {
      sent = submitter.submit(entry, batch.size());
    } catch (RuntimeException e) {
      sent = CompletableFuture.failedFuture(e);
    }
    sent.whenComplete(
        (results, error) -> {
          synchronized (this) {
            inFlight--;
            commandsInFlight -= batch.size();
          }
          // The next entry goes out before this one's callers run their continuations.
          drain();
          for (int i = 0; i < batch.size(); i++) {
            batch.get(i).result().complete(resultAt(results, error, i, batch.size()));
          }
        });
  }

  private static Result resultAt(
      @Nullable List<Result> results, @Nullable Throwable error, int i, int n) {
    if (error == null && results != null && results.size() == n) {
      return results.get(i);
    }
    String why =
        error != null
            ? error.getClass().getSimpleName() + ": " + error.getMessage()
            : "the shard answered " + (results == null ? 0 : results.size()) + " results for " + n;
    return Result.of(
        Status.UNAVAILABLE, "the proposal failed on the coordinator (" + why + "); retry it");
  }

  /** Exposed for tests: entries submitted and not yet answered. */
  synchronized int inFlight() {
    return inFlight;
  }

  /** Exposed for tests: commands waiting for an entry. */
  synchronized int queued() {
    return queue.size();
  }
}
