package io.ringmesh.cluster.internal;

import io.ringmesh.cluster.KeyExtractor;
import io.ringmesh.cluster.Ticker;
import io.ringmesh.ring.BoundedLoadRouter;
import io.ringmesh.ring.BoundedLoadRouter.Assignment;
import io.ringmesh.ring.HashRing;
import io.ringmesh.ring.Node;
import io.ringmesh.rpc.CallOptions;
import io.ringmesh.rpc.MethodInvoker;
import io.ringmesh.rpc.RpcContext;
import io.ringmesh.rpc.RpcException;
import io.ringmesh.rpc.Status;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * The invocation handler behind a routed proxy: picks the nodes a call may try, runs the attempts
 * and decides after each failure whether the next node may be tried.
 *
 * <p>A call's nodes: for a keyed call, the key's preference list, with ejected nodes moved to the
 * end; for a key-less call, the less loaded (by this client's in-flight count) of two random
 * healthy nodes, then the other healthy nodes, then the ejected ones. At most {@code maxAttempts}.
 *
 * <p>After a failed attempt the call moves on only if all of these hold: the failure is {@code
 * UNAVAILABLE} or {@code RESOURCE_EXHAUSTED}; the server certainly did not run the call ({@link
 * RpcException#notExecuted()}, which includes {@link RpcException#neverSent()}) or the method is
 * {@code @Idempotent}; time is left before the call's one deadline; and the retry budget allows it.
 * An attempt with a next node waits at most a third of the time left for its connection, and if the
 * connection is not up by then fails unsent ({@code UNAVAILABLE}), so an unreachable node is passed
 * over in time. Every attempt is sent with the time left, so the attempts together never outlast
 * the deadline. A call made while serving an RPC has no more time than that RPC has left.
 *
 * <p>Immutable and thread-safe.
 */
public final class RoutedInvocationHandler implements InvocationHandler {
  private final Class<?> iface;
  private final ServiceRouter router;

  /** Calls a node without a proxy per attempt (each attempt has its own deadline). */
  private final MethodInvoker invoker;

  private final CallOptions options;

  /**
   * The share of the time left that an attempt with a next node to try may wait for its connection:
   * one third, so that a first unreachable node leaves two thirds of the deadline to the others.
   */
  private static final int CONNECT_WAIT_SHARE = 3;

  /**
   * How long a connection may take to come up before a call that gave up waiting for it counts as a
   * failure to reach the node: Linux's initial SYN retransmission timeout (RFC 6298's 1 s), so a
   * connection still not up after it lost a SYN or its answer, or was never answered at all. (With
   * an RPC connect timeout of 1 s or less, only the connect's own failure counts: it fails the
   * calls waiting for it with UNAVAILABLE.) A deadline that passed never sent for another reason
   * (the enclosing call's deadline, the client's own queue) does not count either.
   */
  static final Duration UNREACHABLE_AFTER = Duration.ofSeconds(1);

  private final long deadlineNanos;

  /**
   * The options of a first attempt with the whole deadline left (nearly every call), without and
   * with a connect wait: made once rather than per call.
   */
  private final CallOptions wholeDeadline;

  private final CallOptions wholeDeadlineWithConnectWait;
  private final int maxAttempts;
  private final Ticker ticker;
  private final Map<Method, RoutedMethod> methods;
  private final ServiceMeters meters;

  /**
   * Per hedged method (an idempotent method of a service that opted in), its recent latencies,
   * shared with every other proxy of the service; empty if the service does not hedge.
   */
  private final Map<Method, LatencyWindow> hedged;

  /** The fixed delay before a hedge, or 0 for each method's observed p95. */
  private final long hedgeDelayNanos;

  private final @Nullable ScheduledExecutorService hedgeTimer;

  /** Keys of calls to methods without a {@code @RouteKey}; null if the proxy has none. */
  private final @Nullable KeyExtractor keys;

  /** Whether {@link #keys} routes every call, {@code @RouteKey} or not. */
  private final boolean keysOverride;

  public RoutedInvocationHandler(
      RoutedInterface routed,
      ServiceRouter router,
      CallOptions options,
      ClusterSettings settings,
      @Nullable KeyExtractor keys,
      boolean keysOverride) {
    this.iface = routed.iface();
    this.keys = keys;
    this.keysOverride = keysOverride && keys != null;
    this.router = router;
    this.invoker = routed.invoker();
    this.options = options;
    Duration t = options.timeout();
    this.deadlineNanos = (t != null ? t : settings.defaultDeadline()).toNanos();
    this.wholeDeadline = options.withTimeout(Duration.ofNanos(deadlineNanos));
    this.wholeDeadlineWithConnectWait = withConnectWait(wholeDeadline, deadlineNanos);
    this.maxAttempts = settings.maxAttempts();
    this.ticker = settings.ticker();
    this.meters = router.meters();
    this.methods = routed.methods();
    Duration hedge = settings.hedgeDelays().get(router.service());
    this.hedgeTimer = settings.hedgeTimer();
    this.hedgeDelayNanos = hedge == null ? 0 : hedge.toNanos();
    Map<Method, LatencyWindow> h = new HashMap<>();
    if (hedge != null && hedgeTimer != null) {
      for (RoutedMethod rm : methods.values()) {
        if (rm.idempotent()) {
          h.put(rm.method(), router.latencies(rm.method()));
        }
      }
    }
    this.hedged = Map.copyOf(h);
  }

  @Override
  public @Nullable Object invoke(Object proxy, Method method, @Nullable Object[] args)
      throws Throwable {
    RoutedMethod m = methods.get(method);
    if (m == null) {
      return local(proxy, method, args);
    }
    long started = ticker.nanos();
    long deadline;
    Plan plan;
    try {
      checkOpen(m);
      deadline = started + deadlineNanos(m);
      plan = plan(m, args);
    } catch (RpcException e) {
      meters.call(e.status(), ticker.nanos() - started);
      if (m.async()) {
        return CompletableFuture.failedFuture(e);
      }
      throw e;
    }
    router.budget().onRequest(started);
    Assignment<NodeState> place = plan.place();
    LatencyWindow window = hedged.isEmpty() ? null : hedged.get(method);
    if (window != null) {
      CompletableFuture<@Nullable Object> result = new CompletableFuture<>();
      result.whenComplete((r, t) -> ended(place, started, t));
      new HedgedCall(m, args, plan.nodes(), deadline, window, result).start();
      return m.async() ? result : awaitHedged(m, result);
    }
    if (m.async()) {
      AsyncCall call = new AsyncCall(m, args, plan.nodes(), deadline, place);
      if (meters.enabled()) {
        call.whenComplete((r, t) -> ended(null, started, t)); // the call frees its own place
      }
      call.attempt(0, null, started);
      return call;
    }
    if (place == null && !meters.enabled()) {
      return callBlocking(m, args, plan.nodes(), deadline, started);
    }
    Throwable failure = null;
    try {
      return callBlocking(m, args, plan.nodes(), deadline, started);
    } catch (Throwable t) {
      failure = t;
      throw t;
    } finally {
      ended(place, started, failure);
    }
  }

  /**
   * Refuses a call once the client is closed. Its router no longer follows discovery, so the call
   * would go by membership frozen at close, and (with an RPC client of the caller's, which stays
   * open) could well succeed on a node that has since left; failing it says why instead.
   *
   * @throws RpcException UNAVAILABLE, never sent, as the RPC layer fails a call on a closed client
   */
  private void checkOpen(RoutedMethod m) {
    if (router.isClosed()) {
      throw RpcException.of(
          Status.UNAVAILABLE,
          "the ClusterClient was closed, so "
              + RoutedMethod.describe(m.method())
              + " was not sent to service "
              + router.service()
              + "; create a new ClusterClient and take proxies from it",
          null,
          true,
          true,
          null);
    }
  }

  /**
   * How long the call may take: the proxy's deadline, but no longer than the handler this thread is
   * serving has left. The RPC layer caps a call made on a handler's thread by itself, but a retry
   * (run when the last attempt fails, on an I/O thread) or a hedge (on the timer's thread) is not
   * made there; so the cap is read once here, into the one deadline every attempt shares.
   *
   * @throws RpcException DEADLINE_EXCEEDED, never sent, if that handler's deadline has passed
   */
  private long deadlineNanos(RoutedMethod m) {
    RpcContext enclosing = RpcContext.currentOrNull();
    if (enclosing == null) {
      return deadlineNanos;
    }
    long left = enclosing.timeRemaining().toNanos();
    if (left <= 0) {
      throw RpcException.of(
          Status.DEADLINE_EXCEEDED,
          "the deadline of the enclosing call "
              + enclosing.method()
              + " had passed before "
              + RoutedMethod.describe(m.method())
              + " was called on service "
              + router.service()
              + "; give the enclosing call a longer deadline, or check isDeadlineExpired() first",
          null,
          true,
          true,
          null);
    }
    return Math.min(left, deadlineNanos);
  }

  /** A call that started at {@code started} ended: frees its bounded-load place and counts it. */
  private void ended(
      @Nullable Assignment<NodeState> place, long started, @Nullable Throwable failure) {
    if (place != null) {
      place.close();
    }
    if (meters.enabled()) {
      meters.call(statusOf(failure), ticker.nanos() - started);
    }
  }

  /** The status a call or attempt that ended with {@code t} (null: success) is counted under. */
  private static Status statusOf(@Nullable Throwable t) {
    if (t == null) {
      return Status.OK;
    }
    Throwable cause = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
    if (cause instanceof RpcException e) {
      return e.status();
    }
    return cause instanceof java.util.concurrent.CancellationException
        ? Status.CANCELLED
        : Status.INTERNAL;
  }

  /**
   * A call's nodes in the order to try them, and its place under bounded loads (held until the call
   * ends, whichever node serves it), if the service uses them.
   */
  private interface Plan {
    List<NodeState> nodes();

    @Nullable Assignment<NodeState> place();
  }

  /** A plan whose nodes were listed when it was made. */
  private record ListedPlan(List<NodeState> nodes, @Nullable Assignment<NodeState> place)
      implements Plan {}

  /** Plans a call; fails if the service has no instance or the key is null. */
  private Plan plan(RoutedMethod m, @Nullable Object[] args) {
    RoutingSnapshot snapshot = router.current();
    HashRing<NodeState> ring = snapshot.ring();
    if (ring == null) {
      throw new RpcException(
          Status.UNAVAILABLE,
          "no live instance of service "
              + router.service()
              + " to call "
              + RoutedMethod.describe(m.method()));
    }
    int n = snapshot.nodes().size();
    byte[] key = key(m, args);
    long hash = key != null ? ring.hash(key) : 0;
    BoundedLoadRouter<NodeState> bounded = key != null ? router.bounded() : null;
    // Bounded loads: the first node with room along the key's list, then the list as usual.
    Assignment<NodeState> place = bounded != null ? bounded.acquire(hash) : null;
    if (key != null) {
      NodeState first = place != null ? place.node().payload() : ring.route(hash).payload();
      if (first != null && !first.health().isEjected()) {
        return new KeyedNodes(ring, hash, n, first, place);
      }
    }
    List<NodeState> healthy = new ArrayList<>(Math.min(n, maxAttempts));
    List<NodeState> ejected = new ArrayList<>(2);
    if (place != null) {
      NodeState first = place.node().payload();
      if (first != null) {
        ejected.add(first); // ejected, or it would have had the fast path above
      }
      addPreferences(ring, hash, n, first, healthy, ejected);
      healthy.addAll(ejected);
      return new ListedPlan(cap(healthy), place);
    }
    if (key != null) {
      addPreferences(ring, hash, n, null, healthy, ejected);
    } else {
      List<NodeState> all = snapshot.nodes();
      int start = n == 1 ? 0 : ThreadLocalRandom.current().nextInt(n);
      for (int i = 0; i < n; i++) {
        NodeState s = all.get((start + i) % n);
        (s.health().isEjected() ? ejected : healthy).add(s);
      }
      // Power of two choices (Mitzenmacher, 2001): the first two of a random rotation are two
      // random nodes; put the less loaded first.
      if (healthy.size() >= 2) {
        int j =
            1 + (healthy.size() > 2 ? ThreadLocalRandom.current().nextInt(healthy.size() - 1) : 0);
        NodeState a = healthy.get(0);
        NodeState b = healthy.get(j);
        if (b.inFlight() < a.inFlight()) {
          healthy.set(0, b);
          healthy.set(j, a);
        }
      }
    }
    healthy.addAll(ejected);
    return new ListedPlan(cap(healthy), null);
  }

  /**
   * The bytes of the call's key, or null for a key-less call.
   *
   * @throws RpcException INVALID_ARGUMENT if the {@code @RouteKey} argument is null, or the key
   *     extractor fails or gives a key of an unusable type
   */
  private byte @Nullable [] key(RoutedMethod m, @Nullable Object[] args) {
    if (m.keyIndex() >= 0 && !keysOverride) {
      byte[] key = m.keyBytes(args);
      if (key == null) {
        throw new RpcException(
            Status.INVALID_ARGUMENT,
            "the @RouteKey argument "
                + m.keyIndex()
                + " of "
                + RoutedMethod.describe(m.method())
                + " is null; a routed call needs a key");
      }
      return key;
    }
    KeyExtractor k = keys;
    if (k == null) {
      return null;
    }
    Object key;
    try {
      key = k.key(m.method(), args);
    } catch (RuntimeException e) {
      throw RpcException.of(
          Status.INVALID_ARGUMENT,
          "the key extractor failed on a call of " + RoutedMethod.describe(m.method()) + ": " + e,
          null,
          true,
          true,
          e);
    }
    if (key == null) {
      return null;
    }
    if (!RoutedMethod.isKeyType(key.getClass())) {
      throw new RpcException(
          Status.INVALID_ARGUMENT,
          "the key extractor gave a key of type "
              + key.getClass().getName()
              + " for "
              + RoutedMethod.describe(m.method())
              + ", which has no stable encoding; return a CharSequence, byte[], UUID, enum or"
              + " primitive box");
    }
    return RoutedMethod.encode(key);
  }

  /**
   * A keyed call's nodes when its first node is healthy (the key's owner, or under bounded loads
   * the first with room): that node at once, the rest of the key's preference list only when a
   * second attempt needs it. Most calls need one node, and listing the preferences allocates; so
   * does nothing else here. The rest is listed as {@link #plan} would have, after the first node,
   * from the same ring snapshot. Thread-safe (a hedged call reads it from its timer and its
   * callbacks).
   */
  private final class KeyedNodes extends AbstractList<NodeState> implements Plan {
    private final HashRing<NodeState> ring;
    private final long hash;
    private final int n;
    private final NodeState owner;
    private final @Nullable Assignment<NodeState> place;
    private @Nullable List<NodeState> all;

    KeyedNodes(
        HashRing<NodeState> ring,
        long hash,
        int n,
        NodeState owner,
        @Nullable Assignment<NodeState> place) {
      this.ring = ring;
      this.hash = hash;
      this.n = n;
      this.owner = owner;
      this.place = place;
    }

    @Override
    public List<NodeState> nodes() {
      return this;
    }

    @Override
    public @Nullable Assignment<NodeState> place() {
      return place;
    }

    @Override
    public NodeState get(int i) {
      return i == 0 ? owner : all().get(i);
    }

    @Override
    public int size() {
      return all().size();
    }

    private synchronized List<NodeState> all() {
      List<NodeState> a = all;
      if (a == null) {
        List<NodeState> healthy = new ArrayList<>(Math.min(n, maxAttempts + 2));
        List<NodeState> ejected = new ArrayList<>(2);
        healthy.add(owner);
        addPreferences(ring, hash, n, owner, healthy, ejected);
        healthy.addAll(ejected);
        a = cap(healthy);
        all = a;
      }
      return a;
    }
  }

  /** The key's preference list but {@code skip}, healthy nodes apart from ejected ones. */
  private void addPreferences(
      HashRing<NodeState> ring,
      long hash,
      int n,
      @Nullable NodeState skip,
      List<NodeState> healthy,
      List<NodeState> ejected) {
    // A few more than maxAttempts, so that ejected nodes can be passed over.
    for (Node<NodeState> node : ring.preferenceList(hash, Math.min(n, maxAttempts + 2))) {
      NodeState s = node.payload();
      if (s != null && s != skip) {
        (s.health().isEjected() ? ejected : healthy).add(s);
      }
    }
  }

  private List<NodeState> cap(List<NodeState> nodes) {
    return nodes.size() > maxAttempts ? nodes.subList(0, maxAttempts) : nodes;
  }

  private @Nullable Object callBlocking(
      RoutedMethod m, @Nullable Object[] args, List<NodeState> nodes, long deadline, long now)
      throws Throwable {
    RpcException last = null;
    for (int i = 0; ; i++) {
      NodeState node = nodes.get(i);
      CallOptions attempt =
          attemptOptions(deadline, m, last, i, hasNext(nodes, i), i == 0 ? now : ticker.nanos());
      if (i > 0) {
        node.meters().retry();
      }
      node.begin();
      long started = node.meters().enabled() ? ticker.nanos() : 0;
      Status outcome = Status.OK;
      try {
        Object result = invoker.invoke(node.instance().endpoint(), attempt, m.method(), args);
        node.health().onSuccess();
        return result;
      } catch (RpcException e) {
        outcome = e.status();
        record(node, e);
        if (!mayMoveOn(m, e, i, nodes.size())) {
          throw e;
        }
        last = e;
      } finally {
        node.end();
        if (node.meters().enabled()) {
          node.meters().attempt(outcome, ticker.nanos() - started);
        }
      }
    }
  }

  /**
   * The options of one attempt made at {@code now}: the time left of the call's deadline, and, if a
   * next node could take over, a connect wait of {@link #CONNECT_WAIT_SHARE} of it; throws if no
   * time is left, or if this is a later attempt and the client has been closed.
   */
  private CallOptions attemptOptions(
      long deadline,
      RoutedMethod m,
      @Nullable RpcException last,
      int attempt,
      boolean hasNext,
      long now) {
    if (attempt > 0) {
      checkOpen(m); // a retry or hedge of a call made before close() goes no further
    }
    long left = deadline - now;
    if (left <= 0) {
      throw RpcException.of(
          Status.DEADLINE_EXCEEDED,
          "the deadline of "
              + RoutedMethod.describe(m.method())
              + " passed after "
              + attempt
              + " attempt(s) on service "
              + router.service()
              + (last != null ? "; the last failed with " + last.getMessage() : ""),
          null,
          false,
          false,
          last);
    }
    if (left == deadlineNanos) {
      return hasNext ? wholeDeadlineWithConnectWait : wholeDeadline;
    }
    CallOptions o = options.withTimeout(Duration.ofNanos(left));
    // A node that cannot be reached (SYNs dropped, a hung process) keeps a call waiting for its
    // connection until the connect timeout, which may well outlast the call; the call would then
    // end by its deadline without trying another node. Capping the wait ends such an attempt in
    // time for the next node, with UNAVAILABLE and never sent, so moving on is safe whatever the
    // method. The connection goes on coming up, for the calls after this one.
    return hasNext ? withConnectWait(o, left) : o;
  }

  private static CallOptions withConnectWait(CallOptions o, long left) {
    return o.withConnectWait(Duration.ofNanos(Math.max(1, left / CONNECT_WAIT_SHARE)));
  }

  /**
   * Whether a call's list has a node after its {@code i}th. For a healthy owner's list, without
   * listing it: its length is the ring's node count capped at {@code maxAttempts}.
   */
  private boolean hasNext(List<NodeState> nodes, int i) {
    int size = nodes instanceof KeyedNodes k ? Math.min(k.n, maxAttempts) : nodes.size();
    return i + 1 < size;
  }

  private static void record(NodeState node, RpcException e) {
    Duration connecting = e.connectingFor().orElse(null);
    if (connecting != null && connecting.compareTo(UNREACHABLE_AFTER) < 0) {
      // The call gave up while its connection was still coming up, and had been for less than a
      // SYN retransmission: the caller's deadline (or the connect wait cut from it) was merely
      // shorter than a connect and handshake. Counting it would let a burst of short-deadline
      // calls on a fresh connection eject a healthy node.
      return;
    }
    switch (e.status()) {
      case UNAVAILABLE -> node.health().onFailure();
      case DEADLINE_EXCEEDED -> {
        // A deadline that passed with the request sent says nothing of the node: the caller's
        // deadline may simply have been short; nor does one that passed on this client's way to
        // the wire. One that passed while the connection had been coming up for long (above)
        // means the node could not be reached: a connect or handshake that never completes (SYNs
        // dropped, a hung process) fails only by the deadline, and never by UNAVAILABLE until the
        // connect timeout, so without this such a node would never be ejected.
        if (connecting != null) {
          node.health().onFailure();
        }
      }
      case CANCELLED -> {
        // Says nothing of the node: the caller gave up.
      }
      default -> node.health().onSuccess(); // the node answered
    }
  }

  private boolean mayMoveOn(RoutedMethod m, RpcException e, int attempt, int nodes) {
    boolean retryable =
        (e.status() == Status.UNAVAILABLE || e.status() == Status.RESOURCE_EXHAUSTED)
            && (e.notExecuted() || m.idempotent());
    if (!retryable || attempt + 1 >= nodes) {
      return false;
    }
    if (!router.budget().tryRetry()) {
      meters.retryRefused();
      return false;
    }
    return true;
  }

  /**
   * Waits for a blocking method's hedged call; an interrupt cancels it, and so does a wait on an
   * RPC I/O thread, which is refused as an unhedged call's would be (that thread may be the one
   * that must complete an attempt).
   */
  private static @Nullable Object awaitHedged(
      RoutedMethod m, CompletableFuture<@Nullable Object> result) {
    if (!result.isDone()) {
      try {
        MethodInvoker.checkMayBlock(RoutedMethod.describe(m.method()));
      } catch (RpcException e) {
        result.cancel(false); // cancels the attempts started, on their servers too
        throw e;
      }
    }
    try {
      return result.get();
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RpcException re) {
        throw re.withCallerStackTrace();
      }
      throw new RpcException(
          Status.INTERNAL, RoutedMethod.describe(m.method()) + " failed: " + cause, cause);
    } catch (InterruptedException e) {
      result.cancel(true);
      Thread.currentThread().interrupt();
      throw RpcException.of(
          Status.CANCELLED,
          "interrupted while waiting for "
              + RoutedMethod.describe(m.method())
              + "; the call was cancelled",
          null,
          false,
          false,
          e);
    }
  }

  /**
   * The attempts of one hedged call (an idempotent method of a service that hedges). The first
   * attempt goes to the first node; if no answer has come after the hedge delay, a second goes to
   * the next node (Dean and Barroso, "The Tail at Scale", 2013: hedged requests). The first success
   * wins and the other attempts are cancelled. A failed attempt moves on to the next untried node
   * as an unhedged call would; the call fails only when no attempt is left running and none may be
   * started. Hedges and retries both draw on the retry budget.
   */
  private final class HedgedCall {
    private final RoutedMethod m;
    private final @Nullable Object[] args;
    private final List<NodeState> nodes;
    private final long deadline;
    private final LatencyWindow window;
    private final CompletableFuture<@Nullable Object> result;

    /** Guarded by this: the next untried node, attempts running, and all attempts started. */
    private int next;

    private int running;
    private final List<CompletableFuture<?>> attempts = new ArrayList<>(2);
    private @Nullable RpcException lastFailure;

    HedgedCall(
        RoutedMethod m,
        @Nullable Object[] args,
        List<NodeState> nodes,
        long deadline,
        LatencyWindow window,
        CompletableFuture<@Nullable Object> result) {
      this.m = m;
      this.args = args;
      this.nodes = nodes;
      this.deadline = deadline;
      this.window = window;
      this.result = result;
    }

    void start() {
      result.whenComplete((r, t) -> cancelAll());
      launch(false);
      long delay = hedgeDelayNanos > 0 ? hedgeDelayNanos : window.p95();
      ScheduledExecutorService timer = hedgeTimer;
      if (delay <= 0 || nodes.size() < 2 || timer == null || result.isDone()) {
        return;
      }
      if (ticker.nanos() + delay - deadline >= 0) {
        return; // the deadline comes first
      }
      try {
        ScheduledFuture<?> hedge = timer.schedule(this::hedge, delay, TimeUnit.NANOSECONDS);
        result.whenComplete((r, t) -> hedge.cancel(false));
      } catch (RejectedExecutionException closing) {
        // The client is closing.
      }
    }

    private void hedge() {
      synchronized (this) {
        if (result.isDone() || next >= nodes.size()) {
          return;
        }
      }
      if (router.budget().tryRetry()) {
        launch(true);
      } else {
        meters.retryRefused();
      }
    }

    private void launch(boolean hedge) {
      int index;
      RpcException last;
      synchronized (this) {
        if (result.isDone() || next >= nodes.size()) {
          return;
        }
        index = next++;
        running++;
        last = lastFailure;
      }
      NodeState node = nodes.get(index);
      CallOptions options;
      try {
        options = attemptOptions(deadline, m, last, index, hasNext(nodes, index), ticker.nanos());
      } catch (RpcException e) {
        failed(e);
        return;
      }
      if (hedge) {
        node.meters().hedge();
      } else if (index > 0) {
        node.meters().retry();
      }
      node.begin();
      long begun = ticker.nanos();
      CompletableFuture<@Nullable Object> f;
      try {
        f = invoker.start(node.instance().endpoint(), options, m.method(), args);
      } catch (RuntimeException e) {
        f = CompletableFuture.failedFuture(e);
      }
      synchronized (this) {
        attempts.add(f);
      }
      if (result.isDone()) {
        f.cancel(true);
      }
      f.whenComplete(
          (r, t) -> {
            node.end();
            long took = ticker.nanos() - begun;
            node.meters().attempt(statusOf(t), took);
            if (t == null) {
              node.health().onSuccess();
              window.record(took);
              result.complete(r);
              return;
            }
            Throwable cause =
                t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
            if (cause instanceof RpcException e) {
              record(node, e);
            }
            failed(cause);
          });
    }

    /** An attempt failed: move on, wait for another attempt still running, or fail the call. */
    private void failed(Throwable cause) {
      boolean othersRunning;
      boolean untried;
      synchronized (this) {
        running--;
        if (cause instanceof RpcException e) {
          lastFailure = e;
        }
        othersRunning = running > 0;
        untried = next < nodes.size();
      }
      if (result.isDone()) {
        return;
      }
      boolean retryable =
          cause instanceof RpcException e
              && (e.status() == Status.UNAVAILABLE || e.status() == Status.RESOURCE_EXHAUSTED);
      if (!retryable) {
        result.completeExceptionally(cause); // an answer, if a failure: the first answer wins
        return;
      }
      if (untried) {
        if (router.budget().tryRetry()) {
          launch(false);
          return;
        }
        meters.retryRefused();
      }
      if (!othersRunning) {
        result.completeExceptionally(cause);
      }
    }

    private void cancelAll() {
      List<CompletableFuture<?>> started;
      synchronized (this) {
        started = List.copyOf(attempts);
      }
      for (CompletableFuture<?> f : started) {
        if (!f.isDone()) {
          f.cancel(true); // the loser is cancelled on its server too
        }
      }
    }
  }

  /**
   * The attempts of one CompletableFuture-returning call, each started when the last fails; it is
   * itself the call's future (one object and no extra stage per call), and cancelling it cancels
   * the attempt in flight, on the server too.
   */
  private final class AsyncCall extends CompletableFuture<@Nullable Object> {
    private final RoutedMethod m;
    private final @Nullable Object[] args;
    private final List<NodeState> nodes;
    private final long deadline;
    private final @Nullable Assignment<NodeState> place;
    private volatile @Nullable CompletableFuture<?> inFlight;

    AsyncCall(
        RoutedMethod m,
        @Nullable Object[] args,
        List<NodeState> nodes,
        long deadline,
        @Nullable Assignment<NodeState> place) {
      this.m = m;
      this.args = args;
      this.nodes = nodes;
      this.deadline = deadline;
      this.place = place;
    }

    /**
     * Frees the call's place under bounded loads (once; closing is idempotent) and ends the call,
     * freeing first so that the call's dependents, which may well make the next call, find it free.
     * Every way the call ends passes here or through {@link #cancel}, and so does every attempt's
     * end, whatever the caller did to this future meanwhile (completed or obtruded it).
     */
    private void finish(@Nullable Object value, @Nullable Throwable failure) {
      if (place != null) {
        place.close();
      }
      if (failure == null) {
        complete(value);
      } else {
        completeExceptionally(failure);
      }
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
      if (place != null) {
        place.close();
      }
      boolean cancelled = super.cancel(mayInterruptIfRunning);
      CompletableFuture<?> f = inFlight;
      if (cancelled && f != null) {
        f.cancel(true); // cancels the call on the server
      }
      return cancelled;
    }

    /** Dependent stages are plain futures: cancelling one of them is not cancelling the call. */
    @Override
    public <U> CompletableFuture<U> newIncompleteFuture() {
      return new CompletableFuture<>();
    }

    /** Starts attempt {@code i} at {@code now}, after {@code last} failed (null for the first). */
    void attempt(int i, @Nullable RpcException last, long now) {
      if (isDone()) {
        finish(null, last); // cancelled or completed by the caller: only the place is left
        return;
      }
      NodeState node = nodes.get(i);
      CompletableFuture<?> f;
      CallOptions attempt;
      try {
        attempt = attemptOptions(deadline, m, last, i, hasNext(nodes, i), now);
      } catch (RpcException e) {
        finish(null, e);
        return;
      }
      try {
        f =
            (CompletableFuture<?>)
                invoker.invoke(node.instance().endpoint(), attempt, m.method(), args);
      } catch (Throwable t) {
        f = CompletableFuture.failedFuture(t);
      }
      if (f == null) {
        finish(
            null,
            new RpcException(
                Status.INTERNAL, RoutedMethod.describe(m.method()) + " returned null"));
        return;
      }
      if (i > 0) {
        node.meters().retry();
      }
      node.begin();
      long started = node.meters().enabled() ? ticker.nanos() : 0;
      inFlight = f;
      if (isCancelled()) {
        f.cancel(true);
      }
      f.whenComplete((r, t) -> ended(i, node, started, r, t));
    }

    /** Attempt {@code i}, on {@code node} since {@code started}, ended. */
    private void ended(
        int i, NodeState node, long started, @Nullable Object r, @Nullable Throwable t) {
      node.end();
      if (node.meters().enabled()) {
        node.meters().attempt(statusOf(t), ticker.nanos() - started);
      }
      if (t == null) {
        node.health().onSuccess();
        finish(r, null);
        return;
      }
      Throwable cause = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
      if (cause instanceof RpcException e) {
        record(node, e);
        if (mayMoveOn(m, e, i, nodes.size())) {
          attempt(i + 1, e, ticker.nanos());
          return;
        }
      }
      finish(null, cause);
    }
  }

  private @Nullable Object local(Object proxy, Method method, @Nullable Object[] args)
      throws Throwable {
    if (method.getDeclaringClass() == Object.class) {
      return switch (method.getName()) {
        case "equals" -> args != null && proxy == args[0];
        case "hashCode" -> System.identityHashCode(proxy);
        case "toString" -> "RoutedProxy[" + iface.getName() + " -> " + router.service() + "]";
        default -> throw new UnsupportedOperationException(method.toString());
      };
    }
    if (method.isDefault()) {
      return InvocationHandler.invokeDefault(proxy, method, args);
    }
    throw new UnsupportedOperationException(method + " is not a method of " + iface.getName());
  }
}
