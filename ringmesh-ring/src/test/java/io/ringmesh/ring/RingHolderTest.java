package io.ringmesh.ring;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class RingHolderTest {

  static HashRing<String> ring(int n) {
    HashRingBuilder<String> b = HashRing.builder();
    for (int i = 0; i < n; i++) {
      b.node(Node.of("n" + i));
    }
    return b.build();
  }

  @Test
  void concurrentUpdatesAreNeverLost() throws Exception {
    RingHolder<String> holder =
        new RingHolder<>(HashRing.<String>builder().algorithm(Algorithm.RENDEZVOUS).build());
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<CompletableFuture<HashRing<String>>> futures = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        String id = "node-" + i;
        futures.add(holder.updateAsync(r -> r.with(Node.of(id)), pool));
      }
      CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
    } finally {
      pool.shutdownNow();
    }
    assertThat(holder.current().size()).isEqualTo(200);
  }

  @Test
  void readersAlwaysSeeACompleteSnapshot() throws Exception {
    RingHolder<String> holder = new RingHolder<>(ring(3));
    AtomicBoolean stop = new AtomicBoolean();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    Thread reader =
        new Thread(
            () -> {
              while (!stop.get()) {
                try {
                  HashRing<String> r = holder.current();
                  Node<String> n = r.route("key");
                  if (r.node(n.id()).isEmpty()) {
                    throw new AssertionError("routed to a node not in its own snapshot");
                  }
                } catch (Throwable t) {
                  failure.set(t);
                  return;
                }
              }
            });
    reader.start();
    for (int i = 3; i < 300; i++) {
      String added = "n" + i;
      String removed = "n" + (i - 3);
      holder.update(r -> r.with(Node.of(added)).without(removed));
    }
    stop.set(true);
    reader.join(10_000);
    assertThat(failure.get()).isNull();
    assertThat(holder.current().size()).isEqualTo(3);
  }

  /** The latest request wins: a rebuild superseded before it starts is skipped. */
  @Test
  void replaceAsyncSkipsSupersededRebuilds() throws Exception {
    RingHolder<String> holder = new RingHolder<>(ring(1));
    List<HashRing<String>> published = new ArrayList<>();
    holder.addListener(published::add);
    List<Runnable> queued = new ArrayList<>();
    AtomicInteger builds = new AtomicInteger();
    CompletableFuture<HashRing<String>> first =
        holder.replaceAsync(
            () -> {
              builds.incrementAndGet();
              return ring(2);
            },
            queued::add);
    CompletableFuture<HashRing<String>> second =
        holder.replaceAsync(
            () -> {
              builds.incrementAndGet();
              return ring(5);
            },
            queued::add);
    queued.forEach(Runnable::run);
    assertThat(first.get(1, TimeUnit.SECONDS).size()).isEqualTo(1);
    assertThat(second.get(1, TimeUnit.SECONDS).size()).isEqualTo(5);
    assertThat(builds.get()).isEqualTo(1);
    assertThat(published).extracting(HashRing::size).containsExactly(5);
  }

  /** A slow older rebuild that finishes after a newer one must not overwrite it. */
  @Test
  void replaceAsyncNeverPublishesAnOlderBuildOverANewerOne() throws Exception {
    RingHolder<String> holder = new RingHolder<>(ring(1));
    CountDownLatch olderStarted = new CountDownLatch(1);
    CountDownLatch releaseOlder = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      CompletableFuture<HashRing<String>> older =
          holder.replaceAsync(
              () -> {
                olderStarted.countDown();
                await(releaseOlder);
                return ring(2);
              },
              pool);
      assertThat(olderStarted.await(5, TimeUnit.SECONDS)).isTrue();
      HashRing<String> newer = holder.replaceAsync(() -> ring(7), pool).get(5, TimeUnit.SECONDS);
      assertThat(newer.size()).isEqualTo(7);
      releaseOlder.countDown();
      assertThat(older.get(5, TimeUnit.SECONDS).size()).isEqualTo(7);
      assertThat(holder.current().size()).isEqualTo(7);
    } finally {
      pool.shutdownNow();
    }
  }

  private static void await(CountDownLatch latch) {
    try {
      if (!latch.await(5, TimeUnit.SECONDS)) {
        throw new AssertionError("latch not released");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
