package io.ringmesh.ring.internal;

import io.ringmesh.ring.Node;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * {@link io.ringmesh.ring.Algorithm#RING}: virtual nodes on a sorted array.
 *
 * <h2>Design</h2>
 *
 * <p>Karger et al. ("Consistent Hashing and Random Trees", STOC 1997) place each node at several
 * pseudo-random points on a circle; a key belongs to the first point at or after its own position.
 * Removing a node hands each of its arcs to the next point, so only its keys move; adding one takes
 * only the arcs its new points cut. The balance error of a node's share shrinks as one over the
 * square root of its point count, which is why ketama's 160 points leave peak/mean near 1.2 at 100
 * nodes while our default of 1,024 keeps it under 1.10.
 *
 * <p>Layout. The circle has 2<sup>48</sup> positions. Node {@code i}'s points are the SplitMix64
 * sequence seeded by the XXH3 hash of its id, so they depend on the id alone. Each point is packed
 * into one long, position in the high 48 bits and the owner's rank (its index in id order) in the
 * low 16, and stored sign-flipped so that a signed sort orders positions as unsigned. Two points on
 * the same position (about one collision per 2<sup>48</sup>/P<sup>2</sup>) are ordered by id, so
 * the result is still a function of the membership alone, and removing a node never reorders the
 * others' points: ranks change, but their order does not.
 *
 * <p>Lookup. Dubbo walks a {@code TreeMap}, a pointer chase per level. We cut the circle into two
 * to four equal slots per point. A slot that holds no point (most of them) lies inside one arc and
 * stores its owner, so the lookup is one array read; otherwise the slot points at its first point
 * and a short forward scan, usually one or two comparisons on one cache line, finds the successor.
 * At 1,000 nodes the arrays outgrow the caches, so the count of dependent memory reads, not
 * comparisons, sets the speed.
 */
final class VirtualNodeRing<P> extends AbstractRing<P> {
  static final int MAX_NODES = 1 << 16;
  private static final int MAX_POINTS = 1 << 26;
  private static final int RANK_BITS = 16;
  private static final long RANK_MASK = (1L << RANK_BITS) - 1;

  /** Packed points, sign-flipped, ascending. */
  private final long[] points;

  /**
   * The circle cut into 2<sup>indexBits</sup> equal slots. A negative entry {@code ~rank} means no
   * point falls in the slot, so every key in it belongs to that rank; a non-negative entry is the
   * index of the first point at or after the slot's start, where the search begins.
   */
  private final int[] slots;

  private final int indexBits;

  VirtualNodeRing(RingSettings settings, Node<P>[] sortedNodes) {
    super(settings, sortedNodes);
    if (sortedNodes.length > MAX_NODES) {
      throw new IllegalArgumentException(
          "RING supports at most " + MAX_NODES + " nodes, was given " + sortedNodes.length);
    }
    int[] counts = new int[sortedNodes.length];
    long total = 0;
    for (int r = 0; r < sortedNodes.length; r++) {
      counts[r] = pointCount(sortedNodes[r], settings.pointsPerWeight());
      total += counts[r];
    }
    if (total > MAX_POINTS) {
      throw new IllegalArgumentException(
          "RING would place "
              + total
              + " points, more than "
              + MAX_POINTS
              + "; lower pointsPerWeight or scale the weights down");
    }
    this.points = new long[(int) total];
    int p = 0;
    for (int r = 0; r < sortedNodes.length; r++) {
      long state = idHashes[r];
      for (int j = 0; j < counts[r]; j++) {
        state += Mix.GOLDEN;
        long position = Mix.mix64(state) >>> RANK_BITS;
        points[p++] = ((position << RANK_BITS) | r) ^ Long.MIN_VALUE;
      }
    }
    RadixSort.sort(points);
    this.indexBits = indexBitsFor(points.length);
    this.slots = buildIndex(points, indexBits);
  }

  static int pointCount(Node<?> node, int pointsPerWeight) {
    return (int) Math.max(1, Math.min(MAX_POINTS, Math.round(pointsPerWeight * node.weight())));
  }

  /** About two to four slots per point, so that most slots hold no point and answer at once. */
  private static int indexBitsFor(int pointCount) {
    int bits = 33 - Integer.numberOfLeadingZeros(Math.max(1, pointCount));
    return Math.max(1, Math.min(24, bits));
  }

  private static int[] buildIndex(long[] points, int bits) {
    int size = 1 << bits;
    int[] slots = new int[size];
    int p = 0;
    for (int t = 0; t < size; t++) {
      while (p < points.length && topBits(points[p], bits) < t) {
        p++;
      }
      boolean empty = p == points.length || topBits(points[p], bits) > t;
      if (empty && points.length > 0) {
        slots[t] = ~(int) (points[p == points.length ? 0 : p] & RANK_MASK);
      } else {
        slots[t] = p;
      }
    }
    return slots;
  }

  private static int topBits(long flipped, int bits) {
    return (int) ((flipped ^ Long.MIN_VALUE) >>> (64 - bits));
  }

  private static long probe(long keyHash) {
    return ((keyHash >>> RANK_BITS) << RANK_BITS) ^ Long.MIN_VALUE;
  }

  @Override
  int primaryRank(long keyHash) {
    int slot = slots[(int) (keyHash >>> (64 - indexBits))];
    if (slot < 0) {
      return ~slot;
    }
    long probe = probe(keyHash);
    long[] pts = points;
    for (int i = slot; i < pts.length; i++) {
      if (pts[i] >= probe) {
        return (int) (pts[i] & RANK_MASK);
      }
    }
    return (int) (pts[0] & RANK_MASK);
  }

  /** Index of the first point at or after the key's position, wrapping to 0. */
  private int successor(long keyHash) {
    int i = Arrays.binarySearch(points, probe(keyHash));
    if (i < 0) {
      i = -i - 1;
    }
    return i == points.length ? 0 : i;
  }

  @Override
  public List<Node<P>> preferenceList(long keyHash, int k) {
    checkK(k);
    checkNotEmpty();
    int want = Math.min(k, nodes.length);
    List<Node<P>> out = new ArrayList<>(want);
    boolean[] seen = new boolean[nodes.length];
    int i = successor(keyHash);
    while (out.size() < want) {
      int rank = (int) (points[i] & RANK_MASK);
      if (!seen[rank]) {
        seen[rank] = true;
        out.add(nodes[rank]);
      }
      i = i + 1 == points.length ? 0 : i + 1;
    }
    return out;
  }

  @Override
  public long memoryBytes() {
    return 8L * points.length + 4L * slots.length + 8L * idHashes.length;
  }
}
