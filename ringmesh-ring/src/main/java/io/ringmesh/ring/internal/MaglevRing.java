package io.ringmesh.ring.internal;

import io.ringmesh.ring.Node;

/**
 * {@link io.ringmesh.ring.Algorithm#MAGLEV}: a prime-sized lookup table filled from per-node
 * permutations, weighted.
 *
 * <h2>Design</h2>
 *
 * <p>Eisenbud et al., "Maglev: A Fast and Reliable Software Network Load Balancer" (NSDI 2016),
 * section 3.4. Each node {@code i} has a permutation of the table slots, {@code (offset_i + j *
 * skip_i) mod M}; with {@code M} prime every {@code skip} in [1, M-1] visits every slot. Nodes take
 * turns claiming the next free slot of their permutation until the table is full, so every node
 * holds {@code floor(M/n)} or {@code ceil(M/n)} slots: near-perfect balance, independent of the
 * keys. A lookup is one reduction and one array read.
 *
 * <p>Weights. A node takes its turn in round {@code t} only while {@code t * w_i / w_max} exceeds
 * the slots it holds, so its share follows its weight (the scheme Envoy uses for weighted Maglev).
 *
 * <p>Disruption. The table is a function of the membership (nodes take turns in id order), so
 * clients agree. A change shifts the claiming order and moves a few slots between surviving nodes;
 * the paper measures this, and our benchmarks report it as collateral moves (under 1% at M =
 * 65,537, n = 100). {@code M >= 10 n} is enforced; {@code M > 100 n} keeps shares within about 1%.
 *
 * <p>Preference lists continue with rendezvous order, which, unlike walking the table, keeps a
 * key's failover node stable when unrelated nodes change.
 */
final class MaglevRing<P> extends AbstractRing<P> {
  private static final long OFFSET_SEED = 0x6A09E667F3BCC908L;
  private static final long SKIP_SEED = 0xBB67AE8584CAA73BL;

  /** Owner rank per slot. */
  private final int[] table;

  MaglevRing(RingSettings settings, Node<P>[] sortedNodes) {
    super(settings, sortedNodes);
    int m = settings.maglevTableSize();
    int n = sortedNodes.length;
    if (n > 0 && (long) m < 10L * n) {
      throw new IllegalArgumentException(
          "Maglev table size "
              + m
              + " is smaller than 10 x "
              + n
              + " nodes; choose a prime of at least "
              + 10L * n
              + " (100 x nodes keeps shares within about 1%)");
    }
    this.table = n == 0 ? new int[0] : populate(m, sortedNodes);
  }

  private int[] populate(int m, Node<P>[] sortedNodes) {
    int n = sortedNodes.length;
    int[] offset = new int[n];
    int[] skip = new int[n];
    int[] next = new int[n];
    int[] held = new int[n];
    double[] relative = new double[n];
    double maxWeight = 0;
    for (Node<P> node : sortedNodes) {
      maxWeight = Math.max(maxWeight, node.weight());
    }
    for (int r = 0; r < n; r++) {
      offset[r] = Mix.reduce(Mix.mix64(idHashes[r] ^ OFFSET_SEED), m);
      skip[r] = Mix.reduce(Mix.mix64(idHashes[r] ^ SKIP_SEED), m - 1) + 1;
      next[r] = offset[r];
      relative[r] = sortedNodes[r].weight() / maxWeight;
    }
    int[] slots = new int[m];
    java.util.Arrays.fill(slots, -1);
    int filled = 0;
    for (long round = 1; filled < m; round++) {
      for (int r = 0; r < n && filled < m; r++) {
        if (round * relative[r] <= held[r]) {
          continue;
        }
        int c = next[r];
        while (slots[c] >= 0) {
          c += skip[r];
          if (c >= m) {
            c -= m;
          }
        }
        slots[c] = r;
        held[r]++;
        filled++;
        c += skip[r];
        next[r] = c >= m ? c - m : c;
      }
    }
    return slots;
  }

  @Override
  int primaryRank(long keyHash) {
    return table[Mix.reduce(keyHash, table.length)];
  }

  @Override
  public long memoryBytes() {
    return 4L * table.length + 8L * idHashes.length;
  }
}
