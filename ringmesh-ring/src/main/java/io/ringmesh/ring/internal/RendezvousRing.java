package io.ringmesh.ring.internal;

import io.ringmesh.ring.Node;

/**
 * {@link io.ringmesh.ring.Algorithm#RENDEZVOUS}: weighted highest-random-weight hashing.
 *
 * <h2>Design</h2>
 *
 * <p>Thaler and Ravishankar, "Using name-based mappings to increase hit rates" (IEEE/ACM ToN 1998):
 * every node scores every key, and the highest score wins. Removing a node moves only the keys it
 * won; adding one takes only the keys it now wins; no state but the node list. Weights use the
 * logarithmic method (score {@code w / -ln(u)}), under which a node wins a share of keys equal to
 * its share of the weight. The price is O(n) per lookup, which at 1,000 nodes is microseconds, so
 * this algorithm suits small memberships, such as placing shards on coordinators.
 */
final class RendezvousRing<P> extends AbstractRing<P> {

  RendezvousRing(RingSettings settings, Node<P>[] sortedNodes) {
    super(settings, sortedNodes);
  }

  @Override
  int primaryRank(long keyHash) {
    return rendezvousWinner(keyHash);
  }

  @Override
  public long memoryBytes() {
    return 8L * idHashes.length;
  }
}
