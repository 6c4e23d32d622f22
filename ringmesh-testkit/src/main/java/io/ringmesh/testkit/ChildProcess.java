package io.ringmesh.testkit;

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
import java.util.function.Consumer;

/**
 * A child process, usually a JVM started from this JVM's class path ({@link #javaCommand}), whose
 * output is appended to a log file. {@link #up} completes when it prints a line starting with the
 * ready prefix, or fails with the end of its log if it exits first. Callers make it exit with this
 * JVM (the commands of the demo and the chaos suite take a parent pid), so that none outlives it.
 *
 * <p>Thread-safe.
 */
public final class ChildProcess implements AutoCloseable {
  /** Heap and JIT settings that let eight JVMs share two cores. */
  public static final List<String> SMALL_JVM =
      List.of("-Xmx192m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss512k");

  private final String id;
  private final Path log;
  private final Process process;
  private final String readyPrefix;
  private final Consumer<String> lines;
  private final CompletableFuture<Void> up = new CompletableFuture<>();

  private ChildProcess(
      String id, Path log, Process process, String readyPrefix, Consumer<String> lines) {
    this.id = id;
    this.log = log;
    this.process = process;
    this.readyPrefix = readyPrefix;
    this.lines = lines;
  }

  /**
   * The command that runs {@code mainClass} with {@code args} in a new JVM on this JVM's class path
   * and java binary, with {@code jvmFlags} and this JVM's native-access, unsafe-access and {@code
   * ringmesh.home} settings.
   */
  public static List<String> javaCommand(
      List<String> jvmFlags, String mainClass, List<String> args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(ProcessHandle.current().info().command().orElse("java"));
    for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (arg.startsWith("--enable-native-access")
          || arg.startsWith("--sun-misc-unsafe-memory-access")
          || arg.startsWith("-Dringmesh.home")) {
        cmd.add(arg);
      }
    }
    cmd.addAll(jvmFlags);
    cmd.add("-Djava.awt.headless=true");
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(mainClass);
    cmd.addAll(args);
    return cmd;
  }

  /**
   * Starts {@code command} as child {@code id}, appending its output (standard error merged) to
   * {@code log}; it is up once it prints a line starting with {@code readyPrefix}.
   */
  public static ChildProcess start(String id, List<String> command, Path log, String readyPrefix)
      throws IOException {
    return start(id, command, log, readyPrefix, line -> {});
  }

  /**
   * {@link #start(String, List, Path, String)}, also handing every output line to {@code lines}.
   */
  public static ChildProcess start(
      String id, List<String> command, Path log, String readyPrefix, Consumer<String> lines)
      throws IOException {
    Process p =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectInput(ProcessBuilder.Redirect.PIPE)
            .start();
    ChildProcess c = new ChildProcess(id, log, p, readyPrefix, lines);
    Thread.ofPlatform().daemon().name("log-" + id).start(c::pumpLog);
    return c;
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
        if (line.startsWith(readyPrefix)) {
          up.complete(null);
        }
        lines.accept(line);
      }
    } catch (IOException e) {
      up.completeExceptionally(e);
    }
    if (!up.isDone()) {
      up.completeExceptionally(
          new IllegalStateException(
              id + " exited before it was up; the end of its log:\n" + tail(log)));
    }
  }

  /** Completes when it prints its ready line; fails if it exits first. */
  public CompletableFuture<Void> up() {
    return up;
  }

  /** Waits for {@link #up}, failing with the end of its log after {@code timeout}. */
  public void awaitUp(Duration timeout) throws InterruptedException {
    try {
      up.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new IllegalStateException(
          id
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

  /** Its id, as given to {@link #start}. */
  public String id() {
    return id;
  }

  /** Where its output goes. */
  public Path log() {
    return log;
  }

  /** Its process id. */
  public long pid() {
    return process.pid();
  }

  /** Whether it is still running (a stopped process is running). */
  public boolean isAlive() {
    return process.isAlive();
  }

  /** Kills it with SIGKILL, as a crash would, and waits up to 10 s for it to be gone. */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(10, TimeUnit.SECONDS);
  }

  /** Freezes it with SIGSTOP, as a long GC pause would. */
  public void pause() throws IOException, InterruptedException {
    signal("-STOP");
  }

  /** Thaws it with SIGCONT. */
  public void resume() throws IOException, InterruptedException {
    signal("-CONT");
  }

  private void signal(String signal) throws IOException, InterruptedException {
    if (!process.isAlive()) {
      return;
    }
    Process k =
        new ProcessBuilder("kill", signal, Long.toString(process.pid()))
            .redirectErrorStream(true)
            .start();
    if (!k.waitFor(10, TimeUnit.SECONDS) || k.exitValue() != 0) {
      k.destroyForcibly();
      throw new IOException("kill " + signal + " " + process.pid() + " failed");
    }
  }

  /** Asks it to stop with SIGTERM, without waiting. */
  public void terminate() {
    process.destroy();
  }

  /**
   * Waits until {@code deadlineNanos} ({@link System#nanoTime}) for it to exit, then kills it.
   * Interrupted, it kills it at once and keeps the interrupt.
   */
  public void awaitExit(long deadlineNanos) {
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

  /**
   * Stops it: SIGCONT (a stopped process cannot act on SIGTERM), SIGTERM, then SIGKILL if it is
   * still running after 10 s. Harmless twice.
   */
  @Override
  public void close() {
    if (process.isAlive()) {
      try {
        resume();
      } catch (IOException e) {
        // it exited meanwhile
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
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
