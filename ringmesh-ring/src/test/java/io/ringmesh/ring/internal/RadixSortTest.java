package io.ringmesh.ring.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RadixSortTest {

  @ParameterizedTest
  @ValueSource(ints = {0, 1, 17, 4095, 4096, 100_000})
  void sortsLikeArraysSortIncludingNegativesAndExtremes(int n) {
    SplittableRandom rnd = new SplittableRandom(n);
    long[] a = new long[n];
    for (int i = 0; i < n; i++) {
      a[i] =
          switch (i % 7) {
            case 0 -> Long.MIN_VALUE + rnd.nextInt(3);
            case 1 -> Long.MAX_VALUE - rnd.nextInt(3);
            case 2 -> rnd.nextInt(5) - 2;
            default -> rnd.nextLong();
          };
    }
    long[] expected = a.clone();
    Arrays.sort(expected);
    RadixSort.sort(a);
    assertThat(a).isEqualTo(expected);
  }
}
