package io.ringmesh.coord.internal;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Decides when the leader of a Raft group hands leadership to the group's preferred coordinator.
 * One per coordinator, asked about each group it leads on every balancing tick. Thread-safe.
 */
public final class LeaderBalancer {
  /*
   * Why our own balancer, not Ratis leader priorities (decision 0005, "Leaders are spread by a
   * balancer"). Priorities spread leaders, but Ratis also lets them decide elections: a candidate
   * waits out its whole election round for a higher-priority peer that does not answer, and any
   * higher-priority peer that rejects its vote ends the round (LeaderElection.waitForResults).
   * So when the preferred leader itself is the one that paused, every round of the survivors'
   * election ran to its timeout, and when it woke it stepped down (JVM pause) and sat out
   * elections for the step-down wait while vetoing everybody else. In a chaos run a 5.6 s pause
   * of shard 9's preferred leader left the shard without a leader for 12.5 s, 7 s of them after
   * the pause ended: longer than a 4 s session TTL and its grace, so every client lost its
   * session (members' INFO logs: "reject PRE_VOTE from c3: our priority 1 > candidate's priority
   * 0" while "Skipping leader election since it stepped down recently"). With equal
   * priorities elections are plain Raft, and leaders are spread afterwards, by transfers:
   *
   * - Only the current leader acts, and only for a group whose configuration is stable (no joint
   *   consensus in flight: a membership change moves leaders itself).
   * - The preferred replica must be healthy for a settle period: answering the leader's
   *   heartbeats (last response within an election timeout) and caught up to the commit index,
   *   continuously. A coordinator that just came back is left alone until it has proved stable,
   *   and a group whose leader was just elected is left to settle, so a flapping replica does
   *   not drag leadership back and forth. (Raft thesis §3.10 on leadership transfer: the target
   *   must be caught up first; Ratis' transfer refuses writes while it waits for that.)
   * - A transfer is damped: after one, the group waits at least the retry interval before the
   *   next, doubling after each failed one up to the maximum, so a transfer that keeps failing
   *   costs a short write pause every few minutes, not every tick.
   *
   * etcd and TiKV do the same from outside Raft (etcd's leadership transfer, PD's balance-leader
   * scheduler); Ratis' own priority mechanism is the in-Raft alternative we left.
   */

  /** One group as its leader sees it. */
  public record View(
      int group,
      String self,
      String preferred,
      boolean transitional,
      long leaderForMillis,
      long commitIndex,
      Optional<Long> preferredMatchIndex,
      long preferredSilentMillis) {}

  private static final class State {
    long healthySinceNanos = -1;
    long notBeforeNanos;
    long backoffNanos;
    boolean inFlight;
  }

  private final long settleNanos;
  private final long healthyRpcMillis;
  private final long retryNanos;
  private final long maxRetryNanos;
  private final Map<Integer, State> states = new HashMap<>();

  /**
   * @param settleNanos how long the preferred replica must stay healthy, and the leader have led,
   *     before a transfer
   * @param healthyRpcMillis the longest silence of a follower that still counts as healthy
   * @param retryNanos the least time between two transfers of one group
   * @param maxRetryNanos the longest wait after repeated failed transfers
   */
  public LeaderBalancer(
      long settleNanos, long healthyRpcMillis, long retryNanos, long maxRetryNanos) {
    if (settleNanos < 0 || healthyRpcMillis <= 0 || retryNanos <= 0 || maxRetryNanos < retryNanos) {
      throw new IllegalArgumentException(
          "balancer timings must be positive and the maximum retry at least the retry; were settle "
              + settleNanos
              + " ns, healthy rpc "
              + healthyRpcMillis
              + " ms, retry "
              + retryNanos
              + " ns, max retry "
              + maxRetryNanos
              + " ns");
    }
    this.settleNanos = settleNanos;
    this.healthyRpcMillis = healthyRpcMillis;
    this.retryNanos = retryNanos;
    this.maxRetryNanos = maxRetryNanos;
  }

  /**
   * The peer to transfer the group's leadership to now, if any. A returned transfer is in flight
   * until {@link #transferEnded}.
   */
  public synchronized Optional<String> decide(long nowNanos, View v) {
    State s = states.computeIfAbsent(v.group(), g -> new State());
    boolean healthy =
        !v.transitional()
            && v.preferredMatchIndex().isPresent()
            && v.preferredMatchIndex().get() >= v.commitIndex()
            && v.preferredSilentMillis() <= healthyRpcMillis;
    if (v.preferred().equals(v.self()) || !healthy) {
      s.healthySinceNanos = -1;
      return Optional.empty();
    }
    if (s.healthySinceNanos < 0) {
      s.healthySinceNanos = nowNanos;
    }
    boolean settled =
        nowNanos - s.healthySinceNanos >= settleNanos
            && v.leaderForMillis() * 1_000_000L >= settleNanos;
    if (!settled || s.inFlight || nowNanos - s.notBeforeNanos < 0) {
      return Optional.empty();
    }
    s.inFlight = true;
    return Optional.of(v.preferred());
  }

  /** Records how the transfer {@link #decide} started for {@code group} ended. */
  public synchronized void transferEnded(int group, long nowNanos, boolean moved) {
    State s = states.computeIfAbsent(group, g -> new State());
    s.inFlight = false;
    s.healthySinceNanos = -1;
    s.backoffNanos =
        moved ? retryNanos : Math.min(Math.max(2 * s.backoffNanos, retryNanos), maxRetryNanos);
    s.notBeforeNanos = nowNanos + s.backoffNanos;
  }

  /** This coordinator does not lead {@code group} now: its health record starts over. */
  public synchronized void notLeading(int group) {
    State s = states.get(group);
    if (s != null) {
      s.healthySinceNanos = -1;
    }
  }
}
