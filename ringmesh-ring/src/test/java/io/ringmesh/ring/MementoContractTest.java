package io.ringmesh.ring;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MementoContractTest extends HashRingContract {
  @Override
  Algorithm algorithm() {
    return Algorithm.MEMENTO;
  }

  @Override
  double maxPeakToMean() {
    return 1.03;
  }

  @Override
  boolean historyIndependent() {
    return false;
  }

  @Test
  void arbitraryRemovalsKeepZeroCollateralAndBalance() {
    HashRing<String> ring = ring(100);
    long[] hashes = keyHashes(ring, 200_000);
    List<Integer> order = List.of(3, 97, 50, 51, 0, 99, 12, 64, 33, 71);
    for (int victim : order) {
      HashRing<String> next = ring.without(id(victim));
      for (long h : hashes) {
        String was = ring.route(h).id();
        if (!was.equals(id(victim))) {
          assertThat(next.route(h).id()).isEqualTo(was);
        }
      }
      ring = next;
    }
    Map<String, Integer> loads = loads(ring, hashes);
    double mean = hashes.length / 90.0;
    assertThat(java.util.Collections.max(loads.values()) / mean).isLessThan(1.10);
  }

  @Test
  void restoringRemovedNodesInReverseOrderRestoresEveryRoute() {
    HashRing<String> original = ring(40);
    HashRing<String> ring = original;
    List<Node<String>> removed = new ArrayList<>();
    for (int victim : new int[] {5, 17, 39, 2}) {
      removed.add(ring.node(id(victim)).orElseThrow());
      ring = ring.without(id(victim));
    }
    for (int i = removed.size() - 1; i >= 0; i--) {
      ring = ring.with(removed.get(i));
    }
    for (long h : keyHashes(original, 50_000)) {
      assertThat(ring.route(h)).isEqualTo(original.route(h));
    }
  }
}
