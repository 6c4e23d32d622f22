package io.ringmesh.coord;

import static org.assertj.core.api.Assertions.assertThat;

import io.ringmesh.coord.internal.Messages.GroupInfo;
import io.ringmesh.coord.internal.Placement;
import io.ringmesh.coord.internal.RemoteCoordinatorService;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

/**
 * Elections in a three-coordinator ensemble (separate processes) with one coordinator down, where
 * the preferred leader and Ratis' step-down rules meet.
 */
class EnsembleElectionTest extends ProcessEnsembleTest {

  /** Shard 0's leader as {@code one} knows it: its id, {@code "none"}, or why it did not say. */
  private static String shardZeroLeaderSeenBy(RemoteCoordinatorService one) {
    try {
      List<GroupInfo> groups = one.groups().get(2, TimeUnit.SECONDS).groups();
      return groups.get(0).leader().orElse(NONE);
    } catch (Exception unanswered) {
      return "no answer: " + unanswered;
    }
  }

  private static final String NONE = "none";

  /**
   * With one coordinator of three down, the preferred leader of shard 0 loses its last follower for
   * longer than the election timeout (paused, as by a GC pause or a starved CPU) and steps down.
   * Once the follower is back the group must elect again within about an election: the stepped-down
   * replica may not sit out elections for long (Ratis' default is 10 s), nor veto the other one
   * meanwhile, as it did while it had the higher Ratis priority. With Ratis' defaults and
   * priorities the group had no leader for 10 s, longer than a session's TTL and grace, and held
   * leases were lost.
   */
  @Test
  @Timeout(value = 4, unit = TimeUnit.MINUTES)
  void aPreferredLeaderThatSteppedDownDoesNotKeepItsGroupLeaderless() throws Exception {
    EnsembleProcesses cluster = startSettled(3);
    List<String> ids = List.of("c0", "c1", "c2");
    String preferred = Placement.preferredLeaders(Coordinator.DEFAULT_SHARDS + 1, ids, 3).get(0);
    int p = ids.indexOf(preferred);
    int down = (p + 1) % 3;
    int paused = (p + 2) % 3;
    try (RemoteCoordinatorService atPreferred =
        new RemoteCoordinatorService(
            rpc, false, List.of(cluster.endpoints().get(p)), Duration.ofSeconds(2))) {
      cluster.kill(down);
      cluster.pause(paused);
      AtomicReference<String> seen = new AtomicReference<>("not asked yet");
      try {
        Await.until(
            () -> {
              seen.set(shardZeroLeaderSeenBy(atPreferred));
              return seen.get().equals(NONE);
            },
            () ->
                preferred
                    + " to step down from shard 0 while its only follower is paused; it sees "
                    + seen.get(),
            Duration.ofSeconds(30));
      } finally {
        cluster.resume(paused);
      }
      long steppedDown = System.nanoTime();
      Await.until(
          () -> {
            seen.set(shardZeroLeaderSeenBy(atPreferred));
            return ids.contains(seen.get());
          },
          () -> "shard 0 to have a leader again; " + preferred + " sees " + seen.get(),
          Duration.ofSeconds(60));
      Duration leaderless = Duration.ofNanos(System.nanoTime() - steppedDown);
      System.out.printf(
          "shard 0 leaderless for %d ms after its preferred leader stepped down%n",
          leaderless.toMillis());
      // Ratis' 10 s step-down wait would show as >= 10 s here; a new election takes about one
      // election timeout (0.15-0.3 s), generous room is left for a loaded machine.
      assertThat(leaderless).isLessThan(Duration.ofSeconds(7));
    }
  }

  /**
   * A coordinator stopped for longer than a minute (SIGSTOP, as a very long GC pause or a suspended
   * VM) rejoins as a follower of every group once it runs again. Ratis' default closes the whole
   * Raft server after a JVM pause over 60 s, which would leave a process that answers RPCs and
   * serves nothing until someone restarts it.
   */
  @Test
  @Timeout(value = 5, unit = TimeUnit.MINUTES)
  // Not in the default suite: it pauses a coordinator for 65 s. Run with RINGMESH_FAILOVER_TESTS=1.
  @EnabledIfEnvironmentVariable(named = "RINGMESH_FAILOVER_TESTS", matches = "1")
  void aCoordinatorPausedForOverAMinuteRejoinsEveryGroup() throws Exception {
    EnsembleProcesses cluster = startSettled(3);
    cluster.pause(0);
    long until = System.nanoTime() + Duration.ofSeconds(65).toNanos();
    try {
      // The other two keep serving meanwhile; asking them paces the wait without a bare sleep.
      try (RemoteCoordinatorService others =
          new RemoteCoordinatorService(
              rpc, false, cluster.endpoints().subList(1, 3), Duration.ofSeconds(2))) {
        while (System.nanoTime() - until < 0) {
          others.groups().get(10, TimeUnit.SECONDS);
          java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofSeconds(1).toNanos());
        }
      }
    } finally {
      cluster.resume(0);
    }
    try (RemoteCoordinatorService paused =
        new RemoteCoordinatorService(
            rpc, false, List.of(cluster.endpoints().get(0)), Duration.ofSeconds(2))) {
      AtomicReference<List<GroupInfo>> seen = new AtomicReference<>(List.of());
      Await.until(
          () -> {
            try {
              seen.set(paused.groups().get(2, TimeUnit.SECONDS).groups());
            } catch (Exception notYet) {
              return false;
            }
            return seen.get().stream().allMatch(g -> g.leader().isPresent());
          },
          () -> "c0 to know a leader for every group again; it sees " + seen.get(),
          Duration.ofSeconds(60));
    }
  }
}
