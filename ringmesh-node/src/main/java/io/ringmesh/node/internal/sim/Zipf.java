package io.ringmesh.node.internal.sim;

import java.util.SplittableRandom;

/** Zipf-distributed draws over ranks {@code 0..n-1} (rank 0 the most popular), by inverse CDF. */
public final class Zipf {
  private final double[] cdf;

  public Zipf(int n, double exponent) {
    cdf = new double[n];
    double sum = 0;
    for (int k = 0; k < n; k++) {
      sum += 1 / Math.pow(k + 1, exponent);
      cdf[k] = sum;
    }
    for (int k = 0; k < n; k++) {
      cdf[k] /= sum;
    }
  }

  /** One rank for the uniform {@code u} in [0, 1). */
  public int rank(double u) {
    int lo = 0;
    int hi = cdf.length - 1;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (cdf[mid] < u) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  /** {@code count} ranks drawn with a fixed seed. */
  public static int[] draws(int n, double exponent, int count, long seed) {
    Zipf zipf = new Zipf(n, exponent);
    SplittableRandom rnd = new SplittableRandom(seed);
    int[] out = new int[count];
    for (int i = 0; i < count; i++) {
      out[i] = zipf.rank(rnd.nextDouble());
    }
    return out;
  }
}
