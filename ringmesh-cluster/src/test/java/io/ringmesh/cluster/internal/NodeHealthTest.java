package io.ringmesh.cluster.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.ringmesh.cluster.FakeTicker;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class NodeHealthTest {
  private final FakeTicker ticker = new FakeTicker();
  private final NodeHealth health =
      new NodeHealth(3, Duration.ofSeconds(1).toNanos(), Duration.ofSeconds(4).toNanos(), ticker);

  @Test
  void ejectedOnlyAfterThresholdConsecutiveFailures() {
    health.onFailure();
    health.onFailure();
    assertThat(health.isEjected()).isFalse();
    health.onSuccess(); // breaks the streak
    health.onFailure();
    health.onFailure();
    assertThat(health.isEjected()).isFalse();
    health.onFailure();
    assertThat(health.isEjected()).isTrue();
    assertThat(health.totalEjections()).isEqualTo(1);
  }

  @Test
  void backoffDoublesWhileTheProbeFailsAndIsCapped() {
    fail(3);
    assertEjectedFor(Duration.ofSeconds(1));
    health.onFailure(); // the probe after the first backoff fails: out again, for twice as long
    assertEjectedFor(Duration.ofSeconds(2));
    health.onFailure();
    assertEjectedFor(Duration.ofSeconds(4));
    health.onFailure();
    assertEjectedFor(Duration.ofSeconds(4)); // capped at max
    assertThat(health.totalEjections()).isEqualTo(4);
  }

  @Test
  void failuresWhileEjectedDoNotExtendTheEjection() {
    fail(3);
    ticker.advance(Duration.ofMillis(500));
    health.onFailure(); // an attempt that was already in flight
    ticker.advance(Duration.ofMillis(500));
    assertThat(health.isEjected()).isFalse();
    assertThat(health.totalEjections()).isEqualTo(1);
  }

  @Test
  void aSuccessfulProbeResetsTheBackoff() {
    fail(3);
    ticker.advance(Duration.ofSeconds(1));
    health.onFailure();
    ticker.advance(Duration.ofSeconds(2));
    health.onSuccess();
    assertThat(health.isEjected()).isFalse();
    fail(2);
    assertThat(health.isEjected()).isFalse(); // the streak starts from zero
    health.onFailure();
    assertEjectedFor(Duration.ofSeconds(1)); // and so does the backoff
  }

  private void fail(int times) {
    for (int i = 0; i < times; i++) {
      health.onFailure();
    }
  }

  private void assertEjectedFor(Duration d) {
    assertThat(health.isEjected()).isTrue();
    ticker.advance(d.minusNanos(1));
    assertThat(health.isEjected()).as("still ejected just before %s", d).isTrue();
    ticker.advance(Duration.ofNanos(1));
    assertThat(health.isEjected()).as("back after %s", d).isFalse();
  }
}
