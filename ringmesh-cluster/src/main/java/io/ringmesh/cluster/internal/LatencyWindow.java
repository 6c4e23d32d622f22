package io.ringmesh.cluster.internal;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The recent latencies of one method's successful attempts, and their 95th percentile: the delay
 * after which a hedged call sends its second attempt.
 *
 * <p>A ring of the last {@value #SIZE} samples. The percentile is recomputed (a copy and a sort of
 * {@value #SIZE} longs, some microseconds) every {@value #EVERY} samples and read from a volatile
 * field in between, so recording costs a counter increment and an array store. Samples written
 * while another thread sorts may be missed or seen twice; a percentile of recent latencies does not
 * need better. Until {@value #MIN_SAMPLES} samples have been seen there is no estimate.
 *
 * <p>Thread-safe.
 */
final class LatencyWindow {
  static final int SIZE = 256;
  static final int EVERY = 32;
  static final int MIN_SAMPLES = 64;

  private final long[] samples = new long[SIZE];
  private final AtomicLong count = new AtomicLong();
  private volatile long p95 = -1;

  /** Adds the latency of a successful attempt. */
  void record(long nanos) {
    long n = count.getAndIncrement();
    samples[(int) (n % SIZE)] = nanos;
    long seen = n + 1;
    if (seen >= MIN_SAMPLES && seen % EVERY == 0) {
      int filled = (int) Math.min(seen, SIZE);
      long[] copy = Arrays.copyOf(samples, filled);
      Arrays.sort(copy);
      p95 = copy[(int) Math.ceil(0.95 * filled) - 1];
    }
  }

  /** The 95th percentile of the recent samples, in nanoseconds, or -1 before there are enough. */
  long p95() {
    return p95;
  }
}
