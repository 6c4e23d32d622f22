package io.ringmesh.ring;

import java.util.List;
import java.util.Optional;

/**
 * An immutable snapshot of a membership that routes keys to nodes under one {@link Algorithm}.
 *
 * <p>Every method is a pure function of the snapshot: the same membership, algorithm and settings
 * give the same answers in every process. Changes return new snapshots ({@link #with}, {@link
 * #without}); publish them to readers through a {@link RingHolder}. Snapshots are thread-safe and
 * never block.
 *
 * <p>Routing an empty ring throws {@link IllegalStateException} ("no nodes in the ring").
 *
 * @param <P> payload type of the nodes
 */
public interface HashRing<P> {

  /**
   * A builder for a ring of payload type {@code P}; the algorithm defaults to {@link
   * Algorithm#RING}.
   */
  static <P> HashRingBuilder<P> builder() {
    return new HashRingBuilder<>();
  }

  /** The algorithm of this snapshot. */
  Algorithm algorithm();

  /**
   * The hash this ring routes {@code key} by: {@link KeyHash#of(byte[])} for every algorithm but
   * {@link Algorithm#KETAMA_COMPAT}, whose hash is ketama's 32-bit MD5 point, zero-extended.
   */
  long hash(byte[] key);

  /** The hash of the UTF-8 bytes of {@code key}; see {@link #hash(byte[])}. */
  long hash(CharSequence key);

  /** The node that owns {@code key}. */
  default Node<P> route(byte[] key) {
    return route(hash(key));
  }

  /** The node that owns {@code key}, hashed as UTF-8. */
  default Node<P> route(CharSequence key) {
    return route(hash(key));
  }

  /** The node that owns a key whose {@link #hash} is {@code keyHash}. */
  Node<P> route(long keyHash);

  /**
   * The first {@code min(k, size())} distinct nodes for {@code key}, primary first. The order is
   * the failover order: the second node is where a caller goes when the primary cannot serve.
   *
   * @throws IllegalArgumentException if {@code k < 1}
   */
  default List<Node<P>> preferenceList(byte[] key, int k) {
    return preferenceList(hash(key), k);
  }

  /** {@link #preferenceList(byte[], int)} for a character key, hashed as UTF-8. */
  default List<Node<P>> preferenceList(CharSequence key, int k) {
    return preferenceList(hash(key), k);
  }

  /** {@link #preferenceList(byte[], int)} for a key whose {@link #hash} is {@code keyHash}. */
  List<Node<P>> preferenceList(long keyHash, int k);

  /**
   * A snapshot with {@code node} added; this one is unchanged.
   *
   * @throws IllegalArgumentException if a node with the same id is already present
   */
  HashRing<P> with(Node<P> node);

  /**
   * A snapshot without the node {@code id}; this one is unchanged.
   *
   * @throws IllegalArgumentException if there is no node {@code id}
   */
  HashRing<P> without(String id);

  /** The members, sorted by id. */
  List<Node<P>> nodes();

  /** The member with this id, if any. */
  Optional<Node<P>> node(String id);

  /** The number of members. */
  int size();

  /** The sum of the members' weights. */
  double totalWeight();

  /**
   * An estimate of the heap this snapshot's lookup structures use, in bytes, for comparing
   * algorithms. It counts arrays, not the nodes' payloads.
   */
  long memoryBytes();
}
