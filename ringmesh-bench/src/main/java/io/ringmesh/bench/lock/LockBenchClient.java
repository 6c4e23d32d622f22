package io.ringmesh.bench.lock;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.jspecify.annotations.Nullable;

/**
 * The clients of the lock benchmark, one thread and one {@link LockSystem.Client} (so one session)
 * each, in one JVM. Workloads:
 *
 * <ul>
 *   <li>{@code uncontended:N}: N clients, each on its own key, loop acquire then release; the
 *       latency is that of the pair.
 *   <li>{@code handoff:N}: N clients on one key, each looping acquire (waiting), release. The
 *       latency is the hand-off: from the moment a holder calls release to the moment the next
 *       holder's acquire returns, both read with {@link System#nanoTime()} in this JVM. Mutual
 *       exclusion orders them: only the holder writes the release time, and the next holder reads
 *       it after its grant.
 * </ul>
 *
 * <p>A pre-warm of both kinds lets both JVMs compile their hot paths; then each workload has a
 * warm-up and a measured interval, whose pairs (or hand-offs) per second and latencies go to one
 * JSON object on standard output.
 *
 * <p>Usage: {@code LockBenchClient <system> <address> <prewarm-ms> <warmup-ms> <measure-ms>
 * <workload>:<clients>...}; the address {@code start:<data-directory>} starts the server in this
 * JVM (for {@link LockSystem#inProcess()} systems), and deletes the directory at the end.
 */
public final class LockBenchClient {
  private LockBenchClient() {}

  /** The address prefix that asks for the server in this JVM, with its data directory after it. */
  static final String START_HERE = "start:";

  /** How long one acquire may wait; far above any hand-off, so that only a hang trips it. */
  static final Duration WAIT = Duration.ofSeconds(30);

  private static final long MAX_NANOS = TimeUnit.SECONDS.toNanos(60);

  public static void main(String[] args) {
    int code;
    try {
      benchmark(args);
      code = 0;
    } catch (Throwable t) {
      t.printStackTrace();
      code = 1;
    }
    // Exit even when client libraries leave non-daemon threads behind, so that a failure ends the
    // run instead of hanging it.
    System.exit(code);
  }

  private static void benchmark(String[] args) throws Exception {
    if (args.length < 6) {
      System.err.println(
          "usage: LockBenchClient <system> <address>|start:<dir> <prewarm-ms> <warmup-ms> <measure-ms>"
              + " uncontended:<n>|handoff:<n>...");
      System.exit(2);
    }
    LockSystem system = LockSystems.parse(args[0]);
    String address = args[1];
    Duration prewarm = Duration.ofMillis(Long.parseLong(args[2]));
    Duration warmup = Duration.ofMillis(Long.parseLong(args[3]));
    Duration measure = Duration.ofMillis(Long.parseLong(args[4]));
    List<Workload> workloads = new ArrayList<>();
    int maxClients = 1;
    for (int i = 5; i < args.length; i++) {
      Workload w = Workload.parse(args[i]);
      workloads.add(w);
      maxClients = Math.max(maxClients, w.clients());
    }
    exitWhenParentGoes();

    @Nullable TempDirectory data = null;
    LockSystem.@Nullable Server server = null;
    List<LockSystem.Client> clients = new ArrayList<>();
    try {
      if (address.startsWith(START_HERE)) {
        data = TempDirectory.of(Path.of(address.substring(START_HERE.length())));
        server = system.start(data.path());
        address = server.address();
      }
      long t0 = System.nanoTime();
      for (int i = 0; i < maxClients; i++) {
        clients.add(system.connect(address));
      }
      progress(
          String.format(
              Locale.ROOT,
              "%s: %d clients connected in %d ms",
              system.id(),
              maxClients,
              TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)));
      if (!prewarm.isZero()) {
        progress(system.id() + ": pre-warm, " + prewarm.toMillis() + " ms");
        run(new Workload("uncontended", maxClients), clients, prewarm.dividedBy(2), Duration.ZERO);
        run(new Workload("handoff", maxClients), clients, prewarm.dividedBy(2), Duration.ZERO);
      }
      for (Workload w : workloads) {
        progress(
            String.format(
                Locale.ROOT,
                "%s: %s, %d clients (%d ms warm-up, %d ms measured)",
                system.id(),
                w.kind(),
                w.clients(),
                warmup.toMillis(),
                measure.toMillis()));
        Result r = run(w, clients, warmup, measure);
        String json = r.json(system, w);
        System.out.println(json);
        System.out.flush();
      }
    } finally {
      for (LockSystem.Client c : clients) {
        try {
          c.close();
        } catch (Exception e) {
          System.err.println("bench lock: closing a client failed: " + e);
        }
      }
      try {
        if (server != null) {
          server.close();
        }
      } finally {
        if (data != null) {
          data.close();
        }
      }
    }
  }

  private static void progress(String message) {
    System.err.println("bench lock: " + message);
  }

  /** Exits (running shutdown hooks) when standard input closes: the parent is done or died. */
  private static void exitWhenParentGoes() {
    Thread.ofPlatform()
        .daemon()
        .name("parent-watch")
        .start(
            () -> {
              try {
                while (System.in.read() >= 0) {
                  // wait for end of input
                }
              } catch (IOException e) {
                // parent gone
              }
              progress("the benchmark process went away; stopping the clients");
              System.exit(3);
            });
  }

  /** A workload and its number of clients. */
  record Workload(String kind, int clients) {
    static Workload parse(String spec) {
      String[] parts = spec.split(":");
      if (parts.length != 2 || !(parts[0].equals("uncontended") || parts[0].equals("handoff"))) {
        throw new IllegalArgumentException(
            "workload '" + spec + "' is not uncontended:<clients> or handoff:<clients>");
      }
      return new Workload(parts[0], Integer.parseInt(parts[1]));
    }
  }

  /** Pairs (or hand-offs) per second, and latencies in nanoseconds. */
  record Result(double opsPerSecond, Histogram latencyNanos) {
    String json(LockSystem system, Workload w) {
      return String.format(
          Locale.ROOT,
          "{\"system\":\"%s\",\"workload\":\"%s\",\"clients\":%d,\"ops_per_s\":%.0f,"
              + "\"p50_us\":%.1f,\"p99_us\":%.1f}",
          system.id(),
          w.kind(),
          w.clients(),
          opsPerSecond,
          latencyNanos.getValueAtPercentile(50) / 1000.0,
          latencyNanos.getValueAtPercentile(99) / 1000.0);
    }
  }

  /** One iteration of a client's loop, recording what it measured in {@code m}. */
  @FunctionalInterface
  private interface Step {
    void run(Measurement m) throws Exception;
  }

  /** What the client threads of one run share. */
  private static final class Measurement {
    final Recorder recorder = new Recorder(MAX_NANOS, 3);
    final LongAdder ops = new LongAdder();
    final AtomicReference<@Nullable Throwable> failure = new AtomicReference<>();
    volatile boolean stopping;

    /** The nanoTime at which the current holder of the hand-off key called release, or 0. */
    volatile long lastReleaseCall;

    void record(long nanos) {
      recorder.recordValue(Math.min(Math.max(nanos, 0), MAX_NANOS));
      ops.increment();
    }
  }

  static Result run(Workload w, List<LockSystem.Client> clients, Duration warmup, Duration measure)
      throws InterruptedException {
    Measurement m = new Measurement();
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < w.clients(); i++) {
      LockSystem.Client client = clients.get(i);
      Step step = w.kind().equals("handoff") ? handoff(client) : uncontended(client, i);
      threads.add(
          Thread.ofPlatform()
              .name("lock-client-" + i)
              .start(
                  () -> {
                    try {
                      while (!m.stopping && m.failure.get() == null) {
                        step.run(m);
                      }
                    } catch (Throwable t) {
                      m.failure.compareAndSet(null, t);
                    }
                  }));
    }
    sleepUnlessFailed(m, warmup); // the warm-up interval itself
    m.recorder.reset();
    long startOps = m.ops.sum();
    long start = System.nanoTime();
    sleepUnlessFailed(m, measure); // the measured interval
    long count = m.ops.sum() - startOps;
    long elapsed = System.nanoTime() - start;
    Histogram h = m.recorder.getIntervalHistogram();
    m.stopping = true;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    for (Thread t : threads) {
      long left = deadline - System.nanoTime();
      if (left <= 0 || !t.join(Duration.ofNanos(left))) {
        m.failure.compareAndSet(
            null, new IllegalStateException(t.getName() + " did not stop within 60 s"));
        break;
      }
    }
    Throwable t = m.failure.get();
    if (t != null) {
      throw new IllegalStateException(
          "the " + w.kind() + " workload with " + w.clients() + " clients failed: " + t, t);
    }
    return new Result(count * 1e9 / Math.max(elapsed, 1), h);
  }

  private static Step uncontended(LockSystem.Client client, int i) {
    String key = "bench/uncontended/" + i;
    return m -> {
      long start = System.nanoTime();
      client.acquire(key, WAIT).release();
      m.record(System.nanoTime() - start);
    };
  }

  private static Step handoff(LockSystem.Client client) {
    return m -> {
      LockSystem.Held held = client.acquire("bench/handoff", WAIT);
      long granted = System.nanoTime();
      long released = m.lastReleaseCall;
      if (released != 0) {
        m.record(granted - released);
      }
      m.lastReleaseCall = System.nanoTime();
      held.release();
    };
  }

  private static void sleepUnlessFailed(Measurement m, Duration d) throws InterruptedException {
    long deadline = System.nanoTime() + d.toNanos();
    for (long left = d.toNanos(); left > 0; left = deadline - System.nanoTime()) {
      if (m.failure.get() != null) {
        return;
      }
      TimeUnit.NANOSECONDS.sleep(Math.min(left, TimeUnit.MILLISECONDS.toNanos(100)));
    }
  }
}
