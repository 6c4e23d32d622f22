package io.ringmesh.cluster.internal;

import io.ringmesh.ring.HashRing;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * One service's routing state at one moment: the ring over its instances (null when there are none)
 * and the same nodes as a list, for key-less picks. Immutable; the nodes' own counters are not part
 * of the snapshot.
 *
 * @param generation orders snapshots; a rebuild never replaces a newer one
 * @param ring the ring by node id, whose payloads are the nodes' states; null if no instance
 * @param nodes every node, sorted by id
 */
public record RoutingSnapshot(
    long generation, @Nullable HashRing<NodeState> ring, List<NodeState> nodes) {

  public RoutingSnapshot {
    nodes = List.copyOf(nodes);
  }
}
