package io.ringmesh.cluster;

/**
 * A source of nanosecond time, injectable so that tests can drive retry budgets, ejection backoffs
 * and deadlines with a fake clock (as Caffeine's {@code Ticker}). Implementations must be
 * thread-safe and monotonic.
 */
@FunctionalInterface
public interface Ticker {
  /** Nanoseconds since an arbitrary origin; only differences are meaningful. */
  long nanos();

  /** {@link System#nanoTime()}. */
  static Ticker system() {
    return System::nanoTime;
  }
}
