package io.ringmesh.node.internal.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.ringmesh.ring.Algorithm;
import io.ringmesh.ring.HashRing;
import io.ringmesh.ring.Node;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

@Timeout(30)
class RingSharesTest {
  private static HashRing<String> ring(Algorithm algorithm) {
    // Ketama needs ip:port ids; the others take any id.
    return HashRing.<String>builder()
        .algorithm(algorithm)
        .node(Node.of("10.0.0.1:11211", 1))
        .node(Node.of("10.0.0.2:11211", 1))
        .node(Node.of("10.0.0.3:11211", 2))
        .build();
  }

  @ParameterizedTest
  @EnumSource(Algorithm.class)
  void sharesSumToOneAndFollowTheWeights(Algorithm algorithm) {
    Map<String, Double> shares = RingShares.of(ring(algorithm));
    assertThat(shares.keySet())
        .containsExactly("10.0.0.1:11211", "10.0.0.2:11211", "10.0.0.3:11211");
    assertThat(shares.values().stream().mapToDouble(Double::doubleValue).sum())
        .isCloseTo(1.0, within(1e-9));
    // Ketama and the ring place points at random, so allow their imbalance, not only sampling's.
    assertThat(shares.get("10.0.0.3:11211")).as(algorithm.name()).isCloseTo(0.5, within(0.1));
    assertThat(shares.get("10.0.0.1:11211")).as(algorithm.name()).isCloseTo(0.25, within(0.1));
  }

  @Test
  void aServiceRingCarriesWeightsHealthAndTheAlgorithm() {
    RingShares shares = new RingShares();
    HashRing<String> ring = ring(Algorithm.MAGLEV);
    NodeView.ServiceRing view =
        shares.serviceRing("orders", ring, id -> !id.equals("10.0.0.2:11211"));
    assertThat(view.service()).isEqualTo("orders");
    assertThat(view.algorithm()).isEqualTo("maglev");
    List<NodeView.RingMember> members = view.members();
    assertThat(members).extracting(NodeView.RingMember::weight).containsExactly(1.0, 1.0, 2.0);
    assertThat(members).extracting(NodeView.RingMember::healthy).containsExactly(true, false, true);
    // The same snapshot again: the same shares, from the cache.
    assertThat(shares.serviceRing("orders", ring, id -> true).members())
        .extracting(NodeView.RingMember::share)
        .containsExactlyElementsOf(members.stream().map(NodeView.RingMember::share).toList());
  }

  @Test
  void anEmptyRingHasNoShares() {
    HashRing<String> empty = HashRing.<String>builder().build();
    assertThat(RingShares.of(empty)).isEmpty();
  }
}
