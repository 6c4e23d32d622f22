package io.ringmesh.ring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class RingContractTest extends HashRingContract {
  @Override
  Algorithm algorithm() {
    return Algorithm.RING;
  }

  @Override
  double maxPeakToMean() {
    return 1.10;
  }

  @Test
  void ketamaLikePointCountBalancesWorse() {
    HashRing<String> ketamaLike = HashRing.<String>builder().pointsPerWeight(160).build();
    for (int i = 0; i < 100; i++) {
      ketamaLike = ketamaLike.with(Node.of(id(i)));
    }
    var loads = loads(ketamaLike, keyHashes(ketamaLike, KEYS));
    double peak = java.util.Collections.max(loads.values()) / (KEYS / 100.0);
    assertThat(peak).isGreaterThan(maxPeakToMean());
  }

  @Test
  void pointsPerWeightIsValidated() {
    assertThatThrownBy(() -> HashRing.builder().pointsPerWeight(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("pointsPerWeight must be in [1, 65536], was 0");
    assertThatThrownBy(() -> HashRing.builder().pointsPerWeight(10).pointsPerWeight(20))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("pointsPerWeight was already set to 10");
  }
}
