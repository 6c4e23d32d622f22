package io.ringmesh.coord.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** When a group's leader hands leadership to the preferred replica, on a clock the test moves. */
@Timeout(10)
class LeaderBalancerTest {
  private static final long SECOND = TimeUnit.SECONDS.toNanos(1);
  private static final long SETTLE = 5 * SECOND;
  private static final long RETRY = 30 * SECOND;
  private static final long MAX_RETRY = 300 * SECOND;

  private final LeaderBalancer balancer = new LeaderBalancer(SETTLE, 500, RETRY, MAX_RETRY);
  private long now = 1_000 * SECOND;

  /** Group 3 led by c1 for a minute; its preferred c2 caught up and answering. */
  private static LeaderBalancer.View healthy() {
    return new LeaderBalancer.View(3, "c1", "c2", false, 60_000, 100, Optional.of(100L), 50);
  }

  private static LeaderBalancer.View with(
      long leaderForMillis, long commit, Optional<Long> match, long silentMillis, boolean joint) {
    return new LeaderBalancer.View(
        3, "c1", "c2", joint, leaderForMillis, commit, match, silentMillis);
  }

  private Optional<String> tick(LeaderBalancer.View v) {
    Optional<String> to = balancer.decide(now, v);
    now += SECOND;
    return to;
  }

  /** Ticks once a second with {@code v} until a transfer comes out; returns the seconds it took. */
  private int secondsUntilTransfer(LeaderBalancer.View v, int limit) {
    for (int s = 0; s < limit; s++) {
      if (tick(v).isPresent()) {
        return s;
      }
    }
    return -1;
  }

  @Test
  void aHealthyPreferredReplicaGetsLeadershipOnceItHasStayedHealthyForTheSettlePeriod() {
    assertThat(secondsUntilTransfer(healthy(), 20)).isEqualTo(5);
  }

  @Test
  void theLeaderItselfBeingPreferredMeansNoTransfer() {
    LeaderBalancer.View self =
        new LeaderBalancer.View(3, "c2", "c2", false, 60_000, 100, Optional.empty(), 0);
    assertThat(secondsUntilTransfer(self, 20)).isEqualTo(-1);
  }

  @Test
  void aLaggingSilentAbsentOrJointConfiguredReplicaIsNeverTheTarget() {
    assertThat(secondsUntilTransfer(with(60_000, 100, Optional.of(99L), 50, false), 20))
        .as("behind the commit index")
        .isEqualTo(-1);
    assertThat(secondsUntilTransfer(with(60_000, 100, Optional.of(100L), 501, false), 20))
        .as("silent past the healthy limit")
        .isEqualTo(-1);
    assertThat(secondsUntilTransfer(with(60_000, 100, Optional.empty(), 0, false), 20))
        .as("not a follower of this leader")
        .isEqualTo(-1);
    assertThat(secondsUntilTransfer(with(60_000, 100, Optional.of(100L), 50, true), 20))
        .as("during joint consensus")
        .isEqualTo(-1);
  }

  @Test
  void healthMustBeContinuousAndANewLeaderMustSettleToo() {
    tick(healthy());
    tick(healthy());
    tick(healthy());
    tick(with(60_000, 100, Optional.of(100L), 900, false)); // one missed heartbeat round
    assertThat(secondsUntilTransfer(healthy(), 20))
        .as("the settle period starts over")
        .isEqualTo(5);

    LeaderBalancer other = new LeaderBalancer(SETTLE, 500, RETRY, MAX_RETRY);
    long t = now;
    for (int s = 0; s < 4; s++) {
      assertThat(other.decide(t + s * SECOND, with(s * 1_000L, 100, Optional.of(100L), 50, false)))
          .as("led for %d s only", s)
          .isEmpty();
    }
    assertThat(other.decide(t + 5 * SECOND, with(5_000, 100, Optional.of(100L), 50, false)))
        .contains("c2");
  }

  @Test
  void oneTransferAtATimeThenTheRetryIntervalThenBackOffWhileTheyFail() {
    assertThat(secondsUntilTransfer(healthy(), 20)).isEqualTo(5);
    assertThat(secondsUntilTransfer(healthy(), 10)).as("one in flight").isEqualTo(-1);

    balancer.transferEnded(3, now, false);
    long failedAt = now;
    int waited = secondsUntilTransfer(healthy(), 400);
    assertThat(now - SECOND - failedAt).as("after the first failure").isGreaterThanOrEqualTo(RETRY);
    assertThat(waited).isLessThanOrEqualTo(31);

    balancer.transferEnded(3, now, false);
    failedAt = now;
    secondsUntilTransfer(healthy(), 400);
    assertThat(now - SECOND - failedAt).as("doubled").isBetween(2 * RETRY, 2 * RETRY + SECOND);

    for (int i = 0; i < 5; i++) {
      balancer.transferEnded(3, now, false);
      failedAt = now;
      secondsUntilTransfer(healthy(), 400);
    }
    assertThat(now - SECOND - failedAt).as("capped").isBetween(MAX_RETRY, MAX_RETRY + SECOND);

    balancer.transferEnded(3, now, true);
    failedAt = now;
    secondsUntilTransfer(healthy(), 400);
    assertThat(now - SECOND - failedAt)
        .as("a success resets the back-off")
        .isBetween(RETRY, RETRY + SECOND);
  }

  @Test
  void losingLeadershipForgetsTheHealthRecord() {
    tick(healthy());
    tick(healthy());
    tick(healthy());
    balancer.notLeading(3);
    assertThat(secondsUntilTransfer(healthy(), 20)).isEqualTo(5);
  }

  @Test
  void badTimingsAreRefusedWithTheirValues() {
    assertThatThrownBy(() -> new LeaderBalancer(SETTLE, 0, RETRY, MAX_RETRY))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("healthy rpc 0 ms");
    assertThatThrownBy(() -> new LeaderBalancer(SETTLE, 500, RETRY, RETRY - 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("max retry " + (RETRY - 1) + " ns");
  }
}
