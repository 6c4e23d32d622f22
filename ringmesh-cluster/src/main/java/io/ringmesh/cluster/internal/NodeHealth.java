package io.ringmesh.cluster.internal;

import io.ringmesh.cluster.Ticker;

/**
 * Outlier ejection for one node: after {@code threshold} consecutive failures the node is ejected
 * for a backoff that doubles with each ejection in a row, from {@code baseNanos} up to {@code
 * maxNanos}.
 *
 * <p>When the backoff ends the node is back, but its failure streak is kept: the next call it gets
 * is the probe. If that fails the node is ejected again at once for twice as long; if it succeeds
 * the streak and the backoff reset. (This is Envoy's outlier detection without its separate probe
 * requests: live traffic probes.)
 *
 * <p>Thread-safe; {@link #isEjected} is one volatile read.
 */
public final class NodeHealth {
  private final int threshold;
  private final long baseNanos;
  private final long maxNanos;
  private final Ticker ticker;
  private final Runnable onEjected;

  /** Ticker time until which the node is skipped; {@code Long.MIN_VALUE} when it is not. */
  private volatile long ejectedUntil = Long.MIN_VALUE;

  /** Guarded by this. */
  private int consecutiveFailures;

  /** Ejections in a row without a success between them; guarded by this. */
  private int ejections;

  /** Total ejections, for tests and metrics; guarded by this. */
  private long totalEjections;

  /**
   * Whether a failure has been recorded since the last success: written under this, read without
   * it, so that a success on a healthy node (nearly every call) takes no lock.
   */
  private volatile boolean failing;

  public NodeHealth(int threshold, long baseNanos, long maxNanos, Ticker ticker) {
    this(threshold, baseNanos, maxNanos, ticker, () -> {});
  }

  /** As above, and runs {@code onEjected} (quickly, under this object's lock) at each ejection. */
  public NodeHealth(
      int threshold, long baseNanos, long maxNanos, Ticker ticker, Runnable onEjected) {
    this.threshold = threshold;
    this.baseNanos = baseNanos;
    this.maxNanos = maxNanos;
    this.ticker = ticker;
    this.onEjected = onEjected;
  }

  /** Whether the node is to be skipped now. */
  public boolean isEjected() {
    long until = ejectedUntil;
    return until != Long.MIN_VALUE && ticker.nanos() - until < 0;
  }

  /** The server answered (with a result or an application error): the streak ends. */
  public void onSuccess() {
    if (!failing) {
      return; // nothing to reset; a failure racing with this call is ordered after it
    }
    synchronized (this) {
      consecutiveFailures = 0;
      ejections = 0;
      ejectedUntil = Long.MIN_VALUE;
      failing = false;
    }
  }

  /** The node could not be reached or broke the call. May eject it. */
  public synchronized void onFailure() {
    failing = true;
    consecutiveFailures++;
    if (consecutiveFailures >= threshold && !isEjected()) {
      ejections++;
      long backoff = baseNanos;
      for (int i = 1; i < ejections && backoff < maxNanos; i++) {
        backoff *= 2;
      }
      backoff = Math.min(backoff, maxNanos);
      ejectedUntil = ticker.nanos() + backoff;
      totalEjections++;
      onEjected.run();
    }
  }

  /** How many times the node has been ejected. */
  public synchronized long totalEjections() {
    return totalEjections;
  }

  @Override
  public synchronized String toString() {
    return "NodeHealth[failures=" + consecutiveFailures + ", ejected=" + isEjected() + "]";
  }
}
