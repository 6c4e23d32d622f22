package io.ringmesh.ring.internal;

import com.dynatrace.hash4j.consistent.ConsistentBucketHasher;
import com.dynatrace.hash4j.consistent.ConsistentHashing;
import io.ringmesh.ring.HashRing;
import io.ringmesh.ring.Node;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * {@link io.ringmesh.ring.Algorithm#MEMENTO}: MementoHash over JumpBackHash.
 *
 * <h2>Design</h2>
 *
 * <p>Jump-style hashes (Lamping and Veach, arXiv 1406.2294; Ertl's JumpBackHash, 2024) map a key to
 * one of {@code b} buckets in O(1) with perfect balance and minimal disruption, but only the last
 * bucket can be removed. MementoHash (Coluzzi, Brocco, Antonucci and Leidi, IEEE/ACM ToN 2024,
 * arXiv 2306.09783) lifts that limit with a small replacement table: when bucket {@code x} is
 * removed while {@code w} buckets work, it records {@code replacer[x] = w - 1}. A key that lands on
 * a removed bucket is rehashed into {@code [0, replacer)}; if it lands on a bucket removed earlier
 * (a larger replacer), it follows that bucket's replacer, which stands for the bucket that took its
 * place. Only keys of the removed bucket move, and each working bucket keeps an equal share.
 * Restoring takes the most recently removed bucket first, which undoes a removal exactly.
 *
 * <p>We keep the table as arrays over the b-array instead of the paper's hash map: a snapshot is
 * immutable and copied on change, and an array read is the fastest lookup.
 *
 * <p>Weights become whole buckets: a node of weight {@code w} holds {@code max(1, round(w))}
 * buckets, removed in descending order and restored as the paper restores them.
 *
 * <p>History. The bucket assignment depends on the order of changes, not only on the membership:
 * see {@link io.ringmesh.ring.Algorithm#MEMENTO}. A fresh build assigns buckets in id order.
 */
final class MementoRing<P> extends AbstractRing<P> {
  private static final ConsistentBucketHasher JUMP_BACK =
      ConsistentHashing.jumpBackHashSplitMix64();
  private static final int WORKING = -1;

  /** The bucket array: who owns each bucket, and how removed ones are replaced. */
  private final State<P> state;

  /** Owner rank per bucket, or -1 for a removed bucket. */
  private final int[] bucketRank;

  MementoRing(RingSettings settings, Node<P>[] sortedNodes) {
    this(settings, sortedNodes, State.fresh(sortedNodes));
  }

  private MementoRing(RingSettings settings, Node<P>[] sortedNodes, State<P> state) {
    super(settings, sortedNodes);
    this.state = state;
    this.bucketRank = new int[state.size];
    for (int b = 0; b < state.size; b++) {
      Node<P> owner = state.owner[b];
      bucketRank[b] = owner == null ? -1 : indexOf(owner.id());
    }
  }

  static int bucketsFor(Node<?> node) {
    return (int) Math.max(1, Math.min(1 << 20, Math.round(node.weight())));
  }

  @Override
  int primaryRank(long keyHash) {
    int[] replacer = state.replacer;
    int b = JUMP_BACK.getBucket(keyHash, state.size);
    int r = replacer[b];
    while (r >= 0) {
      b = Mix.reduce(Mix.mix64(keyHash ^ ((b + 1L) * Mix.GOLDEN)), r);
      int older = replacer[b];
      while (older >= r) {
        b = older;
        older = replacer[b];
      }
      r = older;
    }
    return bucketRank[b];
  }

  @Override
  public HashRing<P> with(Node<P> node) {
    if (indexOf(node.id()) >= 0) {
      throw new IllegalArgumentException("node '" + node.id() + "' is already in the ring");
    }
    State<P> next = state.copy(bucketsFor(node));
    for (int i = bucketsFor(node); i > 0; i--) {
      next.owner[next.restore()] = node;
    }
    List<Node<P>> members = new ArrayList<>(nodes());
    members.add(node);
    return new MementoRing<>(settings, RingFactory.sortedUnique(members), next);
  }

  @Override
  public HashRing<P> without(String id) {
    int rank = requireRank(id);
    State<P> next = state.copy(0);
    for (int b = next.size - 1; b >= 0; b--) {
      if (bucketRank[b] == rank) {
        next.remove(b);
      }
    }
    List<Node<P>> members = new ArrayList<>(nodes());
    members.remove(rank);
    return new MementoRing<>(settings, RingFactory.sortedUnique(members), next.trimmed());
  }

  @Override
  public long memoryBytes() {
    return 3L * 4 * state.replacer.length + 8L * idHashes.length;
  }

  /** Mutable while a change is applied, then frozen into a snapshot. */
  private static final class State<P> {
    Node<P>[] owner;
    int[] replacer;
    int[] previous;
    int size;
    int removed;
    int lastRemoved;

    static <P> State<P> fresh(Node<P>[] sortedNodes) {
      int total = 0;
      for (Node<P> node : sortedNodes) {
        total += bucketsFor(node);
      }
      State<P> s = new State<>();
      s.owner = newOwners(total);
      s.replacer = new int[total];
      s.previous = new int[total];
      Arrays.fill(s.replacer, WORKING);
      int b = 0;
      for (Node<P> node : sortedNodes) {
        for (int i = bucketsFor(node); i > 0; i--) {
          s.owner[b++] = node;
        }
      }
      s.size = total;
      s.lastRemoved = total;
      return s;
    }

    @SuppressWarnings("unchecked")
    private static <P> Node<P>[] newOwners(int n) {
      return (Node<P>[]) new Node<?>[n];
    }

    State<P> copy(int extra) {
      State<P> s = new State<>();
      int capacity = size + extra;
      s.owner = Arrays.copyOf(owner, capacity);
      s.replacer = Arrays.copyOf(replacer, capacity);
      s.previous = Arrays.copyOf(previous, capacity);
      Arrays.fill(s.replacer, size, capacity, WORKING);
      s.size = size;
      s.removed = removed;
      s.lastRemoved = lastRemoved;
      return s;
    }

    /** Restores the most recently removed bucket, or appends one; returns it. */
    int restore() {
      if (removed == 0) {
        int b = size++;
        lastRemoved = size;
        return b;
      }
      int b = lastRemoved;
      lastRemoved = previous[b];
      replacer[b] = WORKING;
      removed--;
      return b;
    }

    void remove(int b) {
      owner[b] = null;
      if (removed == 0 && b == size - 1) {
        size--;
        lastRemoved = size;
        return;
      }
      replacer[b] = size - removed - 1;
      previous[b] = lastRemoved;
      lastRemoved = b;
      removed++;
    }

    /** Drops array capacity beyond {@link #size} after removals shrank the b-array. */
    State<P> trimmed() {
      if (owner.length == size) {
        return this;
      }
      owner = Arrays.copyOf(owner, size);
      replacer = Arrays.copyOf(replacer, size);
      previous = Arrays.copyOf(previous, size);
      return this;
    }
  }
}
