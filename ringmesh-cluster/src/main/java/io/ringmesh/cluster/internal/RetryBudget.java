package io.ringmesh.cluster.internal;

import io.ringmesh.cluster.Ticker;

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
 * <p>Thread-safe (one lock; the critical sections are a few additions).
 */
public final class RetryBudget {
  private static final int BUCKETS = 10;
  private static final long BUCKET_NANOS = 1_000_000_000L;

  private final double percent;
  private final double reserve;
  private final Ticker ticker;

  /** Per-second counts, indexed by second modulo {@link #BUCKETS}; guarded by this. */
  private final long[] requests = new long[BUCKETS];

  private final long[] retries = new long[BUCKETS];

  /** The second the newest bucket stands for; guarded by this. */
  private long currentSecond;

  public RetryBudget(double percent, int minPerSecond, Ticker ticker) {
    this.percent = percent;
    this.reserve = (double) minPerSecond * BUCKETS;
    this.ticker = ticker;
    this.currentSecond = Math.floorDiv(ticker.nanos(), BUCKET_NANOS);
  }

  /** Records one request (not a retry). */
  public synchronized void onRequest() {
    requests[advance()]++;
  }

  /** Takes one retry from the budget if there is one left. */
  public synchronized boolean tryRetry() {
    int i = advance();
    long req = 0;
    long ret = 0;
    for (int b = 0; b < BUCKETS; b++) {
      req += requests[b];
      ret += retries[b];
    }
    if (ret + 1 > reserve + percent * req) {
      return false;
    }
    retries[i]++;
    return true;
  }

  /** Moves the window to now, clearing the buckets that fell out of it; the index of now. */
  private int advance() {
    long now = Math.floorDiv(ticker.nanos(), BUCKET_NANOS);
    long gap = now - currentSecond;
    if (gap > 0) {
      for (long s = 1; s <= Math.min(gap, BUCKETS); s++) {
        int b = (int) Math.floorMod(currentSecond + s, (long) BUCKETS);
        requests[b] = 0;
        retries[b] = 0;
      }
      currentSecond = now;
    }
    return (int) Math.floorMod(currentSecond, (long) BUCKETS);
  }
}
