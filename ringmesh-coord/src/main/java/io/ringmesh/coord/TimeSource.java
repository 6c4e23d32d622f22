package io.ringmesh.coord;

import io.ringmesh.coord.internal.SystemTimeSource;
import java.time.Duration;

/**
 * The clock and timer of the lock service: session TTLs, heartbeats, expiry checks, wait timeouts
 * and retry backoff all read and schedule through it, so that tests can drive time by hand instead
 * of sleeping (like Caffeine's {@code Ticker} with its {@code Scheduler}, or gRPC's {@code
 * FakeClock}).
 *
 * <p>Implementations are thread-safe. Scheduled tasks must be short: they only hand work on.
 */
public interface TimeSource {

  /** A monotonic reading in nanoseconds; only differences are meaningful. */
  long nanoTime();

  /** Runs {@code task} once, after {@code delay}. */
  Cancellable schedule(Duration delay, Runnable task);

  /** A scheduled task that has not run yet can be cancelled. */
  @FunctionalInterface
  interface Cancellable {
    /** Cancels the task if it has not started; harmless otherwise. */
    void cancel();
  }

  /** The system's monotonic clock, with one shared daemon timer thread. */
  static TimeSource system() {
    return SystemTimeSource.INSTANCE;
  }
}
