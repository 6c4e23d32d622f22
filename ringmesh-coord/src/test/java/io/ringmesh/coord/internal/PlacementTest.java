package io.ringmesh.coord.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Where shards and their leaders go, as pure functions of the ensemble. */
class PlacementTest {

  private static Map<String, Integer> ledCounts(List<String> leaders) {
    Map<String, Integer> led = new HashMap<>();
    leaders.forEach(id -> led.merge(id, 1, Integer::sum));
    return led;
  }

  @Test
  void sixteenShardsOnThreeCoordinatorsLeadAtMostSixEach() {
    List<String> ids = List.of("coord-0", "coord-1", "coord-2");
    List<String> leaders = Placement.preferredLeaders(16, ids, 3);
    assertThat(leaders).hasSize(16);
    assertThat(ledCounts(leaders).values()).allMatch(n -> n <= 6).hasSize(3);
  }

  @Test
  void fiveCoordinatorsWithThreeReplicasLeadAtMostTheirShareAndOnlyShardsTheyReplicate() {
    List<String> ids = IntStream.range(0, 5).mapToObj(i -> "c" + i).toList();
    List<String> leaders = Placement.preferredLeaders(16, ids, 3);
    assertThat(ledCounts(leaders).values()).allMatch(n -> n <= 4);
    for (int shard = 0; shard < 16; shard++) {
      assertThat(Placement.replicas(shard, ids, 3)).contains(leaders.get(shard));
    }
  }

  @Test
  void everyCoordinatorComputesTheSameLeaders() {
    List<String> ids = List.of("a", "b", "c");
    assertThat(Placement.preferredLeaders(16, ids, 3))
        .isEqualTo(Placement.preferredLeaders(16, List.copyOf(ids), 3));
  }
}
