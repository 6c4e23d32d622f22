package io.ringmesh.cluster;

import io.micrometer.core.instrument.MeterRegistry;
import io.ringmesh.cluster.internal.ClusterSettings;
import io.ringmesh.cluster.internal.RoutedInterface;
import io.ringmesh.cluster.internal.RoutedInvocationHandler;
import io.ringmesh.cluster.internal.ServiceRouter;
import io.ringmesh.ring.Algorithm;
import io.ringmesh.rpc.CallOptions;
import io.ringmesh.rpc.RpcClient;
import io.ringmesh.rpc.RpcService;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import org.jspecify.annotations.Nullable;

/**
 * Calls services spread over many nodes through typed proxies: each call goes to the node that owns
 * its {@link RouteKey} on the service's consistent-hash ring, and moves on along the key's
 * preference list when that is safe.
 *
 * <pre>{@code
 * try (ClusterClient cluster = ClusterClient.builder().discovery(discovery).build()) {
 *   Store store = cluster.proxy(Store.class);
 *   String v = store.get("user:42");   // same node every time while membership holds
 * }
 * }</pre>
 *
 * <p>Per service the client keeps one ring, built from {@link Discovery} by node id (so a node
 * restarted on a new port keeps its keys), rebuilt off the request path on every change and swapped
 * atomically. A call without a key goes to the less loaded of two random healthy nodes. A failed
 * attempt moves to the next node when the server certainly did not run it, or when the method is
 * {@link Idempotent}; all attempts share the call's one deadline and a Finagle-style retry budget.
 * A node that fails repeatedly is ejected for a backoff that doubles.
 *
 * <p>Blocking methods block the caller; methods returning {@code CompletableFuture} hold no thread,
 * and their retries start from the I/O thread that saw the failure.
 *
 * <p>Thread-safe; proxies are thread-safe and may be shared.
 */
public final class ClusterClient implements AutoCloseable {
  private final Discovery discovery;
  private final RpcClient rpc;
  private final boolean ownsRpc;
  private final ClusterSettings settings;
  private final @Nullable ExecutorService ownExecutor;
  private final @Nullable ScheduledExecutorService hedgeTimer;
  private final Map<String, ServiceRouter> routers = new ConcurrentHashMap<>();

  /** The service interfaces proxies were made of, read once each: see {@link RoutedInterface}. */
  private final Map<Class<?>, RoutedInterface> interfaces = new ConcurrentHashMap<>();

  // Why routers are added under `lock`: proxy() checked `closed` and then added the service's
  // router, while close() set `closed` and walked the routers. A proxy() that had passed the check
  // could add its router after close() had walked past, and that router stayed subscribed to
  // discovery, its meters registered, for good. Now a router is only added under `lock` with
  // `closed` still false, and close() sets `closed` and takes the routers under the same lock, so
  // every router is either seen by close() or never made. Finding an existing router takes no
  // lock: proxyForKey makes a proxy per key, and a proxy over a router closed meanwhile fails its
  // calls as any proxy of a closed client does. The router is made under the lock (it subscribes
  // to discovery); close() closes the routers after releasing it, so that this client never holds
  // its lock while closing a subscription.

  /** Guards adding to {@link #routers} and setting {@link #closed}. */
  private final Object lock = new Object();

  private volatile boolean closed;

  private ClusterClient(
      Builder b, ClusterSettings settings, @Nullable ExecutorService ownExecutor) {
    this.discovery = Objects.requireNonNull(b.discovery);
    this.ownsRpc = b.rpc == null;
    this.rpc =
        b.rpc != null
            ? b.rpc
            : RpcClient.builder().defaultDeadline(settings.defaultDeadline()).build();
    this.settings = settings;
    this.ownExecutor = ownExecutor;
    this.hedgeTimer = settings.hedgeTimer();
  }

  /** A builder; {@link Builder#discovery} is required. */
  public static Builder builder() {
    return new Builder();
  }

  /** A routed proxy of {@code iface} with the client's default deadline. */
  public <T> T proxy(Class<T> iface) {
    return proxy(iface, CallOptions.DEFAULT);
  }

  /**
   * A routed proxy of {@code iface}; {@code options}' timeout, if set, is each call's whole
   * deadline, and its metadata goes with every attempt.
   *
   * @throws IllegalArgumentException if {@code iface} is not a valid service interface, or a method
   *     has more than one {@link RouteKey} or a key of an unusable type; the message names the
   *     method
   * @throws IllegalStateException if the client is closed
   */
  public <T> T proxy(Class<T> iface, CallOptions options) {
    return proxy(iface, options, null);
  }

  /**
   * A routed proxy of {@code iface} whose calls to methods without a {@link RouteKey} parameter are
   * routed by the key {@code keys} derives from their arguments (see {@link KeyExtractor}); as
   * {@link #proxy(Class, CallOptions)} otherwise.
   */
  public <T> T proxy(Class<T> iface, CallOptions options, @Nullable KeyExtractor keys) {
    return proxy(iface, options, keys, false);
  }

  /**
   * A routed proxy of {@code iface} whose every call is routed by {@code key}, whatever the
   * method's {@link RouteKey} argument: to send a batch of calls to the node that owns one key (a
   * tenant, say), or to route a call from outside Java (the CLI's {@code call --key}). The key is
   * of a type {@link RouteKey} allows; failover and everything else are as usual.
   *
   * @throws IllegalArgumentException if the key's type has no stable encoding
   */
  public <T> T proxyForKey(Class<T> iface, Object key) {
    Objects.requireNonNull(key, "key");
    if (!io.ringmesh.cluster.internal.RoutedMethod.isKeyType(key.getClass())) {
      throw new IllegalArgumentException(
          "a routing key of type "
              + key.getClass().getName()
              + " has no stable encoding; use a CharSequence, byte[], UUID, enum or primitive box");
    }
    return proxy(iface, CallOptions.DEFAULT, (method, args) -> key, true);
  }

  private <T> T proxy(
      Class<T> iface, CallOptions options, @Nullable KeyExtractor keys, boolean keysOverride) {
    Objects.requireNonNull(iface, "iface");
    Objects.requireNonNull(options, "options");
    checkOpen();
    RoutedInterface routed = interfaces.get(iface);
    if (routed == null) {
      // Not computeIfAbsent: reading an interface can throw, and may take a while.
      routed = RoutedInterface.of(iface, rpc);
      interfaces.putIfAbsent(iface, routed);
    }
    ServiceRouter router = router(serviceName(iface));
    RoutedInvocationHandler handler =
        new RoutedInvocationHandler(routed, router, options, settings, keys, keysOverride);
    return iface.cast(
        Proxy.newProxyInstance(iface.getClassLoader(), new Class<?>[] {iface}, handler));
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException(
          "the ClusterClient is closed; create a new ClusterClient to make proxies");
    }
  }

  /** The router of {@code service}, made on first use; see {@link #lock}. */
  private ServiceRouter router(String service) {
    ServiceRouter router = routers.get(service);
    if (router != null) {
      return router;
    }
    synchronized (lock) {
      checkOpen();
      return routers.computeIfAbsent(service, s -> new ServiceRouter(s, discovery, settings));
    }
  }

  /**
   * The name under which {@code iface} is served and discovered: {@link RpcService} or its name.
   */
  public static String serviceName(Class<?> iface) {
    RpcService named = iface.getAnnotation(RpcService.class);
    return named != null ? named.value() : iface.getName();
  }

  /**
   * Stops following discovery, removes the client's meters, and closes the RPC client if this
   * client made it (failing calls in flight with UNAVAILABLE). Calls made after through proxies of
   * this client fail at once with UNAVAILABLE, never sent. Idempotent.
   */
  @Override
  public void close() {
    List<ServiceRouter> made;
    synchronized (lock) {
      closed = true;
      made = List.copyOf(routers.values());
    }
    for (ServiceRouter r : made) {
      r.close();
    }
    if (ownExecutor != null) {
      ownExecutor.shutdownNow();
    }
    if (hedgeTimer != null) {
      hedgeTimer.shutdownNow();
    }
    if (ownsRpc) {
      rpc.close();
    }
  }

  /** Configures a {@link ClusterClient}; not thread-safe. */
  public static final class Builder {
    private @Nullable Discovery discovery;
    private @Nullable RpcClient rpc;
    private Duration defaultDeadline = Duration.ofSeconds(1);
    private Algorithm algorithm = Algorithm.RING;
    private int maxAttempts = 3;
    private double retryPercent = 0.2;
    private int retryMinPerSecond = 10;
    private int ejectionThreshold = 5;
    private Duration ejectionBase = Duration.ofSeconds(1);
    private Duration ejectionMax = Duration.ofSeconds(30);
    private Ticker ticker = Ticker.system();
    private @Nullable Executor rebuildExecutor;
    private final Map<String, Double> boundedLoads = new HashMap<>();
    private @Nullable MeterRegistry meterRegistry;
    private final Map<String, Duration> hedgeDelays = new HashMap<>();

    private Builder() {}

    /** Where the instances of each service come from. Required. */
    public Builder discovery(Discovery discovery) {
      this.discovery = Objects.requireNonNull(discovery, "discovery");
      return this;
    }

    /**
     * The RPC client to send attempts through, which this client will not close. By default the
     * cluster client makes its own and closes it.
     */
    public Builder rpcClient(RpcClient rpc) {
      this.rpc = Objects.requireNonNull(rpc, "rpcClient");
      return this;
    }

    /** The whole time a call may take, every attempt included; 1 s by default. */
    public Builder defaultDeadline(Duration deadline) {
      this.defaultDeadline = positive(deadline, "defaultDeadline");
      return this;
    }

    /**
     * The ring algorithm; {@link Algorithm#RING} by default. {@link Algorithm#MEMENTO} is refused:
     * its routes depend on the order of changes, and clients rebuild from sets.
     */
    public Builder algorithm(Algorithm algorithm) {
      Objects.requireNonNull(algorithm, "algorithm");
      if (algorithm == Algorithm.MEMENTO) {
        throw new IllegalArgumentException(
            "algorithm MEMENTO routes by the order of membership changes, so clients that rebuild"
                + " from discovery could disagree; use RING, MAGLEV or RENDEZVOUS");
      }
      this.algorithm = algorithm;
      return this;
    }

    /** The most nodes one call tries, the first included; 3 by default. */
    public Builder maxAttempts(int attempts) {
      if (attempts < 1) {
        throw new IllegalArgumentException("maxAttempts must be at least 1, was " + attempts);
      }
      this.maxAttempts = attempts;
      return this;
    }

    /**
     * The retry budget: retries may be {@code percent} of requests plus {@code minPerSecond} per
     * second, over a 10 s window; 0.2 and 10 by default (Finagle's).
     */
    public Builder retryBudget(double percent, int minPerSecond) {
      if (!(percent >= 0 && percent <= 1)) {
        throw new IllegalArgumentException("retry percent must be in [0, 1], was " + percent);
      }
      if (minPerSecond < 0) {
        throw new IllegalArgumentException(
            "retry minPerSecond must not be negative, was " + minPerSecond);
      }
      this.retryPercent = percent;
      this.retryMinPerSecond = minPerSecond;
      return this;
    }

    /**
     * Outlier ejection: after {@code consecutiveFailures} failures in a row to reach a node ({@code
     * UNAVAILABLE}, or a deadline that passed before the request could be sent) the node is skipped
     * for {@code base}, doubling with each ejection in a row up to {@code max}; 5, 1 s and 30 s by
     * default. A call that gave up waiting for a connection that had been coming up for less than 1
     * s is not counted: its deadline was merely shorter than the handshake.
     */
    public Builder outlierEjection(int consecutiveFailures, Duration base, Duration max) {
      if (consecutiveFailures < 1) {
        throw new IllegalArgumentException(
            "consecutiveFailures must be at least 1, was " + consecutiveFailures);
      }
      positive(base, "ejection base");
      positive(max, "ejection max");
      if (max.compareTo(base) < 0) {
        throw new IllegalArgumentException(
            "ejection max " + max + " is shorter than ejection base " + base);
      }
      this.ejectionThreshold = consecutiveFailures;
      this.ejectionBase = base;
      this.ejectionMax = max;
      return this;
    }

    /**
     * Opts {@code iface}'s service in to consistent hashing with bounded loads (Mirrokni, Thorup
     * and Zadimoghaddam): a keyed call goes to the first node along its key's preference list whose
     * calls in flight from this client are under {@code ceil((1 + epsilon) * mean)}, weighted; the
     * key's primary whenever it has room. {@link
     * io.ringmesh.ring.BoundedLoadRouter#DEFAULT_EPSILON} is 0.25. Key-less calls are unaffected.
     */
    public Builder boundedLoads(Class<?> iface, double epsilon) {
      Objects.requireNonNull(iface, "iface");
      if (!(epsilon > 0) || Double.isInfinite(epsilon)) {
        throw new IllegalArgumentException(
            "bounded-load epsilon must be positive and finite, was " + epsilon);
      }
      boundedLoads.put(serviceName(iface), epsilon);
      return this;
    }

    /**
     * Where the client's meters go: per service, calls by status with a latency histogram ({@code
     * ringmesh.client.calls}); per node, attempts by status, retries, hedges and ejections; the
     * retries the budget refused; and under bounded loads the assignments and spills. None by
     * default.
     */
    public Builder meterRegistry(MeterRegistry registry) {
      this.meterRegistry = Objects.requireNonNull(registry, "meterRegistry");
      return this;
    }

    /**
     * Hedges {@code iface}'s {@link Idempotent} methods: when a call has had no reply after the
     * method's observed 95th percentile latency (over its last 256 successful attempts; no hedge
     * before 64 of them), a second attempt goes to the next node of the call's list and the first
     * answer wins; the other attempt is cancelled. A hedge is a retry to the retry budget, so
     * hedges stop when the budget is spent, and each attempt gets only the time left of the call's
     * deadline. Other methods are unaffected.
     */
    public Builder hedging(Class<?> iface) {
      Objects.requireNonNull(iface, "iface");
      hedgeDelays.put(serviceName(iface), Duration.ZERO);
      return this;
    }

    /** As {@link #hedging(Class)}, with a fixed delay before the second attempt. */
    public Builder hedging(Class<?> iface, Duration delay) {
      Objects.requireNonNull(iface, "iface");
      hedgeDelays.put(serviceName(iface), positive(delay, "hedging delay"));
      return this;
    }

    /** The clock of deadlines, the retry budget and ejections; for tests. */
    public Builder ticker(Ticker ticker) {
      this.ticker = Objects.requireNonNull(ticker, "ticker");
      return this;
    }

    /**
     * Where ring rebuilds run. By default one daemon thread of the client's own; tests pass {@code
     * Runnable::run} to rebuild on the thread that changed discovery.
     */
    public Builder rebuildExecutor(Executor executor) {
      this.rebuildExecutor = Objects.requireNonNull(executor, "rebuildExecutor");
      return this;
    }

    /** Builds the client. */
    public ClusterClient build() {
      if (discovery == null) {
        throw new IllegalStateException("discovery is required: call discovery(...)");
      }
      ExecutorService own = null;
      Executor executor = rebuildExecutor;
      if (executor == null) {
        own =
            Executors.newSingleThreadExecutor(
                r -> {
                  Thread t = new Thread(r, "ringmesh-cluster-rebuild");
                  t.setDaemon(true);
                  return t;
                });
        executor = own;
      }
      ClusterSettings settings =
          new ClusterSettings(
              defaultDeadline,
              algorithm,
              maxAttempts,
              retryPercent,
              retryMinPerSecond,
              ejectionThreshold,
              ejectionBase,
              ejectionMax,
              ticker,
              executor,
              boundedLoads,
              meterRegistry,
              hedgeDelays,
              hedgeDelays.isEmpty() ? null : newHedgeTimer());
      return new ClusterClient(this, settings, own);
    }

    private static ScheduledExecutorService newHedgeTimer() {
      ScheduledThreadPoolExecutor timer =
          new ScheduledThreadPoolExecutor(
              1,
              r -> {
                Thread t = new Thread(r, "ringmesh-cluster-hedge");
                t.setDaemon(true);
                return t;
              });
      timer.setRemoveOnCancelPolicy(true); // most hedge timers are cancelled: the reply came
      return timer;
    }

    private static Duration positive(Duration d, String name) {
      Objects.requireNonNull(d, name);
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(name + " must be positive, was " + d);
      }
      return d;
    }
  }
}
