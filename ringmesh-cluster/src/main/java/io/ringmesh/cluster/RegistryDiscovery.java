package io.ringmesh.cluster;

import io.ringmesh.coord.LockException;
import io.ringmesh.coord.Registry;
import io.ringmesh.coord.RegistryEntry;
import io.ringmesh.coord.RegistrySnapshot;
import io.ringmesh.coord.TimeSource;
import io.ringmesh.rpc.Endpoint;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link Discovery} that follows the coordinators' service {@link Registry}: each registry entry
 * of a service becomes a {@link ServiceInstance} (node id, {@code host:port}, weight, and the
 * metadata, with the entry's version under the key {@code "version"} unless the metadata has one).
 *
 * <pre>{@code
 * LockClient coordinators = LockClient.builder().connect("10.0.0.5:7400").build();
 * try (RegistryDiscovery discovery = new RegistryDiscovery(coordinators.registry())) {
 *   ClusterClient cluster = ClusterClient.builder().discovery(discovery)...
 * }
 * }</pre>
 *
 * <p>The constructor reads the registry once (so {@link #instances} answers at once); after that
 * one background thread keeps a watch open on the registry's leader and, after each change, calls
 * the listeners of every service whose list changed, one at a time and in order, on that thread.
 * {@link #close()} stops the thread; it does not close the registry's client. Close this before
 * that client: once the client is closed, the thread stops by itself (logging a warning) and the
 * instance lists are never refreshed again.
 *
 * <p>Thread-safe. A listener that throws is skipped for that change and stays subscribed.
 */
public final class RegistryDiscovery implements Discovery, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RegistryDiscovery.class);

  /** How long one watch stays open on the leader before it is renewed. */
  public static final Duration DEFAULT_MAX_WAIT = Duration.ofSeconds(30);

  private static final Duration FIRST_BACKOFF = Duration.ofMillis(50);
  private static final Duration MAX_BACKOFF = Duration.ofSeconds(2);

  /** Watch failures in a row before they are logged at WARN. */
  private static final int WARN_AFTER_FAILURES = 3;

  /** The least time between two WARNs of the same run of failures. */
  private static final Duration WARN_EVERY = Duration.ofSeconds(30);

  private final Registry registry;
  private final Duration maxWait;
  private final TimeSource time;
  private final Map<String, CopyOnWriteArrayList<Listener>> listeners = new ConcurrentHashMap<>();
  private final Thread thread;
  private volatile Map<String, List<ServiceInstance>> services;
  private volatile long version;
  private volatile boolean closed;

  /** The watch or backoff the thread waits on; cancelled by {@link #close()}. */
  private volatile @Nullable CompletableFuture<?> waitingOn;

  /**
   * Follows {@code registry}, renewing each watch every {@link #DEFAULT_MAX_WAIT}.
   *
   * @throws LockException UNAVAILABLE if the first read of the registry fails
   */
  public RegistryDiscovery(Registry registry) {
    this(registry, DEFAULT_MAX_WAIT, TimeSource.system());
  }

  /**
   * Follows {@code registry}.
   *
   * @param maxWait how long one watch stays open on the leader before it is renewed; positive
   * @param time the clock of the retry backoff after a failed watch, and of how long the lists have
   *     gone unrefreshed
   * @throws LockException UNAVAILABLE if the first read of the registry fails
   */
  public RegistryDiscovery(Registry registry, Duration maxWait, TimeSource time) {
    this.registry = Objects.requireNonNull(registry, "registry");
    this.time = Objects.requireNonNull(time, "time");
    if (maxWait.isNegative() || maxWait.isZero()) {
      throw new IllegalArgumentException("maxWait must be positive, was " + maxWait);
    }
    this.maxWait = maxWait;
    RegistrySnapshot first = registry.snapshot();
    this.services = byService(first);
    this.version = first.version();
    this.thread =
        Thread.ofPlatform().daemon().name("ringmesh-registry-discovery").unstarted(this::run);
    thread.start();
  }

  @Override
  public List<ServiceInstance> instances(String service) {
    return services.getOrDefault(service, List.of());
  }

  @Override
  public Subscription subscribe(String service, Listener listener) {
    Objects.requireNonNull(service, "service");
    Objects.requireNonNull(listener, "listener");
    listeners.computeIfAbsent(service, s -> new CopyOnWriteArrayList<>()).add(listener);
    return () -> {
      List<Listener> ls = listeners.get(service);
      if (ls != null) {
        ls.remove(listener);
      }
    };
  }

  /** The registry version the instances reflect. */
  public long version() {
    return version;
  }

  /** Stops the watch thread and waits (briefly) for it to end; closing twice is harmless. */
  @Override
  public void close() {
    closed = true;
    CompletableFuture<?> w = waitingOn;
    if (w != null) {
      w.cancel(false);
    }
    thread.interrupt();
    if (Thread.currentThread() != thread) {
      try {
        thread.join(TimeUnit.SECONDS.toMillis(5));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private void run() {
    int failures = 0;
    long freshSince = time.nanoTime(); // when the lists were last known to be current
    long warnedAt = 0;
    while (!closed) {
      try {
        CompletableFuture<RegistrySnapshot> watch = registry.watch(version, maxWait);
        waitingOn = watch;
        if (closed) {
          watch.cancel(false);
          return;
        }
        RegistrySnapshot next = watch.get();
        failures = 0;
        freshSince = time.nanoTime();
        if (next.version() != version) {
          publish(next);
        }
      } catch (InterruptedException | CancellationException e) {
        if (closed) {
          return;
        }
      } catch (ExecutionException | LockException e) {
        if (closed) {
          return;
        }
        Throwable cause =
            e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
        if (cause instanceof LockException le && le.code() == LockException.Code.CANCELLED) {
          // The LockClient was closed: every later watch fails at once the same way, so retrying
          // would only spin. Nothing will refresh the lists again; say so once.
          LOG.warn(
              "the LockClient behind this RegistryDiscovery was closed, so discovery stopped; the"
                  + " instance lists stay at registry version {}. Close the RegistryDiscovery"
                  + " (and the clients using it) before its LockClient",
              version);
          return;
        }
        failures++;
        long now = time.nanoTime();
        // A failure or two is a leader change; more in a row means the lists are going stale.
        // Warn then, and again at most every WARN_EVERY while it lasts.
        if (failures >= WARN_AFTER_FAILURES
            && (failures == WARN_AFTER_FAILURES || now - warnedAt >= WARN_EVERY.toNanos())) {
          warnedAt = now;
          LOG.warn(
              "registry watch failed {} times in a row; the instance lists have not been"
                  + " refreshed for {} ms (registry version {}); retrying. Check that the"
                  + " coordinators are reachable: {}",
              failures,
              TimeUnit.NANOSECONDS.toMillis(now - freshSince),
              version,
              cause.toString());
        } else {
          LOG.debug("registry watch failed ({} in a row); retrying", failures, e);
        }
        backoff(failures);
      }
    }
  }

  private void backoff(int failures) {
    Duration d = FIRST_BACKOFF.multipliedBy(1L << Math.min(failures - 1, 6));
    if (d.compareTo(MAX_BACKOFF) > 0) {
      d = MAX_BACKOFF;
    }
    CompletableFuture<Void> done = new CompletableFuture<>();
    TimeSource.Cancellable timer = time.schedule(d, () -> done.complete(null));
    waitingOn = done;
    try {
      if (!closed) {
        done.get();
      }
    } catch (InterruptedException | ExecutionException | CancellationException e) {
      // closing
    } finally {
      timer.cancel();
    }
  }

  /** Swaps in the new lists, then tells the listeners of each service whose list changed. */
  private void publish(RegistrySnapshot next) {
    Map<String, List<ServiceInstance>> before = services;
    Map<String, List<ServiceInstance>> after = byService(next);
    services = after;
    version = next.version();
    List<String> changed = new ArrayList<>();
    for (String s : after.keySet()) {
      if (!after.get(s).equals(before.get(s))) {
        changed.add(s);
      }
    }
    for (String s : before.keySet()) {
      if (!after.containsKey(s)) {
        changed.add(s);
      }
    }
    for (String s : changed) {
      List<ServiceInstance> list = after.getOrDefault(s, List.of());
      List<Listener> ls = listeners.get(s);
      for (Listener l : ls != null ? ls : List.<Listener>of()) {
        try {
          l.onChange(s, list);
        } catch (RuntimeException e) {
          LOG.warn("a discovery listener of service '{}' failed", s, e);
        }
      }
    }
  }

  private static Map<String, List<ServiceInstance>> byService(RegistrySnapshot snapshot) {
    Map<String, List<ServiceInstance>> out = new LinkedHashMap<>();
    for (RegistryEntry e : snapshot.entries()) {
      out.computeIfAbsent(e.service(), s -> new ArrayList<>()).add(instanceOf(e));
    }
    Map<String, List<ServiceInstance>> frozen = new HashMap<>();
    out.forEach((s, list) -> frozen.put(s, List.copyOf(list)));
    return Map.copyOf(frozen);
  }

  private static ServiceInstance instanceOf(RegistryEntry e) {
    Map<String, String> metadata = e.metadata();
    if (!e.version().isEmpty() && !metadata.containsKey("version")) {
      metadata = new HashMap<>(metadata);
      metadata.put("version", e.version());
    }
    return new ServiceInstance(e.nodeId(), Endpoint.of(e.host(), e.port()), e.weight(), metadata);
  }
}
