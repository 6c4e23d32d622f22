package io.ringmesh.coord;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.jspecify.annotations.Nullable;

/**
 * Helpers for tests that run an ensemble's coordinators in this JVM: the settings they share, and
 * starting and closing them all at once (each coordinator's start waits for its groups' first
 * elections, which need the others up).
 */
final class InJvmEnsemble {
  /**
   * Longer than Ratis' default: several Ratis servers in one JVM on two shared cores must not hold
   * spurious elections mid-test.
   */
  static final Duration ELECTION_MIN = Duration.ofSeconds(1);

  static final Duration ELECTION_MAX = Duration.ofSeconds(2);

  private InJvmEnsemble() {}

  /** Starts one member. */
  interface Start {
    Coordinator start(int member) throws IOException;
  }

  /**
   * Member {@code i} ({@code c<i>}) with its own data directory under {@code dataDir}, the
   * ensemble's election timeout and the test's clock; the caller adds shards, replicas and the
   * rest.
   */
  static Coordinator.Builder member(
      Path dataDir, String peers, int i, int rpcPort, TimeSource clock) {
    return Coordinator.builder()
        .dataDirectory(dataDir.resolve("c" + i))
        .peers(peers)
        .self("c" + i)
        .electionTimeout(ELECTION_MIN, ELECTION_MAX)
        .timeSource(clock)
        .rpcPort(rpcPort);
  }

  /** Starts members 0 to {@code size - 1} at once and returns them in order. */
  static List<Coordinator> startTogether(int size, Start start) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(size);
    try {
      List<Future<Coordinator>> started = new ArrayList<>();
      for (int i = 0; i < size; i++) {
        int n = i;
        started.add(pool.submit(() -> start.start(n)));
      }
      List<Coordinator> out = new ArrayList<>();
      for (Future<Coordinator> f : started) {
        out.add(f.get());
      }
      return out;
    } finally {
      pool.shutdown();
    }
  }

  /** Closes every member that is running, at once. */
  static void closeTogether(List<@Nullable Coordinator> members) {
    List<CompletableFuture<Void>> stops = new ArrayList<>();
    for (Coordinator c : members) {
      if (c != null) {
        stops.add(CompletableFuture.runAsync(c::close));
      }
    }
    CompletableFuture.allOf(stops.toArray(CompletableFuture<?>[]::new)).join();
  }
}
