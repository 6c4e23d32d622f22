package io.ringmesh.coord;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;

/**
 * A {@link TimeSource} that moves only when a test says so. {@link #advance} runs every task that
 * falls due, in due order, on the calling thread, with the clock set to each task's due time.
 * Thread-safe.
 */
public final class FakeTimeSource implements TimeSource {
  private record Task(long due, long seq, Runnable run, boolean[] cancelled) {}

  private final PriorityQueue<Task> tasks =
      new PriorityQueue<>(
          (a, b) -> a.due != b.due ? Long.compare(a.due, b.due) : Long.compare(a.seq, b.seq));
  private long now = 1_000_000_000L;
  private long seq;

  @Override
  public synchronized long nanoTime() {
    return now;
  }

  @Override
  public synchronized Cancellable schedule(Duration delay, Runnable task) {
    boolean[] cancelled = {false};
    tasks.add(new Task(now + Math.max(0, delay.toNanos()), seq++, task, cancelled));
    return () -> {
      synchronized (FakeTimeSource.this) {
        cancelled[0] = true;
      }
    };
  }

  /** Moves the clock forward by {@code d}, running what falls due on the way. */
  public void advance(Duration d) {
    long target;
    synchronized (this) {
      target = now + d.toNanos();
    }
    while (true) {
      Task next;
      synchronized (this) {
        next = tasks.peek();
        if (next == null || next.due > target) {
          now = target;
          return;
        }
        tasks.poll();
        now = Math.max(now, next.due);
        if (next.cancelled[0]) {
          continue;
        }
      }
      next.run.run();
    }
  }

  /** Moves the clock forward in steps of {@code step}, {@code times} times. */
  public void advance(Duration step, int times) {
    for (int i = 0; i < times; i++) {
      advance(step);
    }
  }

  /**
   * Moves the clock in 20 ms steps, one per 50 ms of real time that {@code f} stays incomplete,
   * until it completes or {@code limit} of real time has passed: for calls that retry with back-off
   * on this clock (a client meeting a leader change). Returns at once if {@code f} failed.
   */
  public void advanceUntilDone(java.util.concurrent.CompletableFuture<?> f, Duration limit) {
    for (long i = 0; i < limit.toMillis() / 50 && !f.isDone(); i++) {
      try {
        f.get(50, java.util.concurrent.TimeUnit.MILLISECONDS);
      } catch (java.util.concurrent.TimeoutException notYet) {
        advance(Duration.ofMillis(20));
      } catch (Exception failed) {
        return;
      }
    }
  }

  /** The due times of pending tasks, for diagnostics. */
  public synchronized List<Long> pending() {
    List<Long> due = new ArrayList<>();
    for (Task t : tasks) {
      if (!t.cancelled[0]) {
        due.add(t.due - now);
      }
    }
    return due;
  }
}
