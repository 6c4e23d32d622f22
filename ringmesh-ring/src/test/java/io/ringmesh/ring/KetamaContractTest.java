package io.ringmesh.ring;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/**
 * KETAMA_COMPAT keeps ketama's 160 points per server, so it balances and honours weights only as
 * well as ketama does: these bounds are ketama's, not ours.
 */
class KetamaContractTest extends HashRingContract {
  @Override
  Algorithm algorithm() {
    return Algorithm.KETAMA_COMPAT;
  }

  @Override
  double maxPeakToMean() {
    return 1.40;
  }

  @Override
  double maxAddedMovesOverIdeal() {
    return 1.40;
  }

  @Override
  double weightShareTolerance() {
    return 0.30;
  }

  @Test
  void idsMustBeHostAndPort() {
    assertThatThrownBy(() -> builder().node(Node.of("cache-a")).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'cache-a' must be the server's ip:port");
  }
}
