package io.ringmesh.ring;

import org.jspecify.annotations.Nullable;

/**
 * A member of a ring: a stable id, a positive weight, and an optional opaque payload such as an
 * address.
 *
 * <p>Routing depends on the id and the weight only, never on the payload, so a node that restarts
 * on a new address keeps its keys. Immutable and thread-safe.
 *
 * @param id stable identity of the node; not empty
 * @param weight relative capacity; positive and finite
 * @param payload what the caller needs to reach the node, or {@code null}
 * @param <P> payload type
 */
public record Node<P>(String id, double weight, @Nullable P payload) {

  /** Validates the id and the weight; the messages name the node. */
  public Node {
    if (id == null || id.isEmpty()) {
      throw new IllegalArgumentException("node id must not be empty");
    }
    if (!(weight > 0) || Double.isInfinite(weight)) {
      throw new IllegalArgumentException(
          "node '" + id + "' has weight " + weight + "; a weight must be positive and finite");
    }
  }

  /** A node of weight 1 without payload. */
  public static <P> Node<P> of(String id) {
    return new Node<>(id, 1.0, null);
  }

  /** A node of the given weight without payload. */
  public static <P> Node<P> of(String id, double weight) {
    return new Node<>(id, weight, null);
  }

  /** A node of the given weight carrying {@code payload}. */
  public static <P> Node<P> of(String id, double weight, @Nullable P payload) {
    return new Node<>(id, weight, payload);
  }

  @Override
  public String toString() {
    return weight == 1.0 ? id : id + "(w=" + weight + ")";
  }
}
