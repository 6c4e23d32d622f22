package io.ringmesh.ring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class MaglevContractTest extends HashRingContract {
  @Override
  Algorithm algorithm() {
    return Algorithm.MAGLEV;
  }

  @Override
  double maxPeakToMean() {
    return 1.03;
  }

  @Override
  double maxCollateralFraction() {
    return 0.01;
  }

  /**
   * Maglev's table is rebuilt from the membership, and the newcomer's claims shift other nodes'
   * claims: adding one node to 100 moves about 1.6 times its share (the surplus is collateral,
   * bounded by {@link #maxCollateralFraction()}). This is the price of O(1) lookups with
   * near-perfect balance that depend on the membership alone; MEMENTO and RING move exactly the
   * share.
   */
  @Override
  double maxAddedMovesOverIdeal() {
    return 1 + maxCollateralFraction() * 101;
  }

  @Test
  void tableSizeMustBePrime() {
    assertThatThrownBy(() -> HashRing.builder().maglevTableSize(65_536))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("must be a prime number, was 65536");
  }

  @Test
  void tableSizeMustBeTenTimesTheNodeCount() {
    HashRingBuilder<String> b = builder().maglevTableSize(101);
    for (int i = 0; i < 11; i++) {
      b.node(Node.of(id(i)));
    }
    assertThatThrownBy(b::build)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Maglev table size 101 is smaller than 10 x 11 nodes");
    HashRing<String> ten = ring(10);
    assertThat(ten.size()).isEqualTo(10);
  }

  @Test
  void everyNodeHoldsFloorOrCeilOfItsTableShare() {
    HashRing<String> ring = builder().maglevTableSize(1_009).nodes(ring(7).nodes()).build();
    // Route one hash per table slot: slot s covers hashes h with floor(h * M / 2^64) = s.
    var counts = new java.util.HashMap<String, Integer>();
    for (long s = 0; s < 1_009; s++) {
      // The smallest 64-bit hash whose slot is s: ceil(s * 2^64 / M).
      long hash =
          java.math.BigInteger.valueOf(s)
              .shiftLeft(64)
              .add(java.math.BigInteger.valueOf(1_008))
              .divide(java.math.BigInteger.valueOf(1_009))
              .longValue();
      counts.merge(ring.route(hash).id(), 1, Integer::sum);
    }
    assertThat(counts.values()).allSatisfy(c -> assertThat(c).isBetween(1_009 / 7, 1_009 / 7 + 1));
  }
}
