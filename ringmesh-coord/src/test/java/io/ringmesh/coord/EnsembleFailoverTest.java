package io.ringmesh.coord;

import static org.assertj.core.api.Assertions.assertThat;

import io.ringmesh.coord.internal.Messages.LockInfoReply;
import io.ringmesh.coord.internal.Messages.LockInfoRequest;
import io.ringmesh.coord.internal.Placement;
import io.ringmesh.coord.internal.RemoteCoordinatorService;
import io.ringmesh.coord.internal.Status;
import io.ringmesh.rpc.Endpoint;
import io.ringmesh.rpc.RpcClient;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #6's failover targets, with three coordinators in processes of their own on loopback and
 * the default Ratis election timeouts: SIGKILL the leader of a shard, measure the time from the
 * kill to the first successful acquire on that shard, and check that no held lock was lost and no
 * acknowledged release undone.
 */
class EnsembleFailoverTest {
  private static final int SIZE = 3;

  @TempDir Path dir;
  private final List<Process> processes = new ArrayList<>();
  private final List<Endpoint> endpoints = new ArrayList<>();
  private final RpcClient rpc = RpcClient.builder().build();

  @AfterEach
  void stopAll() throws Exception {
    for (Process p : processes) {
      p.destroyForcibly();
    }
    for (Process p : processes) {
      p.waitFor(10, TimeUnit.SECONDS);
    }
    rpc.close();
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private void startEnsemble() throws Exception {
    StringBuilder peers = new StringBuilder();
    for (int i = 0; i < SIZE; i++) {
      peers
          .append(i == 0 ? "" : ",")
          .append("c")
          .append(i)
          .append("=127.0.0.1:")
          .append(freePort());
      endpoints.add(Endpoint.of("127.0.0.1", freePort()));
    }
    String javaBin = ProcessHandle.current().info().command().orElse("java");
    for (int i = 0; i < SIZE; i++) {
      ProcessBuilder pb =
          new ProcessBuilder(
              javaBin,
              "-Xmx256m",
              "-cp",
              System.getProperty("java.class.path"),
              EnsembleMember.class.getName(),
              peers.toString(),
              "c" + i,
              dir.resolve("c" + i).toString(),
              Integer.toString(endpoints.get(i).port()));
      pb.redirectErrorStream(true);
      pb.redirectOutput(ProcessBuilder.Redirect.PIPE);
      processes.add(pb.start());
    }
    for (Process p : processes) {
      BufferedReader out =
          new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
      String line;
      List<String> seen = new ArrayList<>();
      while ((line = out.readLine()) != null && !line.startsWith("READY")) {
        seen.add(line);
      }
      assertThat(line).as("coordinator output: %s", seen).startsWith("READY");
      Thread drain =
          new Thread(
              () -> {
                try {
                  out.transferTo(java.io.Writer.nullWriter());
                } catch (IOException ignored) {
                  // the process ended
                }
              });
      drain.setDaemon(true);
      drain.start();
    }
  }

  /** Which coordinator leads the shard of {@code name}, asked of each until one knows. */
  private Optional<String> leaderOf(String name) {
    for (Endpoint e : endpoints) {
      try (RemoteCoordinatorService one =
          new RemoteCoordinatorService(rpc, false, List.of(e), Duration.ofSeconds(1))) {
        String self = one.clusterInfo().coordinatorId();
        LockInfoReply r = one.describe(new LockInfoRequest(name)).get(2, TimeUnit.SECONDS);
        if (r.status() == Status.OK) {
          return Optional.of(self);
        }
        if (r.leaderHint().isPresent()) {
          return r.leaderHint();
        }
      } catch (Exception unreachable) {
        // try the next coordinator
      }
    }
    return Optional.empty();
  }

  /** A lock name on each shard, found by the same placement the coordinators use. */
  private static Map<Integer, String> oneNamePerShard() {
    Placement placement = new Placement(Coordinator.DEFAULT_SHARDS);
    Map<Integer, String> names = new HashMap<>();
    for (int i = 0; names.size() < Coordinator.DEFAULT_SHARDS; i++) {
      names.putIfAbsent(placement.shardOf("lock-" + i), "lock-" + i);
    }
    return names;
  }

  private static String anotherNameOnShard(int shard, String not) {
    Placement placement = new Placement(Coordinator.DEFAULT_SHARDS);
    for (int i = 0; ; i++) {
      String name = "probe-" + i;
      if (placement.shardOf(name) == shard && !name.equals(not)) {
        return name;
      }
    }
  }

  @Test
  @Timeout(value = 3, unit = TimeUnit.MINUTES)
  void killingAShardLeaderLosesNoLockAndTheShardGrantsAgainQuickly() throws Exception {
    startEnsemble();
    String all = String.join(",", endpoints.stream().map(Endpoint::toString).toList());
    Map<Integer, String> names = oneNamePerShard();
    String victimName = names.get(0);

    try (LockClient holder =
            LockClient.builder().connect(all).sessionTtl(Duration.ofSeconds(5)).build();
        LockClient released =
            LockClient.builder().connect(all).sessionTtl(Duration.ofSeconds(5)).build()) {
      // Hold a lock on every shard, and acknowledge a release on every shard.
      Map<String, Long> held = new HashMap<>();
      List<String> freed = new ArrayList<>();
      for (String name : names.values()) {
        held.put(name, holder.acquire(name, Duration.ofSeconds(20)).fencingToken());
        String other = name + "-released";
        released.acquire(other, Duration.ofSeconds(20)).close();
        freed.add(other);
      }
      String leader = leaderOf(victimName).orElseThrow();
      int victim = Integer.parseInt(leader.substring(1));

      long killed = System.nanoTime();
      processes.get(victim).destroyForcibly(); // SIGKILL
      Duration failover;
      try (LockClient prober =
          LockClient.builder()
              .connect(all)
              .sessionTtl(Duration.ofSeconds(5))
              .requestTimeout(Duration.ofSeconds(30))
              .build()) {
        // A new session: opening it already needs every shard, the victim's included, to have a
        // leader.
        prober.acquire(anotherNameOnShard(0, victimName), Duration.ofSeconds(30)).close();
        failover = Duration.ofNanos(System.nanoTime() - killed);
        System.out.printf(
            "issue #6 failover: shard of '%s' led by %s granted again %d ms after SIGKILL"
                + " (target 2,000 ms)%n",
            victimName, leader, failover.toMillis());

        for (Map.Entry<String, Long> e : held.entrySet()) {
          LockInfo info = prober.holder(e.getKey());
          assertThat(info.holder()).as("holder of %s", e.getKey()).contains(holder.sessionId());
          assertThat(info.fencingToken()).as("token of %s", e.getKey()).isEqualTo(e.getValue());
        }
        for (String name : freed) {
          assertThat(prober.holder(name).isHeld()).as("released %s", name).isFalse();
        }
      }
      assertThat(failover).isLessThan(Duration.ofSeconds(10));
    }
  }
}
