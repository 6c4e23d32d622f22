package io.ringmesh.ring;

/**
 * The placement algorithms a {@link HashRing} can use. Each trades balance, disruption, lookup
 * speed and memory differently; {@code docs/benchmarks.md} has the measured figures.
 */
public enum Algorithm {
  /**
   * Virtual nodes on a sorted array (Karger et al., STOC 1997): each node places {@code
   * pointsPerWeight * weight} points on a 2<sup>48</sup> circle and owns the arc before each point.
   * Removing a node moves only its keys; adding one takes only its share. Lookups are a table probe
   * plus a short search.
   */
  RING,

  /**
   * Byte-for-byte compatible with libketama and the ketama locators of the Java memcached clients
   * (spymemcached {@code KetamaNodeLocator}): 40 MD5 digests of {@code "ip:port-N"} per server
   * scaled by weight, four 32-bit points per digest, keys hashed with MD5. A node's id must be its
   * {@code ip:port}. Use it to share a keyspace with an existing memcached fleet; otherwise {@link
   * #RING} is faster and better balanced. As in libketama, unequal weights set each server's point
   * count from its share of the total, so a membership change re-scales every server and moves some
   * keys between servers that stayed.
   */
  KETAMA_COMPAT,

  /**
   * Maglev hashing (Eisenbud et al., NSDI 2016): a prime-sized lookup table filled from per-node
   * permutations, weighted. O(1) lookup and near-perfect balance; a membership change moves a
   * little more than the ideal share.
   */
  MAGLEV,

  /**
   * Weighted rendezvous, or highest-random-weight, hashing (Thaler and Ravishankar, 1998): each key
   * goes to the node with the highest weighted score. Perfectly minimal disruption and no memory
   * beyond the node list, at O(n) per lookup.
   */
  RENDEZVOUS,

  /**
   * MementoHash (Coluzzi et al., "MementoHash: A Stateful, Minimal Memory, Best Performing
   * Consistent Hash Algorithm", IEEE/ACM ToN 2024, arXiv 2306.09783) over JumpBackHash (Ertl,
   * 2024): O(1) expected lookup and exactly minimal disruption for arbitrary removals.
   *
   * <p>Unlike the other algorithms, its bucket assignment depends on the order of {@code with} and
   * {@code without} calls: processes agree when they build from the same node set (the builder
   * sorts by id) and apply the same changes in the same order. Routers that each rebuild from a
   * membership set should prefer {@link #RING}, {@link #MAGLEV} or {@link #RENDEZVOUS}, which
   * depend on the set alone.
   */
  MEMENTO
}
