package io.ringmesh.ring.internal;

import io.ringmesh.ring.Algorithm;

/**
 * The settings a snapshot was built with; carried by every snapshot so that {@code with} and {@code
 * without} build under the same settings.
 */
public record RingSettings(Algorithm algorithm, int pointsPerWeight, int maglevTableSize) {
  /**
   * 1,536 points per unit of weight keep peak/mean near 1.06 at 100 nodes and 1M keys (the share
   * error of a node falls as one over the square root of its points), where ketama's 160 give about
   * 1.2. A 1,000-node ring then costs about 20 MB; lower it for very large rings.
   */
  public static final int DEFAULT_POINTS_PER_WEIGHT = 1536;

  public static final int MAX_POINTS_PER_WEIGHT = 1 << 16;
  public static final int DEFAULT_MAGLEV_TABLE_SIZE = 65_537;

  /** Throws if {@code size} cannot be a Maglev table size, whatever the node count. */
  public static void checkMaglevTableSize(int size) {
    if (size < 2 || !Mix.isPrime(size)) {
      throw new IllegalArgumentException(
          "Maglev table size must be a prime number, was " + size + " (try 65537 or 655373)");
    }
  }
}
