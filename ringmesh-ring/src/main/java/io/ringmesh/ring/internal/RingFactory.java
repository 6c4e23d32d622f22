package io.ringmesh.ring.internal;

import io.ringmesh.ring.HashRing;
import io.ringmesh.ring.Node;
import java.util.Arrays;
import java.util.List;

/** Builds a snapshot of the configured algorithm from a membership. */
public final class RingFactory {
  private RingFactory() {}

  /** Builds a ring; the order of {@code members} does not matter. */
  public static <P> HashRing<P> build(RingSettings settings, List<Node<P>> members) {
    Node<P>[] sorted = sortedUnique(members);
    return switch (settings.algorithm()) {
      case RING -> new VirtualNodeRing<>(settings, sorted);
      case KETAMA_COMPAT -> new KetamaRing<>(settings, sorted);
      case MAGLEV -> new MaglevRing<>(settings, sorted);
      case RENDEZVOUS -> new RendezvousRing<>(settings, sorted);
      case MEMENTO -> new MementoRing<>(settings, sorted);
    };
  }

  /** Members sorted by id; a duplicate id fails with a message naming it. */
  static <P> Node<P>[] sortedUnique(List<Node<P>> members) {
    @SuppressWarnings("unchecked")
    Node<P>[] sorted = members.toArray((Node<P>[]) new Node<?>[0]);
    Arrays.sort(sorted, AbstractRing.BY_ID);
    for (int i = 1; i < sorted.length; i++) {
      if (sorted[i].id().equals(sorted[i - 1].id())) {
        throw new IllegalArgumentException(
            "duplicate node id '" + sorted[i].id() + "'; node ids must be unique");
      }
    }
    return sorted;
  }
}
