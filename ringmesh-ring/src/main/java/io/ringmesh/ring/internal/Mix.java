package io.ringmesh.ring.internal;

/**
 * Bit mixing shared by the algorithms. Pure functions; part of the routing compatibility promise.
 */
final class Mix {
  /** The 64-bit golden ratio, the SplitMix64 increment. */
  static final long GOLDEN = 0x9E3779B97F4A7C15L;

  private Mix() {}

  /**
   * The SplitMix64 finalizer (Steele, Lea and Flood, "Fast splittable pseudorandom number
   * generators", OOPSLA 2014, with Stafford's "Mix13" constants): a bijection on 64 bits whose
   * output bits each depend on every input bit.
   */
  static long mix64(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  /**
   * Maps a uniform 64-bit value to [0, n) without division (Lemire, "Fast random integer generation
   * in an interval", 2019): the high word of the unsigned 128-bit product.
   */
  static int reduce(long hash, int n) {
    return (int) Math.unsignedMultiplyHigh(hash, n);
  }

  /** A uniform double in the open interval (0, 1) from 53 bits of {@code hash}. */
  static double unitOpen(long hash) {
    return ((hash >>> 11) + 0.5) * 0x1.0p-53;
  }

  static boolean isPrime(int n) {
    if (n < 2) {
      return false;
    }
    if (n % 2 == 0) {
      return n == 2;
    }
    for (int d = 3; (long) d * d <= n; d += 2) {
      if (n % d == 0) {
        return false;
      }
    }
    return true;
  }
}
