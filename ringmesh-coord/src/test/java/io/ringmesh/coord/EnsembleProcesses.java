package io.ringmesh.coord;

import io.ringmesh.coord.internal.ClusterMetadata;
import io.ringmesh.coord.internal.Messages.GroupInfo;
import io.ringmesh.coord.internal.Placement;
import io.ringmesh.coord.internal.RemoteCoordinatorService;
import io.ringmesh.rpc.Endpoint;
import io.ringmesh.rpc.RpcClient;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.util.TimeDuration;
import org.jspecify.annotations.Nullable;

/**
 * A coordinator ensemble of separate processes ({@link EnsembleMember}) on loopback, for tests that
 * kill, pause and restart coordinators. Member {@code i} is {@code c<i>}, with its data under
 * {@code dir/c<i>} and fixed Raft and RPC ports, so a restart rejoins as itself. Closing it kills
 * every process it started.
 */
final class EnsembleProcesses implements AutoCloseable {
  private final Path dir;
  private final String peers;
  private final List<Endpoint> endpoints = new ArrayList<>();
  private final List<@Nullable Process> processes = new ArrayList<>();
  private final List<String> electionTimeoutMillis;

  /** An ensemble of {@code size} with Ratis' default election timeouts. */
  EnsembleProcesses(Path dir, int size) throws IOException {
    this(dir, size, List.of());
  }

  /**
   * An ensemble of {@code size} whose members hold elections after {@code min..max} ms without a
   * leader, or Ratis' default when the list is empty.
   */
  EnsembleProcesses(Path dir, int size, List<Long> electionTimeoutMillis) throws IOException {
    this.dir = dir;
    this.electionTimeoutMillis = electionTimeoutMillis.stream().map(String::valueOf).toList();
    for (int i = 0; i < size; i++) {
      endpoints.add(Endpoint.of("127.0.0.1", FreePorts.next()));
      processes.add(null);
    }
    this.peers = FreePorts.peerList(size);
  }

  int size() {
    return endpoints.size();
  }

  List<Endpoint> endpoints() {
    return endpoints;
  }

  /** Every member's RPC endpoint, as {@link LockClient.Builder#connect(String)} takes them. */
  String connectString() {
    return String.join(",", endpoints.stream().map(Endpoint::toString).toList());
  }

  /** Starts every member at once (each needs a majority) and waits until all serve. */
  void startAll() throws Exception {
    List<CompletableFuture<Void>> ready = new ArrayList<>();
    for (int i = 0; i < size(); i++) {
      ready.add(launch(i));
    }
    CompletableFuture.allOf(ready.toArray(CompletableFuture<?>[]::new)).get(120, TimeUnit.SECONDS);
  }

  /**
   * Waits until every group is led by its preferred coordinator: after the first elections each
   * leader's balancer moves its groups there (one more leader change per group, a settle period
   * after the start), so a test's faults start from a settled ensemble.
   */
  void awaitPreferredLeaders(RpcClient rpc) {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < size(); i++) {
      ids.add("c" + i);
    }
    List<String> preferred =
        Placement.preferredLeaders(Coordinator.DEFAULT_SHARDS + 1, ids, Math.min(3, size()));
    try (RemoteCoordinatorService all =
        new RemoteCoordinatorService(rpc, false, endpoints, Duration.ofSeconds(2))) {
      // Each member printed READY, but on a loaded host its first connection's handshake can
      // outlast one call's deadline: asked until one answers.
      AtomicReference<String> why = new AtomicReference<>("");
      Await.until(
          () -> {
            try {
              all.clusterInfo();
              return true;
            } catch (RuntimeException unreachable) { // LockException or RpcException
              why.set(String.valueOf(unreachable.getMessage()));
              return false;
            }
          },
          () -> "a coordinator to answer clusterInfo; last: " + why.get(),
          Duration.ofMinutes(1));
      AtomicReference<List<GroupInfo>> last = new AtomicReference<>(List.of());
      long start = System.nanoTime();
      AtomicReference<Long> lastNudge = new AtomicReference<>(start);
      Await.until(
          () -> {
            try {
              List<GroupInfo> groups = all.groups().get(5, TimeUnit.SECONDS).groups();
              last.set(groups);
              boolean settled =
                  groups.size() == preferred.size()
                      && groups.stream()
                          .allMatch(g -> g.leader().equals(Optional.of(preferred.get(g.shard()))));
              if (!settled && System.nanoTime() - lastNudge.get() > NUDGE_AFTER.toNanos()) {
                lastNudge.set(System.nanoTime());
                nudge(groups, preferred);
              }
              return settled;
            } catch (Exception notYet) {
              return false;
            }
          },
          () -> "every group led by its preferred coordinator " + preferred + "; now " + last.get(),
          Duration.ofMinutes(2));
    }
  }

  /** How long the set-up waits for Ratis' priorities to hand leadership back before asking. */
  private static final Duration NUDGE_AFTER = Duration.ofSeconds(20);

  /**
   * Asks Ratis to move each group led by a coordinator other than its preferred one to the
   * preferred one. Priorities should do this on their own, and mostly do; now and then a leader
   * keeps a group for minutes (an open candidate for the coordinator itself: its own leader
   * balancer). The set-up only needs the spread, so it asks, and says so.
   */
  private void nudge(List<GroupInfo> groups, List<String> preferred) {
    ClusterMetadata metadata = new ClusterMetadata("ringmesh", Coordinator.DEFAULT_SHARDS);
    List<RaftPeer> members = new ArrayList<>();
    for (String entry : peers.split(",")) {
      String[] idAddress = entry.split("=", 2);
      members.add(RaftPeer.newBuilder().setId(idAddress[0]).setAddress(idAddress[1]).build());
    }
    for (GroupInfo g : groups) {
      String want = preferred.get(g.shard());
      if (g.leader().isEmpty() || g.leader().get().equals(want)) {
        continue;
      }
      System.out.println(
          "ensemble fixture: group "
              + g.shard()
              + " is led by "
              + g.leader().get()
              + ", not its preferred "
              + want
              + "; asking Ratis to transfer leadership");
      RaftGroup group =
          RaftGroup.valueOf(RaftGroupId.valueOf(metadata.groupUuid(g.shard())), members);
      try (RaftClient client =
          RaftClient.newBuilder()
              .setProperties(new RaftProperties())
              .setRaftGroup(group)
              .setRetryPolicy(
                  RetryPolicies.retryUpToMaximumCountWithFixedSleep(
                      2, TimeDuration.valueOf(200, TimeUnit.MILLISECONDS)))
              .build()) {
        client.admin().transferLeadership(RaftPeerId.valueOf(want), 3_000);
      } catch (IOException | RuntimeException e) {
        System.out.println("ensemble fixture: transfer of group " + g.shard() + " failed: " + e);
      }
    }
  }

  /** (Re)starts member {@code i} on its own data and ports, and waits until it serves. */
  void start(int i) throws Exception {
    launch(i).get(120, TimeUnit.SECONDS);
  }

  private CompletableFuture<Void> launch(int i) throws IOException {
    String javaBin = ProcessHandle.current().info().command().orElse("java");
    List<String> command =
        new ArrayList<>(
            List.of(
                javaBin,
                "-Xmx256m",
                "-Dringmesh.ratis.level=" + (LOG_DIR == null ? "WARN" : "INFO"),
                "-cp",
                System.getProperty("java.class.path"),
                EnsembleMember.class.getName(),
                peers,
                "c" + i,
                dir.resolve("c" + i).toString(),
                Integer.toString(endpoints.get(i).port())));
    command.addAll(electionTimeoutMillis);
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.redirectErrorStream(true);
    Process p = pb.start();
    processes.set(i, p);
    CompletableFuture<Void> ready = new CompletableFuture<>();
    Thread reader =
        new Thread(
            () -> {
              List<String> seen = new ArrayList<>();
              try (java.io.Writer log = logFile(i);
                  BufferedReader out =
                      new BufferedReader(
                          new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = out.readLine(); line != null; line = out.readLine()) {
                  log.write(line + "\n");
                  if (!ready.isDone()) {
                    if (line.startsWith("READY")) {
                      ready.complete(null);
                    } else if (seen.size() < 200) {
                      seen.add(line);
                    }
                  }
                }
              } catch (IOException ended) {
                // the process ended
              }
              ready.completeExceptionally(
                  new AssertionError("coordinator c" + i + " ended before serving: " + seen));
            },
            "c" + i + "-output");
    reader.setDaemon(true);
    reader.start();
    return ready;
  }

  /**
   * Where members' whole output goes, with Ratis' election and role changes at INFO: the folder
   * named by {@code RINGMESH_ENSEMBLE_LOG_DIR}, for diagnosing a failed run; unset, the output
   * after {@code READY} is dropped.
   */
  private static final @Nullable String LOG_DIR = System.getenv("RINGMESH_ENSEMBLE_LOG_DIR");

  private static java.io.Writer logFile(int i) throws IOException {
    if (LOG_DIR == null) {
      return java.io.Writer.nullWriter();
    }
    Path d = Path.of(LOG_DIR);
    java.nio.file.Files.createDirectories(d);
    return java.nio.file.Files.newBufferedWriter(
        d.resolve("c" + i + "-" + System.currentTimeMillis() + ".log"), StandardCharsets.UTF_8);
  }

  /** SIGKILL of member {@code i}; returns once it is gone. */
  void kill(int i) throws InterruptedException {
    Process p = processes.get(i);
    if (p != null) {
      p.destroyForcibly();
      p.waitFor(10, TimeUnit.SECONDS);
      processes.set(i, null);
    }
  }

  boolean isRunning(int i) {
    Process p = processes.get(i);
    return p != null && p.isAlive();
  }

  /** SIGSTOP of member {@code i}, as a long GC pause would. */
  void pause(int i) throws IOException, InterruptedException {
    signal(i, "-STOP");
  }

  /** SIGCONT of member {@code i}. */
  void resume(int i) throws IOException, InterruptedException {
    signal(i, "-CONT");
  }

  private void signal(int i, String signal) throws IOException, InterruptedException {
    Process p = processes.get(i);
    if (p != null) {
      new ProcessBuilder("kill", signal, Long.toString(p.pid()))
          .inheritIO()
          .start()
          .waitFor(10, TimeUnit.SECONDS);
    }
  }

  @Override
  public void close() {
    for (int i = 0; i < processes.size(); i++) {
      Process p = processes.get(i);
      if (p != null) {
        p.destroyForcibly();
      }
    }
    for (int i = 0; i < processes.size(); i++) {
      Process p = processes.get(i);
      if (p != null) {
        try {
          p.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }
}
