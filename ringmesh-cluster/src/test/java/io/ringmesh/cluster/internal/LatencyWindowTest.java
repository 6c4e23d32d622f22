package io.ringmesh.cluster.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class LatencyWindowTest {

  @Test
  void thereIsNoEstimateBeforeEnoughSamples() {
    LatencyWindow w = new LatencyWindow();
    for (int i = 0; i < LatencyWindow.MIN_SAMPLES - 1; i++) {
      w.record(1_000);
    }
    assertThat(w.p95()).isEqualTo(-1);
  }

  @Test
  void theEstimateIsThe95thPercentileOfTheLastSamples() {
    LatencyWindow w = new LatencyWindow();
    // 1..100 ms, shuffled by a stride coprime to 100: the 95th percentile is 95 ms.
    for (int i = 0; i < 128; i++) {
      w.record(((i * 37L) % 100 + 1) * 1_000_000);
    }
    assertThat(w.p95()).isBetween(94_000_000L, 96_000_000L);
  }

  @Test
  void oldSamplesAgeOut() {
    LatencyWindow w = new LatencyWindow();
    for (int i = 0; i < LatencyWindow.SIZE; i++) {
      w.record(500_000_000);
    }
    assertThat(w.p95()).isEqualTo(500_000_000);
    for (int i = 0; i < LatencyWindow.SIZE; i++) {
      w.record(2_000_000);
    }
    assertThat(w.p95()).isEqualTo(2_000_000);
  }
}
