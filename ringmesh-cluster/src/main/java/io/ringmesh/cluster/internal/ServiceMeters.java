package io.ringmesh.cluster.internal;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.ringmesh.rpc.Status;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.ToDoubleFunction;
import org.jspecify.annotations.Nullable;

/**
 * The Micrometer meters of one service in one client, and of each of its nodes ({@link Node}).
 *
 * <p>Meters ({@code service} tag on all; {@code node} on the per-node ones):
 *
 * <ul>
 *   <li>{@code ringmesh.client.calls}: timer of whole calls, every attempt included, tagged {@code
 *       status} (OK or the failure's code), with a percentile histogram;
 *   <li>{@code ringmesh.client.attempts}: timer of attempts per node, tagged {@code status};
 *   <li>{@code ringmesh.client.retries}: attempts after the first, per node they went to;
 *   <li>{@code ringmesh.client.retries.refused}: retries the retry budget did not allow;
 *   <li>{@code ringmesh.client.hedges}: hedged attempts, per node they went to;
 *   <li>{@code ringmesh.client.ejections}: outlier ejections, per node;
 *   <li>{@code ringmesh.client.bounded.assignments} and {@code ringmesh.client.bounded.spills}:
 *       keyed calls placed under bounded loads, and those placed off the key's primary (the spill
 *       rate is their ratio);
 *   <li>{@code ringmesh.client.nodes}: instances in the service's ring now.
 * </ul>
 *
 * <p>A node's meters live while the node is in the service's ring: {@link #node} gives the same
 * {@link Node} for the same id, and {@link #drop} removes a departed node's meters from the
 * registry. After {@link #drop} or {@link #close} nothing is registered again (records on meters
 * already removed are lost).
 *
 * <p>The request path costs one array read per meter: timers are made once per status and cached.
 * Without a registry every method is a no-op on {@link #NONE}.
 *
 * <p>Thread-safe.
 */
public final class ServiceMeters implements AutoCloseable {
  private static final int STATUSES = Status.values().length;

  /** Meters that record nothing, for clients without a registry. */
  public static final ServiceMeters NONE = new ServiceMeters(null, "");

  // Why per-node meters are kept here by id: a router makes a new NodeState whenever a node is
  // listed anew (a new endpoint, or back after leaving the list, which a HealthCheckedDiscovery
  // does each time a node's probes flap). Making a new set of meters for each would register them
  // again (Micrometer hands back the same meter, but every one was also appended to a list of
  // meters to remove on close, which grew without bound) and would leave the meters of nodes gone
  // for good in the registry, as stale series, until the client closed. So: one Node per id while
  // the node is listed, removed from the registry when a rebuild drops it.
  //
  // Registration takes `lock`; it is rare (a node's first listing, a status's first use), so the
  // request path still reads a cached meter without it. Taking the lock also orders registration
  // against drop() and close(): a meter made lazily (a timer for a new status) by a call still in
  // flight on a node that has just left, or after the client closed, would otherwise register
  // again what drop() or close() has just removed.

  private final @Nullable MeterRegistry registry;
  private final String service;
  private final AtomicReferenceArray<@Nullable Timer> calls = new AtomicReferenceArray<>(STATUSES);
  private final @Nullable Counter retriesRefused;

  /** Guards everything below, and every Node's meters and state. */
  private final Object lock = new Object();

  /** The meters of the service itself (not of a node). */
  private final List<Meter> registered = new ArrayList<>();

  /** The meters of each node in the ring, by node id. */
  private final Map<String, Node> nodes = new HashMap<>();

  private boolean closed;

  private ServiceMeters(@Nullable MeterRegistry registry, String service) {
    this.registry = registry;
    this.service = service;
    this.retriesRefused =
        registry == null
            ? null
            : keep(
                Counter.builder("ringmesh.client.retries.refused")
                    .description("retries of routed calls that the retry budget did not allow")
                    .tag("service", service)
                    .register(registry));
  }

  /** The meters of {@code service} in {@code registry}, or {@link #NONE} if it is null. */
  public static ServiceMeters of(@Nullable MeterRegistry registry, String service) {
    return registry == null ? NONE : new ServiceMeters(registry, service);
  }

  /**
   * Registers the gauges that read the router's state: the ring's size and the bounded-load counts.
   */
  void bind(ServiceRouter router) {
    MeterRegistry r = registry;
    if (r == null) {
      return;
    }
    synchronized (lock) {
      if (closed) {
        return;
      }
      keep(
          Gauge.builder("ringmesh.client.nodes", router, x -> x.current().nodes().size())
              .description("instances of the service in this client's ring")
              .tag("service", service)
              .register(r));
      keep(
          functionCounter(
              r,
              "ringmesh.client.bounded.assignments",
              "keyed calls placed under bounded loads",
              router,
              x -> x.bounded() == null ? 0 : x.bounded().assignedCount()));
      keep(
          functionCounter(
              r,
              "ringmesh.client.bounded.spills",
              "keyed calls that bounded loads placed off the key's primary node",
              router,
              x -> x.bounded() == null ? 0 : x.bounded().spilledCount()));
    }
  }

  private FunctionCounter functionCounter(
      MeterRegistry r,
      String name,
      String description,
      ServiceRouter router,
      ToDoubleFunction<ServiceRouter> f) {
    return FunctionCounter.builder(name, router, f)
        .description(description)
        .tag("service", service)
        .register(r);
  }

  /** Whether anything is recorded: callers skip timing calls when not. */
  public boolean enabled() {
    return registry != null;
  }

  /** Records a whole call of {@code nanos} that ended with {@code status}. */
  public void call(Status status, long nanos) {
    MeterRegistry r = registry;
    if (r == null) {
      return;
    }
    Timer t = calls.get(status.ordinal());
    if (t == null) {
      synchronized (lock) {
        t = calls.get(status.ordinal());
        if (t == null) {
          if (closed) {
            return;
          }
          t =
              keep(
                  Timer.builder("ringmesh.client.calls")
                      .description("routed calls, every attempt included, by outcome")
                      .tag("service", service)
                      .tag("status", status.name())
                      .publishPercentileHistogram()
                      .register(r));
          calls.set(status.ordinal(), t);
        }
      }
    }
    t.record(nanos, TimeUnit.NANOSECONDS);
  }

  /** Records a retry the budget refused. */
  public void retryRefused() {
    if (retriesRefused != null) {
      retriesRefused.increment();
    }
  }

  /**
   * The meters of node {@code nodeId} of this service: the same for the same id until {@link #drop}
   * or {@link #close}; ones that record nothing after {@link #close}.
   */
  public Node node(String nodeId) {
    if (registry == null) {
      return Node.NONE;
    }
    synchronized (lock) {
      if (closed) {
        return Node.NONE;
      }
      return nodes.computeIfAbsent(nodeId, id -> new Node(this, id));
    }
  }

  /**
   * Node {@code nodeId} has left the service's ring: removes its meters from the registry. Its
   * {@link Node}, still held by calls in flight, records nothing more; a later {@link #node} of the
   * same id makes new meters.
   */
  void drop(String nodeId) {
    MeterRegistry r = registry;
    if (r == null) {
      return;
    }
    synchronized (lock) {
      Node n = nodes.remove(nodeId);
      if (n != null) {
        n.retire(r);
      }
    }
  }

  /** The meters this object has registered and not removed; for tests. */
  int registeredCount() {
    synchronized (lock) {
      int count = registered.size();
      for (Node n : nodes.values()) {
        count += n.registered.size();
      }
      return count;
    }
  }

  /** Guarded by lock (but for the constructor's). */
  private <M extends Meter> M keep(M meter) {
    registered.add(meter);
    return meter;
  }

  /** Removes every meter of the service from the registry; nothing is registered after. */
  @Override
  public void close() {
    MeterRegistry r = registry;
    if (r == null) {
      return;
    }
    synchronized (lock) {
      closed = true;
      for (Meter m : registered) {
        r.remove(m);
      }
      registered.clear();
      for (Node n : nodes.values()) {
        n.retire(r);
      }
      nodes.clear();
    }
  }

  /** The meters of one node of the service. Thread-safe. */
  public static final class Node {
    static final Node NONE = new Node(null, "");

    private final @Nullable ServiceMeters owner;
    private final String nodeId;
    private final AtomicReferenceArray<@Nullable Timer> attempts =
        new AtomicReferenceArray<>(STATUSES);
    private final @Nullable Counter retries;
    private final @Nullable Counter hedges;
    private final @Nullable Counter ejections;

    /** This node's meters in the registry; guarded by the owner's lock. */
    private final List<Meter> registered = new ArrayList<>(6);

    /** Whether the node's meters were removed; guarded by the owner's lock. */
    private boolean retired;

    /** Made under the owner's lock. */
    private Node(@Nullable ServiceMeters owner, String nodeId) {
      this.owner = owner;
      this.nodeId = nodeId;
      if (owner == null || owner.registry == null) {
        retries = null;
        hedges = null;
        ejections = null;
        return;
      }
      retries = counter(owner, "ringmesh.client.retries", "attempts after a call's first");
      hedges = counter(owner, "ringmesh.client.hedges", "hedged attempts of idempotent calls");
      ejections = counter(owner, "ringmesh.client.ejections", "outlier ejections of the node");
    }

    private Counter counter(ServiceMeters s, String name, String description) {
      Counter c =
          Counter.builder(name)
              .description(description)
              .tag("service", s.service)
              .tag("node", nodeId)
              .register(Objects.requireNonNull(s.registry));
      registered.add(c);
      return c;
    }

    /** Removes this node's meters from {@code r}; under the owner's lock. */
    private void retire(MeterRegistry r) {
      retired = true;
      for (Meter m : registered) {
        r.remove(m);
      }
      registered.clear();
    }

    /** Whether anything is recorded: callers skip timing attempts when not. */
    public boolean enabled() {
      return owner != null;
    }

    /** Records an attempt on this node of {@code nanos} that ended with {@code status}. */
    public void attempt(Status status, long nanos) {
      ServiceMeters s = owner;
      if (s == null || s.registry == null) {
        return;
      }
      Timer t = attempts.get(status.ordinal());
      if (t == null) {
        synchronized (s.lock) {
          t = attempts.get(status.ordinal());
          if (t == null) {
            if (retired) {
              return;
            }
            t =
                Timer.builder("ringmesh.client.attempts")
                    .description("attempts of routed calls on one node, by outcome")
                    .tag("service", s.service)
                    .tag("node", nodeId)
                    .tag("status", status.name())
                    .register(s.registry);
            registered.add(t);
            attempts.set(status.ordinal(), t);
          }
        }
      }
      t.record(nanos, TimeUnit.NANOSECONDS);
    }

    /** Counts an attempt after a call's first, sent to this node. */
    public void retry() {
      if (retries != null) {
        retries.increment();
      }
    }

    /** Counts a hedged attempt sent to this node. */
    public void hedge() {
      if (hedges != null) {
        hedges.increment();
      }
    }

    /** Counts an ejection of this node. */
    public void ejected() {
      if (ejections != null) {
        ejections.increment();
      }
    }
  }
}
