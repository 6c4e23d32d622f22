package io.ringmesh.rpc.internal;

/**
 * A source of monotonic nanoseconds: {@link System#nanoTime()} in production, a fake in tests.
 * Deadlines and reconnect backoff are computed on it. Implementations are thread-safe.
 */
@FunctionalInterface
public interface Ticker {
  /** The system ticker. */
  Ticker SYSTEM = System::nanoTime;

  /** Nanoseconds from an arbitrary origin; only differences mean anything. */
  long nanoTime();
}
