package io.ringmesh.ring;

import io.ringmesh.ring.internal.RingFactory;
import io.ringmesh.ring.internal.RingSettings;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Builds a {@link HashRing}. Each setting may be given once; a second call, or a value out of
 * range, fails at once with a message naming the setting. Not thread-safe; the rings it builds are.
 *
 * @param <P> payload type of the nodes
 */
public final class HashRingBuilder<P> {
  /** Default virtual points per unit of weight for {@link Algorithm#RING}. */
  public static final int DEFAULT_POINTS_PER_WEIGHT = RingSettings.DEFAULT_POINTS_PER_WEIGHT;

  /** Default Maglev lookup-table size: the prime 65,537. */
  public static final int DEFAULT_MAGLEV_TABLE_SIZE = RingSettings.DEFAULT_MAGLEV_TABLE_SIZE;

  private Algorithm algorithm = Algorithm.RING;
  private boolean algorithmSet;
  private int pointsPerWeight = DEFAULT_POINTS_PER_WEIGHT;
  private boolean pointsSet;
  private int maglevTableSize = DEFAULT_MAGLEV_TABLE_SIZE;
  private boolean tableSet;
  private final List<Node<P>> nodes = new ArrayList<>();

  HashRingBuilder() {}

  /** The placement algorithm; {@link Algorithm#RING} by default. */
  public HashRingBuilder<P> algorithm(Algorithm algorithm) {
    if (algorithmSet) {
      throw new IllegalStateException("algorithm was already set to " + this.algorithm);
    }
    if (algorithm == null) {
      throw new IllegalArgumentException("algorithm must not be null");
    }
    this.algorithm = algorithm;
    this.algorithmSet = true;
    return this;
  }

  /**
   * Virtual points per unit of weight, for {@link Algorithm#RING} only; default {@value
   * #DEFAULT_POINTS_PER_WEIGHT}. More points balance better and cost memory and build time.
   */
  public HashRingBuilder<P> pointsPerWeight(int points) {
    if (pointsSet) {
      throw new IllegalStateException("pointsPerWeight was already set to " + pointsPerWeight);
    }
    if (points < 1 || points > RingSettings.MAX_POINTS_PER_WEIGHT) {
      throw new IllegalArgumentException(
          "pointsPerWeight must be in [1, "
              + RingSettings.MAX_POINTS_PER_WEIGHT
              + "], was "
              + points);
    }
    this.pointsPerWeight = points;
    this.pointsSet = true;
    return this;
  }

  /**
   * The Maglev lookup-table size, for {@link Algorithm#MAGLEV} only; default {@value
   * #DEFAULT_MAGLEV_TABLE_SIZE}. It must be prime and at least 10 times the node count (100 times
   * keeps every node's share within about 1% of ideal).
   */
  public HashRingBuilder<P> maglevTableSize(int size) {
    if (tableSet) {
      throw new IllegalStateException("maglevTableSize was already set to " + maglevTableSize);
    }
    RingSettings.checkMaglevTableSize(size);
    this.maglevTableSize = size;
    this.tableSet = true;
    return this;
  }

  /** Adds a member. Ids must be unique; the error for a duplicate names it. */
  public HashRingBuilder<P> node(Node<P> node) {
    if (node == null) {
      throw new IllegalArgumentException("node must not be null");
    }
    nodes.add(node);
    return this;
  }

  /** Adds members. */
  public HashRingBuilder<P> nodes(Collection<? extends Node<P>> members) {
    for (Node<P> node : members) {
      node(node);
    }
    return this;
  }

  /**
   * Builds the snapshot. The order in which nodes were added does not matter.
   *
   * @throws IllegalArgumentException for a duplicate id, a Maglev table too small for the node
   *     count, or a ketama id that is not {@code host:port}
   */
  public HashRing<P> build() {
    return RingFactory.build(
        new RingSettings(algorithm, pointsPerWeight, maglevTableSize), List.copyOf(nodes));
  }
}
