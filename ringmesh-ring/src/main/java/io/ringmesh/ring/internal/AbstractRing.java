package io.ringmesh.ring.internal;

import io.ringmesh.ring.Algorithm;
import io.ringmesh.ring.HashRing;
import io.ringmesh.ring.KeyHash;
import io.ringmesh.ring.Node;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * What every snapshot shares: members sorted by id (their "rank" is the index), lookup by id, and
 * rendezvous ordering for the preference-list tail of algorithms that have no natural successor.
 *
 * <p>Subclasses give {@link #primaryRank(long)}; their arrays are built once in the constructor and
 * never written again, so snapshots are safely published through a final field or a volatile.
 */
abstract class AbstractRing<P> implements HashRing<P> {
  final RingSettings settings;

  /** Members sorted by id; a member's index here is its rank. */
  final Node<P>[] nodes;

  /** {@link KeyHash#of(CharSequence)} of each member's id, by rank. */
  final long[] idHashes;

  private final List<Node<P>> nodeList;
  private final boolean equalWeights;
  private final double totalWeight;

  AbstractRing(RingSettings settings, Node<P>[] sortedNodes) {
    this.settings = settings;
    this.nodes = sortedNodes;
    this.nodeList = List.of(sortedNodes);
    this.idHashes = new long[sortedNodes.length];
    boolean equal = true;
    double sum = 0;
    for (int i = 0; i < sortedNodes.length; i++) {
      idHashes[i] = KeyHash.of(sortedNodes[i].id());
      equal &= sortedNodes[i].weight() == sortedNodes[0].weight();
      sum += sortedNodes[i].weight();
    }
    this.equalWeights = equal;
    this.totalWeight = sum;
  }

  /** The rank of the node that owns {@code keyHash}; only called on a non-empty ring. */
  abstract int primaryRank(long keyHash);

  @Override
  public final Algorithm algorithm() {
    return settings.algorithm();
  }

  @Override
  public long hash(byte[] key) {
    return KeyHash.of(key);
  }

  @Override
  public long hash(CharSequence key) {
    return KeyHash.of(key);
  }

  @Override
  public final Node<P> route(long keyHash) {
    checkNotEmpty();
    return nodes[primaryRank(keyHash)];
  }

  @Override
  public List<Node<P>> preferenceList(long keyHash, int k) {
    checkK(k);
    checkNotEmpty();
    int primary = primaryRank(keyHash);
    return withRendezvousTail(keyHash, primary, Math.min(k, nodes.length));
  }

  @Override
  public HashRing<P> with(Node<P> node) {
    if (indexOf(node.id()) >= 0) {
      throw new IllegalArgumentException("node '" + node.id() + "' is already in the ring");
    }
    List<Node<P>> members = new ArrayList<>(nodeList);
    members.add(node);
    return RingFactory.build(settings, members);
  }

  @Override
  public HashRing<P> without(String id) {
    int rank = requireRank(id);
    List<Node<P>> members = new ArrayList<>(nodeList);
    members.remove(rank);
    return RingFactory.build(settings, members);
  }

  @Override
  public final List<Node<P>> nodes() {
    return nodeList;
  }

  @Override
  public final Optional<Node<P>> node(String id) {
    int rank = indexOf(id);
    return rank < 0 ? Optional.empty() : Optional.of(nodes[rank]);
  }

  @Override
  public final int size() {
    return nodes.length;
  }

  @Override
  public final double totalWeight() {
    return totalWeight;
  }

  @Override
  public String toString() {
    return algorithm() + nodeList.toString();
  }

  final int indexOf(String id) {
    return Arrays.binarySearch(nodes, Node.of(id), BY_ID);
  }

  final int requireRank(String id) {
    int rank = indexOf(id);
    if (rank < 0) {
      throw new IllegalArgumentException("no node '" + id + "' in the ring");
    }
    return rank;
  }

  final void checkNotEmpty() {
    if (nodes.length == 0) {
      throw new IllegalStateException("no nodes in the ring");
    }
  }

  static void checkK(int k) {
    if (k < 1) {
      throw new IllegalArgumentException("preference list length k must be at least 1, was " + k);
    }
  }

  /**
   * Weighted rendezvous score of a member for a key (Schindelhauer and Schomaker's logarithmic
   * method): {@code w / -ln(u)} with {@code u} uniform in (0,1) from the pair's hash. The node with
   * the highest score wins, and each node wins in proportion to its weight. When all weights are
   * equal the score is monotone in {@code u}, so {@code u} itself is compared, which is cheaper and
   * orders the same way.
   */
  final double rendezvousScore(long keyHash, int rank) {
    long u = Mix.mix64(keyHash ^ idHashes[rank]);
    if (equalWeights) {
      return (double) (u >>> 11);
    }
    return nodes[rank].weight() / -Math.log(Mix.unitOpen(u));
  }

  /** The rank with the highest rendezvous score; ties go to the lower rank. */
  final int rendezvousWinner(long keyHash) {
    int best = 0;
    double bestScore = rendezvousScore(keyHash, 0);
    for (int r = 1; r < nodes.length; r++) {
      double s = rendezvousScore(keyHash, r);
      if (s > bestScore) {
        best = r;
        bestScore = s;
      }
    }
    return best;
  }

  /**
   * {@code first}, then the other members in descending rendezvous order, {@code count} in all.
   * Rendezvous order keeps a key's failover node stable when unrelated members come and go.
   */
  final List<Node<P>> withRendezvousTail(long keyHash, int first, int count) {
    List<Node<P>> out = new ArrayList<>(count);
    out.add(nodes[first]);
    if (count == 1) {
      return out;
    }
    int n = nodes.length;
    double[] scores = new double[n];
    for (int r = 0; r < n; r++) {
      scores[r] = r == first ? Double.NEGATIVE_INFINITY : rendezvousScore(keyHash, r);
    }
    if (count <= 8) {
      for (int taken = 1; taken < count; taken++) {
        int best = -1;
        for (int r = 0; r < n; r++) {
          if (scores[r] != Double.NEGATIVE_INFINITY && (best < 0 || scores[r] > scores[best])) {
            best = r;
          }
        }
        out.add(nodes[best]);
        scores[best] = Double.NEGATIVE_INFINITY;
      }
      return out;
    }
    Integer[] order = new Integer[n];
    for (int r = 0; r < n; r++) {
      order[r] = r;
    }
    Arrays.sort(order, (a, b) -> a.equals(b) ? 0 : compareScores(scores, a, b));
    for (int i = 0; out.size() < count; i++) {
      if (order[i] != first) {
        out.add(nodes[order[i]]);
      }
    }
    return out;
  }

  private static int compareScores(double[] scores, int a, int b) {
    int c = Double.compare(scores[b], scores[a]);
    return c != 0 ? c : Integer.compare(a, b);
  }

  static final Comparator<Node<?>> BY_ID = Comparator.comparing(Node::id);
}
