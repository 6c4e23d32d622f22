package io.ringmesh.bench.lock;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;

/**
 * Runs the lock benchmark: for each {@link LockSystem}, its server in one JVM (data in a fresh
 * temporary directory, fsync on) and its clients in another, on loopback, with the same flags and
 * warm-ups for every system. Prints each workload as one JSON object on standard output and
 * progress on standard error.
 *
 * <p>Every process it starts is stopped when it ends, fails, or is killed: servers and clients exit
 * when their standard input (a pipe from this process) closes, and a shutdown hook kills what is
 * left.
 *
 * <p>Usage: {@code LockBenchmark [--quick] [--systems a,b,...]}.
 */
public final class LockBenchmark {
  private LockBenchmark() {}

  /** The workloads of issue #5, in report order. */
  static final List<String> WORKLOADS = List.of("uncontended:1", "uncontended:32", "handoff:32");

  /** How long a server may take to report its address. */
  private static final long SERVER_START_SECONDS = 120;

  private static final Set<Process> CHILDREN = ConcurrentHashMap.newKeySet();

  public static void main(String[] args) throws Exception {
    boolean quick = false;
    List<LockSystem> systems = new ArrayList<>(LockSystems.DEFAULT);
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--quick" -> quick = true;
        case "--systems" -> {
          systems.clear();
          for (String s : args[++i].split(",")) {
            systems.add(LockSystems.parse(s.trim()));
          }
        }
        default -> {
          System.err.println("usage: LockBenchmark [--quick] [--systems ringmesh,...]");
          System.exit(2);
        }
      }
    }
    Runtime.getRuntime().addShutdownHook(new Thread(LockBenchmark::stopChildren, "stop-children"));
    // Ratis and the lock service keep C2 busy for some 20 s on two cores; the pre-warm covers it.
    long prewarmMs = quick ? 2_000 : 20_000;
    long warmupMs = quick ? 1_000 : 5_000;
    long measureMs = quick ? 2_000 : 15_000;
    for (LockSystem system : systems) {
      runSystem(system, prewarmMs, warmupMs, measureMs);
    }
  }

  private static void runSystem(LockSystem system, long prewarmMs, long warmupMs, long measureMs)
      throws IOException, InterruptedException {
    @Nullable Process server = null;
    @Nullable Process client = null;
    // Created here and deleted here too, after the server exits, even if it was killed.
    TempDirectory data = TempDirectory.create("ringmesh-bench-lock-" + system.id() + "-");
    try {
      String address;
      if (system.inProcess()) {
        System.err.println(
            "bench lock: " + system.id() + " (server in the client JVM, not over RPC)");
        address = LockBenchClient.START_HERE + data.path();
      } else {
        System.err.println("bench lock: " + system.id() + " (server and client JVMs)");
        server = start(LockBenchServer.class, List.of(system.id(), data.path().toString()));
        address = awaitAddress(system, server);
      }
      List<String> clientArgs =
          new ArrayList<>(
              List.of(system.id(), address, "" + prewarmMs, "" + warmupMs, "" + measureMs));
      clientArgs.addAll(WORKLOADS);
      client = start(LockBenchClient.class, clientArgs);
      try (BufferedReader results =
          new BufferedReader(
              new InputStreamReader(client.getInputStream(), StandardCharsets.UTF_8))) {
        for (String r = results.readLine(); r != null; r = results.readLine()) {
          System.out.println(r);
          if (System.out.checkError()) {
            throw new IllegalStateException("standard output is closed; stopping the benchmark");
          }
        }
      }
      if (client.waitFor() != 0) {
        throw new IllegalStateException(
            "the " + system.id() + " client failed (exit " + client.exitValue() + ")");
      }
    } finally {
      try {
        stop(client);
        stop(server);
      } finally {
        data.close();
      }
    }
  }

  /** Reads the server's {@code ADDRESS} line, killing the server if it does not come in time. */
  private static String awaitAddress(LockSystem system, Process server) throws IOException {
    AtomicBoolean reported = new AtomicBoolean();
    Thread.ofPlatform()
        .daemon()
        .name("server-start-watch")
        .start(
            () -> {
              try {
                if (!server.waitFor(SERVER_START_SECONDS, TimeUnit.SECONDS) && !reported.get()) {
                  System.err.println(
                      "bench lock: the "
                          + system.id()
                          + " server did not start within "
                          + SERVER_START_SECONDS
                          + " s; stopping it");
                  server.destroyForcibly();
                }
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            });
    BufferedReader out =
        new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
    String line = out.readLine();
    reported.set(true);
    if (line == null || !line.startsWith("ADDRESS ")) {
      throw new IllegalStateException(
          "the " + system.id() + " server did not report its address (got: " + line + ")");
    }
    return line.substring("ADDRESS ".length()).trim();
  }

  /** Closes the child's standard input (it then exits), and kills it if it has not in 30 s. */
  private static void stop(@Nullable Process p) throws InterruptedException {
    if (p == null) {
      return;
    }
    try {
      p.getOutputStream().close();
    } catch (IOException e) {
      // already gone
    }
    if (!p.waitFor(30, TimeUnit.SECONDS)) {
      System.err.println("bench lock: pid " + p.pid() + " did not exit in 30 s; killing it");
      p.destroyForcibly();
      p.waitFor(10, TimeUnit.SECONDS);
    }
    CHILDREN.remove(p);
  }

  /**
   * On exit: asks the children still running to stop (their shutdown hooks delete their data
   * directories), then kills those that did not within 5 s.
   */
  private static void stopChildren() {
    CHILDREN.forEach(Process::destroy);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    for (Process p : CHILDREN) {
      try {
        long left = deadline - System.nanoTime();
        if (left <= 0 || !p.waitFor(left, TimeUnit.NANOSECONDS)) {
          p.destroyForcibly();
        }
      } catch (InterruptedException e) {
        p.destroyForcibly();
      }
    }
  }

  private static Process start(Class<?> main, List<String> args) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(jvmFlags());
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(main.getName());
    cmd.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.redirectError(ProcessBuilder.Redirect.INHERIT);
    Process p = pb.start();
    CHILDREN.add(p);
    return p;
  }

  /** The flags of every server and client JVM; those a JDK 21 lacks only where they exist. */
  static List<String> jvmFlags() {
    List<String> flags = new ArrayList<>(List.of("-Xms1g", "-Xmx1g", "-XX:+UseG1GC"));
    flags.add("-Dio.netty.leakDetectionLevel=disabled");
    int feature = Runtime.version().feature();
    if (feature >= 22) {
      flags.add("--enable-native-access=ALL-UNNAMED");
    }
    if (feature >= 23) {
      flags.add("--sun-misc-unsafe-memory-access=allow");
    }
    return flags;
  }
}
