package io.ringmesh.coord;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Polls a condition until it holds or a real-time deadline passes; never a bare sleep. */
final class Await {
  static final Duration DEFAULT = Duration.ofSeconds(20);

  private Await() {}

  static void until(BooleanSupplier condition, Supplier<String> what) {
    until(condition, what, DEFAULT);
  }

  static void until(BooleanSupplier condition, Supplier<String> what, Duration limit) {
    long deadline = System.nanoTime() + limit.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("timed out after " + limit + " waiting for " + what.get());
      }
      LockSupport.parkNanos(2_000_000);
    }
  }
}
