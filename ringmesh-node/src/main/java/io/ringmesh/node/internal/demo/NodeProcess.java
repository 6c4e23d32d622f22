package io.ringmesh.node.internal.demo;

import io.ringmesh.testkit.ChildProcess;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * One {@code ringmesh node --config FILE} child JVM, started from this JVM's class path (the demo's
 * nodes, and the tests that need real node processes): a {@link ChildProcess} that is up when the
 * node prints that it is. It is started with {@code --parent-pid}, so that it exits by itself when
 * this JVM dies.
 *
 * <p>Thread-safe.
 */
public final class NodeProcess implements AutoCloseable {
  private final String id;
  private final ChildProcess process;

  private NodeProcess(String id, ChildProcess process) {
    this.id = id;
    this.process = process;
  }

  /**
   * Starts node {@code id} with the settings in {@code config}, appending its output to {@code
   * log}.
   */
  public static NodeProcess start(String id, Path config, Path log) throws IOException {
    List<String> cmd =
        ChildProcess.javaCommand(
            ChildProcess.SMALL_JVM,
            "io.ringmesh.node.internal.cli.Main",
            List.of(
                "node",
                "--config",
                config.toString(),
                "--parent-pid",
                Long.toString(ProcessHandle.current().pid())));
    return new NodeProcess(
        id, ChildProcess.start("node " + id, cmd, log, "ringmesh node " + id + " up"));
  }

  /** Completes when the node prints that it is up; fails if it exits first. */
  public CompletableFuture<Void> up() {
    return process.up();
  }

  /** Waits for {@link #up}, failing with the end of the node's log after {@code timeout}. */
  public void awaitUp(Duration timeout) throws InterruptedException {
    process.awaitUp(timeout);
  }

  /** The node's id. */
  public String id() {
    return id;
  }

  /** Where its output goes. */
  public Path log() {
    return process.log();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** Kills it with SIGKILL, as a crash would, and waits up to 10 s for it to be gone. */
  public void kill() throws InterruptedException {
    process.kill();
  }

  /** Asks it to stop (SIGTERM, so it deregisters), without waiting. */
  void terminate() {
    process.terminate();
  }

  /**
   * Waits until {@code deadlineNanos} ({@link System#nanoTime}) for it to exit, then kills it.
   * Interrupted, it kills it at once and keeps the interrupt.
   */
  void awaitExit(long deadlineNanos) {
    process.awaitExit(deadlineNanos);
  }

  /** Stops it: SIGTERM, then SIGKILL if it is still running after 10 s. Harmless twice. */
  @Override
  public void close() {
    process.close();
  }

  /** The last 30 lines of a log, for error messages. */
  public static String tail(Path log) {
    return ChildProcess.tail(log);
  }
}
