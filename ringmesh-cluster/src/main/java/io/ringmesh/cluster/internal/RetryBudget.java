package io.ringmesh.cluster.internal;

import io.ringmesh.cluster.Ticker;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Caps retries at a fraction of requests plus a small floor per second, so a dead cluster gets at
 * most that many extra calls rather than a retry storm.
 *
 * <p>This is Finagle's {@code RetryBudget} (com.twitter.finagle.service.RetryBudget, default 20%
 * and 10 retries per second over a 10 s window): every request deposits {@code percent} of a token,
 * every retry withdraws one, and a reserve of {@code minPerSecond * window} tokens lets a quiet
 * client retry at all. Deposits and withdrawals count only inside a sliding window of ten
 * one-second buckets, on the injectable ticker.
 *
 * <p>Thread-safe: a request is one atomic add; retries and the window's move take one lock.
 */
public final class RetryBudget {
  private static final int BUCKETS = 10;
  private static final long BUCKET_NANOS = 1_000_000_000L;

  private final double percent;
  private final double reserve;
  private final Ticker ticker;

  /**
   * Requests per second, indexed by second modulo {@link #BUCKETS}: added to without the lock,
   * cleared under it.
   */
  private final AtomicLongArray requests = new AtomicLongArray(BUCKETS);

  /** Retries per second, as above; guarded by this. */
  private final long[] retries = new long[BUCKETS];

  /** The second the newest bucket stands for; written under this. */
  private volatile long currentSecond;

  public RetryBudget(double percent, int minPerSecond, Ticker ticker) {
    this.percent = percent;
    this.reserve = (double) minPerSecond * BUCKETS;
    this.ticker = ticker;
    this.currentSecond = Math.floorDiv(ticker.nanos(), BUCKET_NANOS);
  }

  /** Records one request (not a retry). */
  public void onRequest() {
    onRequest(ticker.nanos());
  }

  /**
   * Records one request made at {@code nowNanos} (the ticker's time, read by the caller anyway).
   * Within the current second it is one atomic add and no lock: every call makes a request, and a
   * monitor here was contended by every calling thread. A request that races with the move to a new
   * second may land in either bucket; the window is approximate by a request or two, as Finagle's
   * windowed adder is.
   */
  public void onRequest(long nowNanos) {
    long second = Math.floorDiv(nowNanos, BUCKET_NANOS);
    if (second != currentSecond) {
      synchronized (this) {
        advanceTo(second);
      }
    }
    requests.incrementAndGet((int) Math.floorMod(second, (long) BUCKETS));
  }

  /** Takes one retry from the budget if there is one left. */
  public synchronized boolean tryRetry() {
    int i = advanceTo(Math.floorDiv(ticker.nanos(), BUCKET_NANOS));
    long req = 0;
    long ret = 0;
    for (int b = 0; b < BUCKETS; b++) {
      req += requests.get(b);
      ret += retries[b];
    }
    if (ret + 1 > reserve + percent * req) {
      return false;
    }
    retries[i]++;
    return true;
  }

  /**
   * Guarded by this: moves the window to second {@code now} if it is later, clearing the buckets
   * that fell out of it; the index of the current second.
   */
  private int advanceTo(long now) {
    long gap = now - currentSecond;
    if (gap > 0) {
      for (long s = 1; s <= Math.min(gap, BUCKETS); s++) {
        int b = (int) Math.floorMod(currentSecond + s, (long) BUCKETS);
        requests.set(b, 0);
        retries[b] = 0;
      }
      currentSecond = now;
    }
    return (int) Math.floorMod(currentSecond, (long) BUCKETS);
  }
}
