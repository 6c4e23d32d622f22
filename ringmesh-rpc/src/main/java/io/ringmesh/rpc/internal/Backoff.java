package io.ringmesh.rpc.internal;

import java.time.Duration;
import java.util.function.DoubleSupplier;

/**
 * Exponential backoff with jitter for reconnecting: the first delay is {@code initial}, each
 * failure multiplies it by {@code multiplier} up to {@code max}, and every delay is spread
 * uniformly over +/- {@code jitter} of its value so that clients that lost a server together do not
 * reconnect together. A success resets it.
 *
 * <p>Not thread-safe: each connection slot owns one, under its own lock.
 */
public final class Backoff {
  /*
   * The shape is gRPC's connection backoff (doc/connection-backoff.md in grpc/grpc): initial 1 s,
   * multiplier 1.6, jitter 0.2, max 120 s. We start lower (100 ms) and cap lower (10 s) because a
   * Ringmesh client usually has other nodes to fail over to, and a node restart is the common cause
   * of a lost connection; the cluster layer's retry budget, not this backoff, bounds the load of
   * retries.
   */
  private final long initialNanos;
  private final long maxNanos;
  private final double multiplier;
  private final double jitter;
  private final DoubleSupplier random;
  private long nextNanos;

  public Backoff(
      Duration initial, Duration max, double multiplier, double jitter, DoubleSupplier random) {
    if (initial.isNegative() || initial.isZero() || max.compareTo(initial) < 0) {
      throw new IllegalArgumentException(
          "backoff needs 0 < initial <= max, got initial " + initial + " and max " + max);
    }
    if (multiplier < 1 || jitter < 0 || jitter >= 1) {
      throw new IllegalArgumentException(
          "backoff needs multiplier >= 1 and 0 <= jitter < 1, got "
              + multiplier
              + " and "
              + jitter);
    }
    this.initialNanos = initial.toNanos();
    this.maxNanos = max.toNanos();
    this.multiplier = multiplier;
    this.jitter = jitter;
    this.random = random;
    this.nextNanos = initialNanos;
  }

  /** The delay before the next attempt, in nanoseconds; advances the sequence. */
  public long nextDelayNanos() {
    long base = nextNanos;
    nextNanos = (long) Math.min(maxNanos, base * multiplier);
    double spread = 1 + jitter * (2 * random.getAsDouble() - 1);
    return Math.max(1, (long) (base * spread));
  }

  /** Starts over from the initial delay, after a success. */
  public void reset() {
    nextNanos = initialNanos;
  }
}
