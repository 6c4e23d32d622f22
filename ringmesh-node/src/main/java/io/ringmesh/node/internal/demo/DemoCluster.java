package io.ringmesh.node.internal.demo;

import io.ringmesh.testkit.RunDirectory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;

/**
 * A local cluster of real node processes for the demo: 3 coordinators and N service nodes, each a
 * {@code ringmesh node} JVM with its own config file, data directory and log, on free loopback
 * ports, all under one temporary directory.
 *
 * <p>Nothing outlives it: {@link #close} stops every process (SIGTERM, then SIGKILL after a grace
 * period) and deletes the directory; a JVM shutdown hook does the same on Ctrl-C or {@code kill};
 * and each child is started with {@code --parent-pid}, so that it exits by itself if the demo is
 * killed with SIGKILL and cannot run its hook.
 *
 * <p>Thread-safe: its methods are synchronized.
 */
public final class DemoCluster implements AutoCloseable {
  private final Path dir;
  private final Map<String, Member> members = new LinkedHashMap<>();
  private final Thread hook;
  private boolean closed;

  /** One node process: its settings file and its current process. */
  static final class Member {
    final String id;
    final boolean coordinator;
    final Path config;
    final Path log;
    final int adminPort;
    final int coordinatorPort;
    @Nullable NodeProcess process;

    Member(String id, boolean coordinator, Path config, Path log, int adminPort, int coordPort) {
      this.id = id;
      this.coordinator = coordinator;
      this.config = config;
      this.log = log;
      this.adminPort = adminPort;
      this.coordinatorPort = coordPort;
    }

    String adminUrl() {
      return "http://127.0.0.1:" + adminPort;
    }
  }

  /** A cluster of the demo's shape, configured and not yet started. */
  public static DemoCluster create() throws IOException {
    DemoCluster c = new DemoCluster();
    try {
      c.configure(Demo.serviceNodes(), Demo.serviceClass(), Demo.serviceSettings());
      return c;
    } catch (IOException | RuntimeException e) {
      c.close();
      throw e;
    }
  }

  /** The dashboard's address: the first coordinator's admin port. */
  public synchronized String dashboardUrl() {
    return members.values().iterator().next().adminUrl();
  }

  DemoCluster() throws IOException {
    dir = RunDirectory.create("ringmesh-demo-");
    hook = new Thread(this::close, "demo-cleanup");
    Runtime.getRuntime().addShutdownHook(hook);
  }

  Path directory() {
    return dir;
  }

  /**
   * Writes the config of 3 coordinators and {@code services} service nodes hosting {@code
   * serviceClass}; starts nothing yet.
   */
  synchronized void configure(int services, String serviceClass, Map<String, String> settings)
      throws IOException {
    int[] raft = freePorts(3);
    int[] client = freePorts(3);
    StringBuilder peers = new StringBuilder();
    StringBuilder coordinators = new StringBuilder();
    for (int i = 0; i < 3; i++) {
      peers
          .append(i == 0 ? "" : ",")
          .append("c")
          .append(i + 1)
          .append("=127.0.0.1:")
          .append(raft[i]);
      coordinators.append(i == 0 ? "" : ",").append("127.0.0.1:").append(client[i]);
    }
    for (int i = 0; i < 3; i++) {
      String id = "c" + (i + 1);
      int admin = freePorts(1)[0];
      String yaml =
          """
          id: %s
          roles: [coordinator]
          rpc-port: 0
          admin-port: %d
          data: %s
          coordinators: %s
          session-ttl: 4s
          coordinator:
            port: %d
            peers: %s
            self: %s
            shards: 16
            election-timeout: 1s..2s
          """
              .formatted(id, admin, dir.resolve(id), coordinators, client[i], peers, id);
      add(new Member(id, true, write(id, yaml), dir.resolve(id + ".log"), admin, client[i]));
    }
    for (int i = 0; i < services; i++) {
      String id = "s" + (i + 1);
      int admin = freePorts(1)[0];
      StringBuilder s = new StringBuilder();
      settings.forEach(
          (k, v) -> s.append("      ").append(k).append(": \"").append(v).append("\"\n"));
      String yaml =
          """
          id: %s
          roles: [service]
          rpc-port: 0
          admin-port: %d
          data: %s
          coordinators: %s
          session-ttl: 4s
          services:
            - class: %s
              settings:
          %s"""
              .formatted(id, admin, dir.resolve(id), coordinators, serviceClass, s);
      add(new Member(id, false, write(id, yaml), dir.resolve(id + ".log"), admin, -1));
    }
  }

  private void add(Member m) {
    members.put(m.id, m);
  }

  private Path write(String id, String yaml) throws IOException {
    return Files.writeString(dir.resolve(id + ".yaml"), yaml);
  }

  /** The coordinators' client endpoints, {@code host:port,...}. */
  synchronized String coordinators() {
    return String.join(
        ",",
        members.values().stream()
            .filter(m -> m.coordinator)
            .map(m -> "127.0.0.1:" + m.coordinatorPort)
            .toList());
  }

  synchronized List<Member> members() {
    return List.copyOf(members.values());
  }

  synchronized Member member(String id) {
    Member m = members.get(id);
    if (m == null) {
      throw new IllegalArgumentException("no demo node '" + id + "'");
    }
    return m;
  }

  /**
   * Starts {@code id}'s process and returns a future that completes when it prints that it is up,
   * or fails with the end of its log if it exits first.
   */
  synchronized CompletableFuture<Void> start(String id) throws IOException {
    Member m = member(id);
    NodeProcess p = NodeProcess.start(id, m.config, m.log);
    m.process = p;
    return p.up();
  }

  /** Waits for {@code up}, failing with {@code id}'s log tail after {@code timeout}. */
  void awaitUp(String id, CompletableFuture<Void> up, Duration timeout)
      throws InterruptedException {
    try {
      up.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new IllegalStateException(
          "node "
              + id
              + " was not up within "
              + timeout.toSeconds()
              + " s; the end of its log ("
              + member(id).log
              + "):\n"
              + NodeProcess.tail(member(id).log));
    } catch (java.util.concurrent.ExecutionException e) {
      throw new IllegalStateException(e.getCause().getMessage(), e.getCause());
    }
  }

  /** Kills {@code id} with SIGKILL, as a crash would, and waits for it to be gone. */
  synchronized void kill(String id) throws InterruptedException {
    NodeProcess p = member(id).process;
    if (p != null) {
      p.kill();
    }
  }

  synchronized boolean isAlive(String id) {
    NodeProcess p = member(id).process;
    return p != null && p.isAlive();
  }

  /** Stops every process and deletes the directory; harmless twice. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // already shutting down: this is the hook
    }
    List<NodeProcess> running =
        members.values().stream()
            .map(m -> m.process)
            .filter(p -> p != null && p.isAlive())
            .toList();
    running.forEach(NodeProcess::terminate);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    for (NodeProcess p : running) {
      p.awaitExit(deadline);
    }
    RunDirectory.delete(dir);
  }

  private static int[] freePorts(int n) throws IOException {
    return io.ringmesh.testkit.LoopbackPorts.free(n);
  }
}
