package io.ringmesh.ring.internal;

/**
 * Least-significant-digit radix sort of {@code long}s in signed order, in four passes of 16 bits.
 *
 * <p>Building a RING of 1,000 nodes at 1,536 points sorts 1.5 million longs; {@code Arrays.sort}
 * (dual-pivot quicksort) takes about 100 ms for that here, while four counting passes take a few
 * milliseconds and are linear in the input. Below a few thousand elements the JDK sort wins, so
 * small arrays go to it.
 */
final class RadixSort {
  private static final int SMALL = 4096;
  private static final int DIGITS = 1 << 16;

  private RadixSort() {}

  static void sort(long[] a) {
    if (a.length < SMALL) {
      java.util.Arrays.sort(a);
      return;
    }
    long[] src = a;
    long[] dst = new long[a.length];
    int[] count = new int[DIGITS + 1];
    for (int shift = 0; shift < 64; shift += 16) {
      java.util.Arrays.fill(count, 0);
      // The top digit carries the sign: flip it so that negatives sort first.
      int flip = shift == 48 ? 0x8000 : 0;
      for (long v : src) {
        count[(((int) (v >>> shift)) & 0xFFFF ^ flip) + 1]++;
      }
      for (int d = 0; d < DIGITS; d++) {
        count[d + 1] += count[d];
      }
      for (long v : src) {
        dst[count[((int) (v >>> shift)) & 0xFFFF ^ flip]++] = v;
      }
      long[] t = src;
      src = dst;
      dst = t;
    }
    // Four passes: the sorted data is back in the caller's array.
  }
}
