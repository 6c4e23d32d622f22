package io.ringmesh.cluster.internal;

import io.ringmesh.cluster.Discovery;
import io.ringmesh.cluster.ServiceInstance;
import io.ringmesh.ring.BoundedLoadRouter;
import io.ringmesh.ring.HashRing;
import io.ringmesh.ring.HashRingBuilder;
import io.ringmesh.ring.Node;
import io.ringmesh.ring.RingHolder;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;

/**
 * The routing state of one service in one client: the current {@link RoutingSnapshot}, rebuilt from
 * discovery whenever it changes and swapped in atomically.
 *
 * <p>Readers call {@link #current()}, one volatile read; they never wait for a rebuild. A change
 * from discovery only submits a rebuild to the settings' rebuild executor (Dubbo users report
 * rebuilds of 300 ms on the request path; here a call keeps routing on the previous snapshot until
 * the next one is ready). Rebuilds carry a generation so a slow, older rebuild never replaces a
 * newer snapshot.
 *
 * <p>Thread-safe.
 */
public final class ServiceRouter implements AutoCloseable {
  private final String service;
  private final ClusterSettings settings;
  private final RetryBudget budget;
  private final AtomicReference<RoutingSnapshot> current;
  private final AtomicLong generations = new AtomicLong();

  /** Node states by id, kept across rebuilds; guarded by this (only rebuilds touch it). */
  private final Map<String, NodeState> states = new HashMap<>();

  /** The generation of the newest list built; guarded by this. */
  private long built;

  private final Discovery.Subscription subscription;

  // Closing: a discovery need not wait for a delivery in progress when a subscription is closed
  // (RegistryDiscovery's thread calls the listeners of a copy of the list, so a listener removed
  // meanwhile still hears of that change), and a rebuild submitted before close() may run after
  // it. Either would rebuild the ring of a closed router and register node meters that close()
  // has just removed. So onChange and rebuilds check `closed`, which close() sets under the lock
  // rebuilds hold: once close() has set it, no rebuild is running and none will start.

  /** Whether {@link #close()} was called; written under this. */
  private volatile boolean closed;

  /** Bounded loads, if this service opted in: epsilon, else NaN. */
  private final double epsilon;

  /** The ring the bounded-load router reads, kept equal to the snapshot's; guarded by this. */
  private @Nullable RingHolder<NodeState> holder;

  private volatile @Nullable BoundedLoadRouter<NodeState> bounded;

  private final ServiceMeters meters;

  /**
   * Per hedged method, its recent latencies. Here rather than in each proxy's handler: a proxy is
   * cheap and often short-lived ({@code proxyForKey} makes one per key), and a window of its own
   * would rarely fill to the samples a p95 needs, so such proxies would never hedge.
   */
  private final Map<Method, LatencyWindow> latencies = new ConcurrentHashMap<>();

  public ServiceRouter(String service, Discovery discovery, ClusterSettings settings) {
    this.service = service;
    this.settings = settings;
    this.budget =
        new RetryBudget(settings.retryPercent(), settings.retryMinPerSecond(), settings.ticker());
    Double eps = settings.boundedLoadEpsilon().get(service);
    this.epsilon = eps != null ? eps : Double.NaN;
    this.meters = ServiceMeters.of(settings.meterRegistry(), service);
    // Subscribe before the first read, so that no change falls between them.
    this.current = new AtomicReference<>(new RoutingSnapshot(0, null, List.of()));
    this.subscription = discovery.subscribe(service, this::onChange);
    try {
      rebuild(generations.incrementAndGet(), discovery.instances(service));
    } catch (RuntimeException e) {
      // Nobody will close a router that was never made: undo the subscription and the meters.
      close();
      throw e;
    }
    meters.bind(this);
  }

  /** This client's meters of the service. */
  public ServiceMeters meters() {
    return meters;
  }

  /** The service this router routes. */
  public String service() {
    return service;
  }

  /** The current snapshot; never blocks. */
  public RoutingSnapshot current() {
    return current.get();
  }

  /**
   * The latency window of {@code method}, shared by every proxy of this service; made on first use.
   */
  LatencyWindow latencies(Method method) {
    return latencies.computeIfAbsent(method, m -> new LatencyWindow());
  }

  /** The retry budget shared by every call to this service. */
  public RetryBudget budget() {
    return budget;
  }

  private void onChange(String ignored, List<ServiceInstance> instances) {
    if (closed) {
      return;
    }
    long generation = generations.incrementAndGet();
    try {
      settings.rebuildExecutor().execute(() -> rebuild(generation, instances));
    } catch (RejectedExecutionException e) {
      // The client is closing; nothing routes any more.
    }
  }

  /**
   * The bounded-load router over the current ring, if this service opted in to bounded loads and
   * has had an instance; else null.
   */
  public @Nullable BoundedLoadRouter<NodeState> bounded() {
    return bounded;
  }

  private synchronized void rebuild(long generation, List<ServiceInstance> instances) {
    // A rebuild executor with several threads may run rebuilds out of order. An older rebuild's
    // snapshot would lose to the newer one in install(), but its build() would still reset the
    // node states to the older list, and drop the meters of nodes the newer list kept; so an older
    // rebuild is skipped whole.
    if (closed || generation <= built) {
      return;
    }
    built = generation;
    install(build(generation, instances));
  }

  /** Under this. */
  private void install(RoutingSnapshot next) {
    RoutingSnapshot won =
        current.accumulateAndGet(next, (old, n) -> n.generation() > old.generation() ? n : old);
    HashRing<NodeState> ring = won.ring();
    if (won != next || Double.isNaN(epsilon) || ring == null) {
      return;
    }
    if (holder == null) {
      holder = new RingHolder<>(ring);
      bounded = BoundedLoadRouter.create(holder, epsilon);
    } else {
      holder.update(r -> ring);
    }
  }

  /**
   * Under this. A node kept on the same endpoint keeps its state; one listed anew gets a new state
   * but, by its id, the same meters; a node left out has its meters removed.
   */
  private RoutingSnapshot build(long generation, List<ServiceInstance> instances) {
    List<NodeState> nodes = new ArrayList<>(instances.size());
    Map<String, NodeState> kept = new HashMap<>();
    for (ServiceInstance i : instances) {
      NodeState old = states.get(i.nodeId());
      NodeState s =
          old != null && old.instance().endpoint().equals(i.endpoint()) ? old : newState(i);
      kept.put(i.nodeId(), s);
      nodes.add(s);
    }
    for (String id : states.keySet()) {
      if (!kept.containsKey(id)) {
        meters.drop(id);
      }
    }
    states.clear();
    states.putAll(kept);
    nodes.sort(Comparator.comparing(NodeState::nodeId));
    if (nodes.isEmpty()) {
      return new RoutingSnapshot(generation, null, nodes);
    }
    HashRingBuilder<NodeState> b = HashRing.<NodeState>builder().algorithm(settings.algorithm());
    for (NodeState s : nodes) {
      b.node(Node.of(s.nodeId(), s.instance().weight(), s));
    }
    return new RoutingSnapshot(generation, b.build(), nodes);
  }

  private NodeState newState(ServiceInstance instance) {
    ServiceMeters.Node m = meters.node(instance.nodeId());
    NodeHealth health =
        new NodeHealth(
            settings.ejectionThreshold(),
            settings.ejectionBase().toNanos(),
            settings.ejectionMax().toNanos(),
            settings.ticker(),
            m::ejected);
    return new NodeState(instance, health, m);
  }

  /** Whether {@link #close()} was called: the client that routes through this was closed. */
  public boolean isClosed() {
    return closed;
  }

  /** Stops following discovery and removes the service's meters; idempotent. */
  @Override
  public void close() {
    synchronized (this) {
      closed = true;
    }
    subscription.close();
    meters.close();
  }
}
