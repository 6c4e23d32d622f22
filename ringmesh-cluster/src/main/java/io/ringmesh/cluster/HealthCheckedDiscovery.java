package io.ringmesh.cluster;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link Discovery} that passes on another discovery's instances minus those failing active
 * health checks: issue #7's static {@code --peers} mode with probes. An instance is dropped after
 * {@code unhealthyThreshold} failed probes in a row and listed again after one success; a new
 * instance is listed until its probes say otherwise.
 *
 * <p>Probing is a round over every instance of every service that has been subscribed to, run by
 * {@link #probeNow()}; the caller schedules it (say every second on a {@code
 * ScheduledExecutorService}), and tests call it directly. The {@link Prober} is injectable; {@link
 * Prober#tcpConnect(Duration)} checks that the port accepts a connection.
 *
 * <p>Thread-safe. Rounds are serialized; listeners hear of a service's list when a round or the
 * underlying discovery changes it.
 */
public final class HealthCheckedDiscovery implements Discovery {
  private static final Logger LOG = LoggerFactory.getLogger(HealthCheckedDiscovery.class);

  private final Discovery delegate;
  private final Prober prober;
  private final int unhealthyThreshold;

  /** Held for the whole of a round, so rounds never overlap; taken before {@link #lock}. */
  private final ReentrantLock roundLock = new ReentrantLock();

  /** Guards everything below and serializes notifications. */
  private final Object lock = new Object();

  /** Consecutive failed probes by service, then node id. */
  private final Map<String, Map<String, Integer>> failures = new HashMap<>();

  private final Map<String, List<Listener>> listeners = new HashMap<>();

  /** Services followed upstream and probed; never shrinks. */
  private final Set<String> watched = new HashSet<>();

  private final Map<String, List<ServiceInstance>> lastSent = new HashMap<>();

  /** Probes the instances of {@code delegate} with {@code prober}. */
  public HealthCheckedDiscovery(Discovery delegate, Prober prober, int unhealthyThreshold) {
    this.delegate = Objects.requireNonNull(delegate, "delegate");
    this.prober = Objects.requireNonNull(prober, "prober");
    if (unhealthyThreshold < 1) {
      throw new IllegalArgumentException(
          "unhealthyThreshold must be at least 1, was " + unhealthyThreshold);
    }
    this.unhealthyThreshold = unhealthyThreshold;
  }

  /** Checks whether one instance is healthy; must not block for long. Thread-safe. */
  @FunctionalInterface
  public interface Prober {
    /** Completes with true if {@code instance} of {@code service} is healthy. */
    CompletableFuture<Boolean> probe(String service, ServiceInstance instance);

    /** Healthy if the instance's port accepts a TCP connection within {@code timeout}. */
    static Prober tcpConnect(Duration timeout) {
      int millis = (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis()));
      return (service, instance) -> {
        CompletableFuture<Boolean> f = new CompletableFuture<>();
        Thread.ofVirtual()
            .start(
                () -> {
                  try (Socket s = new Socket()) {
                    s.connect(
                        new InetSocketAddress(
                            instance.endpoint().host(), instance.endpoint().port()),
                        millis);
                    f.complete(true);
                  } catch (IOException e) {
                    f.complete(false);
                  }
                });
        return f;
      };
    }
  }

  @Override
  public List<ServiceInstance> instances(String service) {
    synchronized (lock) {
      return healthy(service, delegate.instances(service));
    }
  }

  @Override
  public Subscription subscribe(String service, Listener listener) {
    Objects.requireNonNull(listener, "listener");
    boolean first;
    synchronized (lock) {
      listeners.computeIfAbsent(service, s -> new CopyOnWriteArrayList<>()).add(listener);
      first = watched.add(service);
    }
    if (first) {
      // Outside the lock: the delegate calls back into changed(), which takes it, while holding
      // its own lock; subscribing under ours would order the two locks both ways.
      delegate.subscribe(service, (s, list) -> changed(s));
    }
    return () -> {
      synchronized (lock) {
        List<Listener> ls = listeners.get(service);
        if (ls != null) {
          ls.remove(listener);
        }
      }
    };
  }

  /**
   * Probes every instance of every subscribed service once, waits up to {@code timeout} for the
   * answers (a probe not answered by then counts as failed), and tells listeners of the lists that
   * changed.
   */
  public void probeNow(Duration timeout) throws InterruptedException {
    // One round at a time, for the whole round: two rounds that overlapped would both count a
    // failure for the same moment of a node (reaching the threshold in half the rounds), and a
    // slow round could record its older result over a newer one. Not under lock: a round waits
    // for its probes, and instances() and the delegate's callbacks must not wait for that.
    // A ReentrantLock, not a monitor: the round waits for probes, which would pin a virtual thread.
    roundLock.lockInterruptibly();
    try {
      List<String> services;
      synchronized (lock) {
        services = new ArrayList<>(watched);
      }
      Map<String, Map<String, CompletableFuture<Boolean>>> probes = new HashMap<>();
      for (String service : services) {
        Map<String, CompletableFuture<Boolean>> byNode = new HashMap<>();
        for (ServiceInstance i : delegate.instances(service)) {
          CompletableFuture<Boolean> f;
          try {
            f = prober.probe(service, i);
          } catch (RuntimeException e) {
            f = CompletableFuture.completedFuture(false);
          }
          byNode.put(i.nodeId(), f);
        }
        probes.put(service, byNode);
      }
      long deadline = System.nanoTime() + timeout.toNanos();
      for (String service : services) {
        Map<String, Integer> results = new HashMap<>();
        for (Map.Entry<String, CompletableFuture<Boolean>> e : probes.get(service).entrySet()) {
          boolean ok;
          try {
            long left = Math.max(0, deadline - System.nanoTime());
            ok = Boolean.TRUE.equals(e.getValue().get(left, TimeUnit.NANOSECONDS));
          } catch (java.util.concurrent.ExecutionException
              | java.util.concurrent.TimeoutException x) {
            ok = false;
          }
          results.put(e.getKey(), ok ? 0 : 1);
        }
        synchronized (lock) {
          Map<String, Integer> f = failures.computeIfAbsent(service, s -> new HashMap<>());
          Map<String, Integer> next = new HashMap<>();
          results.forEach(
              (id, failed) -> next.put(id, failed == 0 ? 0 : f.getOrDefault(id, 0) + 1));
          f.clear();
          f.putAll(next);
          notifyIfChanged(service);
        }
      }
    } finally {
      roundLock.unlock();
    }
  }

  private void changed(String service) {
    synchronized (lock) {
      notifyIfChanged(service);
    }
  }

  /** Guarded by lock. */
  private void notifyIfChanged(String service) {
    List<ServiceInstance> now = healthy(service, delegate.instances(service));
    if (now.equals(lastSent.get(service))) {
      return;
    }
    lastSent.put(service, now);
    for (Listener l : listeners.getOrDefault(service, List.of())) {
      try {
        l.onChange(service, now);
      } catch (RuntimeException e) {
        // A faulty listener must not stop the others from hearing of the change, nor go unseen.
        LOG.warn("a listener of service {} failed on its new instance list", service, e);
      }
    }
  }

  /** Guarded by lock. */
  private List<ServiceInstance> healthy(String service, List<ServiceInstance> all) {
    Map<String, Integer> f = failures.getOrDefault(service, Map.of());
    List<ServiceInstance> out = new ArrayList<>(all.size());
    for (ServiceInstance i : all) {
      if (f.getOrDefault(i.nodeId(), 0) < unhealthyThreshold) {
        out.add(i);
      }
    }
    return List.copyOf(out);
  }
}
