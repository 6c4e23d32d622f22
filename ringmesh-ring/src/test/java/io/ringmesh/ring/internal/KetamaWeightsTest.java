package io.ringmesh.ring.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.ringmesh.ring.Algorithm;
import io.ringmesh.ring.HashRing;
import io.ringmesh.ring.Node;
import org.junit.jupiter.api.Test;

class KetamaWeightsTest {

  private static int points(double... weights) {
    HashRing<String> ring = HashRing.<String>builder().algorithm(Algorithm.KETAMA_COMPAT).build();
    for (int i = 0; i < weights.length; i++) {
      ring = ring.with(Node.of("10.0.0." + (i + 1) + ":11211", weights[i]));
    }
    return ((KetamaRing<String>) ring).pointCount();
  }

  /**
   * libketama gives server i {@code floorf(pct * 40.0 * (float) n)} digests of four points, with
   * {@code pct = (float) w / (float) W}. Weights 1 and 2: 1/3f * 80 = 26.67 gives 26 digests and
   * 2/3f * 80 = 53.33 gives 53, so 316 points where exact arithmetic would give 320.
   */
  @Test
  void digestCountsFollowLibketamasFloatRounding() {
    assertThat(points(1, 2)).isEqualTo(4 * (26 + 53));
    assertThat(points(1, 1, 1)).isEqualTo(3 * 160);
    assertThat(points(5, 3, 2)).isEqualTo(4 * (60 + 36 + 24));
  }
}
