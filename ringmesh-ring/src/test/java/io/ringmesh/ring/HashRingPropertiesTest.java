package io.ringmesh.ring;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/** Properties over random memberships, keys and changes, for every algorithm. */
class HashRingPropertiesTest {

  record Membership(Algorithm algorithm, List<String> ids, List<Integer> weights) {
    HashRing<String> ring() {
      HashRingBuilder<String> b = HashRing.<String>builder().algorithm(algorithm);
      for (int i = 0; i < ids.size(); i++) {
        b.node(Node.of(ids.get(i), weights.get(i)));
      }
      return b.build();
    }
  }

  @Provide
  Arbitrary<Membership> memberships() {
    Arbitrary<List<String>> ids =
        Arbitraries.integers()
            .between(0, 5_000)
            .set()
            .ofMinSize(1)
            .ofMaxSize(40)
            .map(
                set ->
                    set.stream().map(i -> "10.3." + (i / 250) + "." + (i % 250) + ":80").toList());
    return Combinators.combine(Arbitraries.of(Algorithm.class), ids)
        .flatAs(
            (algorithm, list) ->
                Arbitraries.integers()
                    .between(1, 4)
                    .list()
                    .ofSize(list.size())
                    .map(weights -> new Membership(algorithm, list, weights)));
  }

  @Property(tries = 150)
  void routesToAMemberAndPreferenceListsAreDistinct(
      @ForAll("memberships") Membership m,
      @ForAll long keyHash,
      @ForAll @IntRange(min = 1, max = 50) int k) {
    HashRing<String> ring = m.ring();
    Node<String> node = ring.route(keyHash);
    assertThat(m.ids()).contains(node.id());
    List<Node<String>> list = ring.preferenceList(keyHash, k);
    assertThat(list).hasSize(Math.min(k, m.ids().size()));
    assertThat(new HashSet<>(list)).hasSameSizeAs(list);
    assertThat(list.get(0)).isEqualTo(node);
  }

  @Property(tries = 100)
  void removingAMemberMovesOnlyItsKeys(
      @ForAll("memberships") Membership m, @ForAll @IntRange(min = 0, max = 1_000) int pick) {
    if (m.ids().size() < 2) {
      return;
    }
    HashRing<String> ring = m.ring();
    String victim = m.ids().get(pick % m.ids().size());
    HashRing<String> after = ring.without(victim);
    Set<String> collateral = new HashSet<>();
    for (int i = 0; i < 2_000; i++) {
      long h = ring.hash("k" + i);
      String was = ring.route(h).id();
      String now = after.route(h).id();
      assertThat(now).isNotEqualTo(victim);
      if (!was.equals(victim) && !was.equals(now)) {
        collateral.add("k" + i);
      }
    }
    // Maglev trades a little collateral for O(1) balance; weighted ketama re-scales every
    // server's points when the total weight changes, exactly as libketama does.
    boolean weightedKetama =
        m.algorithm() == Algorithm.KETAMA_COMPAT && new HashSet<>(m.weights()).size() > 1;
    if (m.algorithm() != Algorithm.MAGLEV && !weightedKetama) {
      assertThat(collateral).isEmpty();
    }
  }

  @Property(tries = 100)
  void withThenWithoutIsTheIdentity(@ForAll("memberships") Membership m) {
    HashRing<String> ring = m.ring();
    HashRing<String> back = ring.with(Node.of("10.4.4.4:80", 2)).without("10.4.4.4:80");
    for (int i = 0; i < 1_000; i++) {
      long h = ring.hash("key/" + i);
      assertThat(back.route(h)).isEqualTo(ring.route(h));
    }
  }
}
