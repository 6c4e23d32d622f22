package io.ringmesh.cluster;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/** A clock that moves only when a test says so. */
public final class FakeTicker implements Ticker {
  private final AtomicLong nanos = new AtomicLong(1_000_000_000_000L);

  @Override
  public long nanos() {
    return nanos.get();
  }

  /** Moves the clock forward. */
  public void advance(Duration d) {
    nanos.addAndGet(d.toNanos());
  }
}
