package io.ringmesh.bench.rpc;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.jspecify.annotations.Nullable;

/**
 * The closed-loop client: for each cell, N outstanding calls on one connection, each completion
 * immediately issuing the next, as in gRPC-java's {@code AsyncClient}. A warm-up, then a measured
 * interval whose latencies go to an HdrHistogram. Before the first cell, a longer warm-up at 64
 * outstanding calls, half at each payload size, lets both JVMs compile their hot paths (on two
 * cores every stack needs 5 to 15 s before its throughput settles; gRPC-java the longest). Prints
 * one JSON object per cell. Usage: {@code RpcBenchClient <stack> <port> <prewarm-ms> <warmup-ms>
 * <measure-ms> <payload>x<outstanding>...}.
 */
public final class RpcBenchClient {
  private RpcBenchClient() {}

  public static void main(String[] args) throws Exception {
    if (args.length < 6) {
      System.err.println(
          "usage: RpcBenchClient <stack> <port> <prewarm-ms> <warmup-ms> <measure-ms>"
              + " <payload>x<outstanding>...");
      System.exit(2);
    }
    Stack stack = Stack.parse(args[0]);
    int port = Integer.parseInt(args[1]);
    Duration prewarm = Duration.ofMillis(Long.parseLong(args[2]));
    Duration warmup = Duration.ofMillis(Long.parseLong(args[3]));
    Duration measure = Duration.ofMillis(Long.parseLong(args[4]));
    try (Caller caller = Caller.connect(stack, port)) {
      // Both payload sizes, so that both JVMs compile the paths every cell takes.
      new ClosedLoop(caller, 16, 64).run(prewarm.dividedBy(2), Duration.ofMillis(1));
      new ClosedLoop(caller, 1024, 64).run(prewarm.dividedBy(2), Duration.ofMillis(1));
      for (int i = 5; i < args.length; i++) {
        String[] cell = args[i].split("x");
        int payload = Integer.parseInt(cell[0]);
        int outstanding = Integer.parseInt(cell[1]);
        Result r = new ClosedLoop(caller, payload, outstanding).run(warmup, measure);
        System.out.println(r.json(stack, payload, outstanding));
        System.out.flush();
      }
    }
  }

  /**
   * A cell's figures.
   *
   * @param callsPerSecond completed calls per second in the measured interval
   * @param latencyNanos their latencies
   * @param cpuNanosPerCall this JVM's CPU time (all threads) per completed call in the interval
   * @param allocatedBytesPerCall bytes this JVM's threads allocated per completed call
   */
  record Result(
      double callsPerSecond,
      Histogram latencyNanos,
      double cpuNanosPerCall,
      double allocatedBytesPerCall) {
    String json(Stack stack, int payload, int outstanding) {
      return String.format(
          Locale.ROOT,
          "{\"stack\":\"%s\",\"payload_bytes\":%d,\"outstanding\":%d,\"calls_per_s\":%.0f,"
              + "\"p50_us\":%.1f,\"p99_us\":%.1f,\"p999_us\":%.1f}",
          stack.id,
          payload,
          outstanding,
          callsPerSecond,
          latencyNanos.getValueAtPercentile(50) / 1000.0,
          latencyNanos.getValueAtPercentile(99) / 1000.0,
          latencyNanos.getValueAtPercentile(99.9) / 1000.0);
    }
  }

  private static final com.sun.management.OperatingSystemMXBean OS =
      (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
  private static final com.sun.management.ThreadMXBean THREADS =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

  /** Bytes allocated so far by the live platform threads (the event loops live throughout). */
  private static long allocatedBytes() {
    long total = 0;
    for (long b : THREADS.getThreadAllocatedBytes(THREADS.getAllThreadIds())) {
      total += Math.max(0, b);
    }
    return total;
  }

  /** N outstanding calls, each completion issuing the next, until told to stop. */
  static final class ClosedLoop {
    private final Caller caller;
    private final byte[] payload;
    private final int outstanding;
    private final Recorder recorder = new Recorder(TimeUnit.SECONDS.toNanos(10), 3);
    private final AtomicLong completed = new AtomicLong();
    private final AtomicReference<@Nullable Throwable> failure = new AtomicReference<>();
    private volatile boolean stopping;
    private final CountDownLatch drained;

    ClosedLoop(Caller caller, int payloadBytes, int outstanding) {
      this.caller = caller;
      this.payload = new byte[payloadBytes];
      new java.util.Random(42).nextBytes(payload);
      this.outstanding = outstanding;
      this.drained = new CountDownLatch(outstanding);
    }

    Result run(Duration warmup, Duration measure) throws InterruptedException {
      for (int i = 0; i < outstanding; i++) {
        issue();
      }
      Thread.sleep(warmup.toMillis()); // the warm-up interval itself, not a wait for an event
      recorder.reset();
      long startCount = completed.get();
      long startCpu = OS.getProcessCpuTime();
      long startAllocated = allocatedBytes();
      long start = System.nanoTime();
      Thread.sleep(measure.toMillis()); // the measured interval
      long count = completed.get() - startCount;
      long elapsed = System.nanoTime() - start;
      double cpu = OS.getProcessCpuTime() - startCpu;
      double allocated = allocatedBytes() - startAllocated;
      Histogram h = recorder.getIntervalHistogram();
      stopping = true;
      if (!drained.await(30, TimeUnit.SECONDS)) {
        throw new IllegalStateException("calls did not drain within 30 s after the run");
      }
      Throwable t = failure.get();
      if (t != null) {
        throw new IllegalStateException("a call failed: " + t, t);
      }
      return new Result(
          count * 1e9 / elapsed, h, cpu / Math.max(1, count), allocated / Math.max(1, count));
    }

    private void issue() {
      long start = System.nanoTime();
      caller.call(
          payload,
          t -> {
            if (t != null) {
              failure.compareAndSet(null, t);
              drained.countDown();
              return;
            }
            recorder.recordValue(Math.min(System.nanoTime() - start, TimeUnit.SECONDS.toNanos(10)));
            completed.incrementAndGet();
            if (stopping || failure.get() != null) {
              drained.countDown();
            } else {
              issue();
            }
          });
    }
  }
}
