package io.ringmesh.coord.internal;

import io.ringmesh.ring.Algorithm;
import io.ringmesh.ring.HashRing;
import io.ringmesh.ring.HashRingBuilder;
import io.ringmesh.ring.Node;
import java.util.List;

/**
 * Where things live: lock names on shards, and shards on coordinators, both by consistent hashing
 * ({@code ringmesh-ring}).
 *
 * <p>Names map to shards over a ring of S equal nodes {@code shard-0 .. shard-(S-1)} under {@link
 * Algorithm#RING}; S and the algorithm are fixed when the cluster is created, since a lock must
 * stay on the shard whose log holds its tokens. Shards map to coordinators by the first R distinct
 * coordinators of the ring's preference list for {@code shard-i}, so that adding a coordinator
 * moves only the shards whose list changed. Immutable and thread-safe.
 */
public final class Placement {
  /** The algorithm that routes names to shards; recorded in the cluster metadata. */
  public static final Algorithm SHARD_ROUTING = Algorithm.RING;

  private final int shards;
  private final HashRing<Integer> nameRing;

  public Placement(int shards) {
    if (shards < 1) {
      throw new IllegalArgumentException("shard count must be at least 1, was " + shards);
    }
    this.shards = shards;
    HashRingBuilder<Integer> b = HashRing.<Integer>builder().algorithm(SHARD_ROUTING);
    for (int i = 0; i < shards; i++) {
      b.node(Node.of(shardKey(i), 1, i));
    }
    this.nameRing = b.build();
  }

  /** The number of shards. */
  public int shards() {
    return shards;
  }

  /** The shard of the lock {@code name}. */
  public int shardOf(String name) {
    Integer shard = nameRing.route(name).payload();
    if (shard == null) {
      throw new IllegalStateException("shard ring node without payload");
    }
    return shard;
  }

  /** The ring key of shard {@code i}, also its key in the coordinators' ring. */
  public static String shardKey(int shard) {
    return "shard-" + shard;
  }

  /**
   * The coordinators that replicate {@code shard}: the first {@code min(replicas, n)} distinct ids
   * in the preference list of the shard's key over {@code coordinatorIds}.
   */
  public static List<String> replicas(int shard, List<String> coordinatorIds, int replicas) {
    HashRingBuilder<String> b = HashRing.<String>builder().algorithm(Algorithm.RENDEZVOUS);
    for (String id : coordinatorIds) {
      b.node(Node.of(id, 1, id));
    }
    return b.build().preferenceList(shardKey(shard), replicas).stream().map(Node::id).toList();
  }

  /**
   * The coordinator that should lead each shard: among a shard's replicas, the one that leads the
   * fewest shards so far, walking shards in order (ties go to the earlier replica in the shard's
   * preference list). Deterministic, so every coordinator computes the same answer, and balanced:
   * with S shards on n coordinators each leads at most {@code ceil(S/n)} when every shard is on
   * every coordinator. Ratis priorities then make these the leaders whenever they are up.
   */
  public static List<String> preferredLeaders(
      int shards, List<String> coordinatorIds, int replicas) {
    java.util.Map<String, Integer> led = new java.util.HashMap<>();
    List<String> out = new java.util.ArrayList<>(shards);
    for (int i = 0; i < shards; i++) {
      String best = null;
      for (String id : replicas(i, coordinatorIds, replicas)) {
        if (best == null || led.getOrDefault(id, 0) < led.getOrDefault(best, 0)) {
          best = id;
        }
      }
      if (best == null) {
        throw new IllegalArgumentException("no coordinators to place shard " + i + " on");
      }
      led.merge(best, 1, Integer::sum);
      out.add(best);
    }
    return out;
  }
}
