package io.ringmesh.cluster;

import io.ringmesh.coord.Registry;
import io.ringmesh.coord.RegistryEntry;
import io.ringmesh.coord.RegistrySnapshot;
import io.ringmesh.rpc.Endpoint;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link Discovery} that follows the coordinators' {@link Registry}: instances are the registry's
 * entries, and a node that dies leaves the list when its session expires.
 *
 * <pre>{@code
 * try (LockClient coord = LockClient.builder().connect("10.0.0.1:7400,10.0.0.2:7400").build();
 *     RegistryDiscovery discovery = new RegistryDiscovery(coord.registry());
 *     ClusterClient cluster = ClusterClient.builder().discovery(discovery).build()) { ... }
 * }</pre>
 *
 * <p>One background thread reads a snapshot, then holds a watch open on the registry's version and
 * reads again after each change, so a change reaches the listeners within one round trip and an
 * idle registry costs one open call. When the coordinators cannot be reached it keeps the last
 * lists (routing carries on with what it knew) and retries with backoff. Thread-safe; listeners
 * hear of each service's changes in order, one at a time, each with the whole list.
 */
public final class RegistryDiscovery implements Discovery, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RegistryDiscovery.class);
  private static final Duration WATCH = Duration.ofSeconds(30);
  private static final long MAX_BACKOFF_MS = 2_000;

  private final Registry registry;
  private final StaticDiscovery lists = new StaticDiscovery();

  /** Services published by the last snapshot; only the follower thread touches it. */
  private final Set<String> known = new HashSet<>();

  private final Thread follower;
  private volatile boolean closed;
  private volatile @Nullable CompletableFuture<RegistrySnapshot> pending;

  /** Starts following {@code registry}; returns at once, before the first read. */
  public RegistryDiscovery(Registry registry) {
    this.registry = Objects.requireNonNull(registry, "registry");
    this.follower = Thread.ofPlatform().daemon().name("registry-discovery").start(this::follow);
  }

  @Override
  public List<ServiceInstance> instances(String service) {
    return lists.instances(service);
  }

  @Override
  public Subscription subscribe(String service, Listener listener) {
    return lists.subscribe(service, listener);
  }

  /** Stops following the registry; the last lists stay readable. Harmless twice. */
  @Override
  public void close() {
    closed = true;
    CompletableFuture<RegistrySnapshot> p = pending;
    if (p != null) {
      p.cancel(true);
    }
    follower.interrupt();
  }

  private void follow() {
    long backoff = 100;
    long version = -1;
    while (!closed) {
      try {
        RegistrySnapshot s;
        if (version < 0) {
          s = registry.snapshot();
        } else {
          CompletableFuture<RegistrySnapshot> w = registry.watch(version, WATCH);
          pending = w;
          s = w.get();
        }
        if (s.version() != version) {
          apply(s);
          version = s.version();
        }
        backoff = 100;
      } catch (InterruptedException | CancellationException e) {
        if (closed) {
          return;
        }
      } catch (ExecutionException | RuntimeException e) {
        if (closed) {
          return;
        }
        LOG.debug("registry read failed; retrying in {} ms", backoff, e);
        version = -1;
        try {
          Thread.sleep(backoff); // retry pacing while no coordinator answers
        } catch (InterruptedException stop) {
          return;
        }
        backoff = Math.min(MAX_BACKOFF_MS, backoff * 2);
      }
    }
  }

  /** Publishes each service whose list differs from the last one published. */
  private void apply(RegistrySnapshot s) {
    Map<String, List<ServiceInstance>> next = new TreeMap<>();
    for (RegistryEntry e : s.entries()) {
      next.computeIfAbsent(e.service(), k -> new ArrayList<>()).add(toInstance(e));
    }
    Set<String> services = new HashSet<>(next.keySet());
    services.addAll(known);
    for (String service : services) {
      List<ServiceInstance> list = next.getOrDefault(service, List.of());
      if (!list.equals(lists.instances(service))) {
        lists.update(service, list);
      }
    }
    known.clear();
    known.addAll(next.keySet());
  }

  private static ServiceInstance toInstance(RegistryEntry e) {
    return new ServiceInstance(
        e.nodeId(), Endpoint.of(e.host(), e.port()), e.weight(), e.metadata());
  }
}
