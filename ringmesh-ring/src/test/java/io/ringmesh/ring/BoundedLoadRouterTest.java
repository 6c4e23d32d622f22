package io.ringmesh.ring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class BoundedLoadRouterTest {

  static RingHolder<String> holder(Algorithm algorithm, int n) {
    HashRingBuilder<String> b = HashRing.<String>builder().algorithm(algorithm);
    for (int i = 0; i < n; i++) {
      b.node(Node.of("10.9.0." + (i + 1) + ":7000"));
    }
    return new RingHolder<>(b.build());
  }

  /** Inverse-CDF sampler of Zipf(s) over ranks 1..n. */
  static int[] zipfKeys(int distinct, double s, int samples, long seed) {
    double[] cdf = new double[distinct];
    double sum = 0;
    for (int k = 1; k <= distinct; k++) {
      sum += 1 / Math.pow(k, s);
      cdf[k - 1] = sum;
    }
    Random rnd = new Random(seed);
    int[] out = new int[samples];
    for (int i = 0; i < samples; i++) {
      double u = rnd.nextDouble() * sum;
      int lo = 0;
      int hi = distinct - 1;
      while (lo < hi) {
        int mid = (lo + hi) >>> 1;
        if (cdf[mid] < u) {
          lo = mid + 1;
        } else {
          hi = mid;
        }
      }
      out[i] = lo;
    }
    return out;
  }

  /**
   * Zipf(1.1) over 10,000 keys with a fixed window of requests in flight: no node ever holds more
   * than ceil(1.25 * in-flight / n), checked after every admission.
   */
  @ParameterizedTest
  @EnumSource(Algorithm.class)
  void noNodeEverExceedsItsCapacity(Algorithm algorithm) {
    RingHolder<String> holder = holder(algorithm, 10);
    BoundedLoadRouter<String> router = BoundedLoadRouter.create(holder, 0.25);
    int[] keys = zipfKeys(10_000, 1.1, 100_000, 1);
    ArrayDeque<BoundedLoadRouter.Assignment<String>> window = new ArrayDeque<>();
    Map<String, Integer> inFlight = new HashMap<>();
    for (int key : keys) {
      if (window.size() == 200) {
        BoundedLoadRouter.Assignment<String> done = window.poll();
        done.close();
        inFlight.merge(done.node().id(), -1, Integer::sum);
      }
      BoundedLoadRouter.Assignment<String> a = router.acquire("key-" + key);
      window.add(a);
      int now = inFlight.merge(a.node().id(), 1, Integer::sum);
      long cap = (long) Math.ceil(1.25 * window.size() / 10.0);
      assertThat(now).as("in flight on %s", a.node().id()).isLessThanOrEqualTo((int) cap);
      assertThat(router.inFlight(a.node().id())).isEqualTo(now);
    }
    assertThat(router.totalInFlight()).isEqualTo(window.size());
    assertThat(router.spilledCount()).isPositive();
  }

  @Test
  void aKeyWhosePrimaryHasRoomGoesToItsPrimary() {
    RingHolder<String> holder = holder(Algorithm.RING, 8);
    BoundedLoadRouter<String> router = BoundedLoadRouter.create(holder);
    List<BoundedLoadRouter.Assignment<String>> open = new ArrayList<>();
    for (int i = 0; i < 400; i++) {
      String key = "k" + (i % 37);
      Node<String> primary = holder.current().route(key);
      long m = router.totalInFlight() + 1;
      long cap = (long) Math.ceil(1.25 * m / 8);
      boolean room = router.inFlight(primary.id()) < cap;
      BoundedLoadRouter.Assignment<String> a = router.acquire(key);
      assertThat(a.onPrimary()).isEqualTo(room);
      assertThat(a.node().id().equals(primary.id())).isEqualTo(room);
      if (!room) {
        assertThat(holder.current().preferenceList(key, 8)).contains(a.node());
      }
      open.add(a);
      if (i % 3 == 0) {
        open.remove(0).close();
      }
    }
  }

  @Test
  void closingTwiceReleasesOnce() {
    BoundedLoadRouter<String> router = BoundedLoadRouter.create(holder(Algorithm.MAGLEV, 3));
    BoundedLoadRouter.Assignment<String> a = router.acquire("x");
    BoundedLoadRouter.Assignment<String> b = router.acquire("x");
    a.close();
    a.close();
    assertThat(router.totalInFlight()).isEqualTo(1);
    assertThat(router.inFlight(b.node().id())).isEqualTo(1);
    b.close();
    assertThat(router.totalInFlight()).isZero();
  }

  @Test
  void concurrentAcquiresKeepCountsExact() throws Exception {
    RingHolder<String> holder = holder(Algorithm.MEMENTO, 6);
    BoundedLoadRouter<String> router = BoundedLoadRouter.create(holder);
    int threads = 8;
    CountDownLatch start = new CountDownLatch(1);
    AtomicInteger onPrimary = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int seed = t;
        futures.add(
            pool.submit(
                () -> {
                  start.await();
                  int[] keys = zipfKeys(1_000, 1.1, 20_000, seed);
                  for (int key : keys) {
                    try (BoundedLoadRouter.Assignment<String> a = router.acquire("k" + key)) {
                      onPrimary.addAndGet(a.onPrimary() ? 1 : 0);
                    }
                  }
                  return null;
                }));
      }
      start.countDown();
      for (Future<?> f : futures) {
        f.get(30, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(router.totalInFlight()).isZero();
    for (Node<String> node : holder.current().nodes()) {
      assertThat(router.inFlight(node.id())).isZero();
    }
    assertThat(router.assignedCount()).isEqualTo(threads * 20_000L);
    assertThat(router.assignedCount() - router.spilledCount()).isEqualTo(onPrimary.get());
  }

  @Test
  void epsilonMustBePositive() {
    RingHolder<String> holder = holder(Algorithm.RING, 2);
    assertThatThrownBy(() -> BoundedLoadRouter.create(holder, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("epsilon must be positive and finite, was 0.0");
    assertThatThrownBy(() -> BoundedLoadRouter.create(holder, Double.NaN))
        .hasMessageContaining("was NaN");
  }

  @Test
  void emptyRingFailsClearly() {
    BoundedLoadRouter<String> router =
        BoundedLoadRouter.create(new RingHolder<>(HashRing.<String>builder().build()));
    assertThatThrownBy(() -> router.acquire("k"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("no nodes in the ring");
    assertThat(router.totalInFlight()).isZero();
  }
}
