package io.ringmesh.node.internal.demo;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One {@code ringmesh node --config FILE} child JVM, started from this JVM's class path (the demo's
 * nodes, and the tests that need real node processes). Its output is appended to a log file; {@link
 * #up} completes when it prints that it is up, or fails with the end of its log if it exits first.
 * It is started with {@code --parent-pid}, so that it exits by itself when this JVM dies.
 *
 * <p>Thread-safe.
 */
public final class NodeProcess implements AutoCloseable {
  /** Heap and JIT settings that let 8 JVMs share two cores. */
  private static final List<String> CHILD_JVM =
      List.of("-Xmx192m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss512k");

  private final String id;
  private final Path log;
  private final Process process;
  private final CompletableFuture<Void> up = new CompletableFuture<>();

  private NodeProcess(String id, Path log, Process process) {
    this.id = id;
    this.log = log;
    this.process = process;
  }

  /**
   * Starts node {@code id} with the settings in {@code config}, appending its output to {@code
   * log}.
   */
  public static NodeProcess start(String id, Path config, Path log) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(ProcessHandle.current().info().command().orElse("java"));
    for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (arg.startsWith("--enable-native-access")
          || arg.startsWith("--sun-misc-unsafe-memory-access")
          || arg.startsWith("-Dringmesh.home")) {
        cmd.add(arg);
      }
    }
    cmd.addAll(CHILD_JVM);
    cmd.add("-Djava.awt.headless=true");
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add("io.ringmesh.node.internal.cli.Main");
    cmd.add("node");
    cmd.add("--config");
    cmd.add(config.toString());
    cmd.add("--parent-pid");
    cmd.add(Long.toString(ProcessHandle.current().pid()));
    Process p =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectInput(ProcessBuilder.Redirect.PIPE)
            .start();
    NodeProcess n = new NodeProcess(id, log, p);
    Thread.ofPlatform().daemon().name("node-log-" + id).start(n::pumpLog);
    return n;
  }

  private void pumpLog() {
    try (BufferedReader r =
            new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        Writer w =
            Files.newBufferedWriter(
                log,
                StandardCharsets.UTF_8,
                StandardOpenOption.CREATE,
                StandardOpenOption.APPEND)) {
      String line;
      while ((line = r.readLine()) != null) {
        w.write(line);
        w.write('\n');
        w.flush();
        if (line.startsWith("ringmesh node " + id + " up")) {
          up.complete(null);
        }
      }
    } catch (IOException e) {
      up.completeExceptionally(e);
    }
    if (!up.isDone()) {
      up.completeExceptionally(
          new IllegalStateException(
              "node " + id + " exited before it was up; the end of its log:\n" + tail(log)));
    }
  }

  /** Completes when the node prints that it is up; fails if it exits first. */
  public CompletableFuture<Void> up() {
    return up;
  }

  /** Waits for {@link #up}, failing with the end of the node's log after {@code timeout}. */
  public void awaitUp(Duration timeout) throws InterruptedException {
    try {
      up.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new IllegalStateException(
          "node "
              + id
              + " was not up within "
              + timeout.toSeconds()
              + " s; the end of its log ("
              + log
              + "):\n"
              + tail(log));
    } catch (ExecutionException e) {
      throw new IllegalStateException(e.getCause().getMessage(), e.getCause());
    }
  }

  /** The node's id. */
  public String id() {
    return id;
  }

  /** Where its output goes. */
  public Path log() {
    return log;
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** Kills it with SIGKILL, as a crash would, and waits up to 10 s for it to be gone. */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(10, TimeUnit.SECONDS);
  }

  /** Asks it to stop (SIGTERM, so it deregisters), without waiting. */
  void terminate() {
    process.destroy();
  }

  /**
   * Waits until {@code deadlineNanos} ({@link System#nanoTime}) for it to exit, then kills it.
   * Interrupted, it kills it at once and keeps the interrupt.
   */
  void awaitExit(long deadlineNanos) {
    try {
      long left = deadlineNanos - System.nanoTime();
      if (left <= 0 || !process.waitFor(left, TimeUnit.NANOSECONDS)) {
        process.destroyForcibly();
        process.waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  /** Stops it: SIGTERM, then SIGKILL if it is still running after 10 s. Harmless twice. */
  @Override
  public void close() {
    if (process.isAlive()) {
      terminate();
      awaitExit(System.nanoTime() + TimeUnit.SECONDS.toNanos(10));
    }
  }

  /** The last 30 lines of a log, for error messages. */
  public static String tail(Path log) {
    try {
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    } catch (IOException e) {
      return "(no log at " + log + ": " + e.getMessage() + ")";
    }
  }
}
