package io.ringmesh.ring;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * Holds the current {@link HashRing} for readers on the request path.
 *
 * <p>{@link #current()} is one volatile read: it never blocks and always returns a complete
 * snapshot. Writers build the next snapshot first, off the request path, and then swap it in
 * atomically. Thread-safe.
 *
 * @param <P> payload type of the nodes
 */
public final class RingHolder<P> {
  private final AtomicReference<HashRing<P>> current;
  private final AtomicLong requested = new AtomicLong();
  private long applied;
  private final List<Consumer<? super HashRing<P>>> listeners = new CopyOnWriteArrayList<>();

  /** A holder whose first snapshot is {@code initial}. */
  public RingHolder(HashRing<P> initial) {
    this.current = new AtomicReference<>(initial);
  }

  /** The current snapshot. Never blocks. */
  public HashRing<P> current() {
    return current.get();
  }

  /**
   * Applies {@code change} to the current snapshot and publishes the result, retrying if another
   * writer got there first, so {@code change} must be a pure function of its argument. Runs on the
   * calling thread; request paths should use {@link #updateAsync}.
   *
   * @return the snapshot published
   */
  public HashRing<P> update(UnaryOperator<HashRing<P>> change) {
    while (true) {
      HashRing<P> before = current.get();
      HashRing<P> after = change.apply(before);
      if (current.compareAndSet(before, after)) {
        notifyListeners(after);
        return after;
      }
    }
  }

  /** {@link #update} on {@code executor}; the future completes with the published snapshot. */
  public CompletableFuture<HashRing<P>> updateAsync(
      UnaryOperator<HashRing<P>> change, Executor executor) {
    return CompletableFuture.supplyAsync(() -> update(change), executor);
  }

  /**
   * Builds a replacement snapshot on {@code executor} and publishes it, unless a later call to this
   * method has already published or will publish a newer one: the latest request wins, and a
   * rebuild that is superseded before it starts is skipped. Suits rebuilding from a membership
   * source such as a registry, where only the newest view matters.
   *
   * @return a future of the snapshot current once this request is settled
   */
  public CompletableFuture<HashRing<P>> replaceAsync(
      Supplier<? extends HashRing<P>> build, Executor executor) {
    long seq = requested.incrementAndGet();
    return CompletableFuture.supplyAsync(
        () -> {
          if (seq < requested.get()) {
            return current.get();
          }
          HashRing<P> next = build.get();
          synchronized (this) {
            if (seq <= applied) {
              return current.get();
            }
            applied = seq;
            current.set(next);
          }
          notifyListeners(next);
          return next;
        },
        executor);
  }

  /**
   * Calls {@code listener} with each snapshot published after this call, on the publishing thread.
   * A listener must be quick and must not throw.
   */
  public void addListener(Consumer<? super HashRing<P>> listener) {
    listeners.add(listener);
  }

  private void notifyListeners(HashRing<P> ring) {
    for (Consumer<? super HashRing<P>> listener : listeners) {
      listener.accept(ring);
    }
  }
}
