package io.ringmesh.coord.internal;

import io.ringmesh.coord.LockException;
import io.ringmesh.coord.internal.Messages.AcquireMode;
import io.ringmesh.coord.internal.Messages.AcquireReply;
import io.ringmesh.coord.internal.Messages.AcquireRequest;
import io.ringmesh.coord.internal.Messages.CloseSessionRequest;
import io.ringmesh.coord.internal.Messages.ClusterInfo;
import io.ringmesh.coord.internal.Messages.DeregisterRequest;
import io.ringmesh.coord.internal.Messages.GroupInfo;
import io.ringmesh.coord.internal.Messages.GroupsReply;
import io.ringmesh.coord.internal.Messages.HeartbeatRequest;
import io.ringmesh.coord.internal.Messages.ListLocksReply;
import io.ringmesh.coord.internal.Messages.ListLocksRequest;
import io.ringmesh.coord.internal.Messages.LockInfoReply;
import io.ringmesh.coord.internal.Messages.LockInfoRequest;
import io.ringmesh.coord.internal.Messages.OpenSessionRequest;
import io.ringmesh.coord.internal.Messages.RegisterRequest;
import io.ringmesh.coord.internal.Messages.RegistryReply;
import io.ringmesh.coord.internal.Messages.RegistryRequest;
import io.ringmesh.coord.internal.Messages.RegistryWriteReply;
import io.ringmesh.coord.internal.Messages.ReleaseReply;
import io.ringmesh.coord.internal.Messages.ReleaseRequest;
import io.ringmesh.coord.internal.Messages.SessionReply;
import io.ringmesh.coord.internal.Messages.ShardOutcome;
import io.ringmesh.coord.internal.Messages.WithdrawRequest;
import io.ringmesh.rpc.CallOptions;
import io.ringmesh.rpc.Endpoint;
import io.ringmesh.rpc.MethodInvoker;
import io.ringmesh.rpc.RpcClient;
import io.ringmesh.rpc.RpcException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * {@link CoordinatorService} reached over ringmesh-rpc: the client side of the lock service's
 * transport, for one coordinator or an ensemble. Thread-safe.
 *
 * <p>Design. The seam's contract is that outcomes are statuses inside replies, never exceptions, so
 * that {@code ClientSession}'s retry logic is the same in-process and over the network. This class
 * keeps that contract: a transport failure (refused connection, lost connection, per-attempt
 * deadline, shed load) becomes a reply with {@link Status#UNAVAILABLE}, which the session retries
 * with the same (session, requestId) pair, so the shard's table of applied requests turns a retry
 * after a lost reply into the original answer instead of a second grant.
 *
 * <p>Routing. Each shard has its own Raft leader, so the client keeps a per-shard guess of which
 * endpoint leads it. A lock request goes to its shard's guess ({@link Placement} maps the name, as
 * the coordinators do); a session call (open, heartbeat, close) is split into one batched call per
 * endpoint, each carrying the shards that endpoint is believed to lead. A {@link Status#NOT_LEADER}
 * answer names the leader's coordinator id, which {@link #clusterInfo()} learned to map to an
 * endpoint: the guess is corrected and the request re-sent there at once, up to {@link
 * #MAX_REDIRECTS} times, before the session's own backoff takes over. A transport failure or an
 * UNAVAILABLE answer moves the guess to the next endpoint.
 *
 * <p>A waiting acquire is an open call: its RPC deadline is {@link #OPEN_WAIT_LIMIT}, because the
 * shard enforces the wait timeout itself and answers {@link Status#DEADLINE_EXCEEDED} (one proxy
 * serves every wait, and the timeout is the shard's clock, the one tests drive). A coordinator that
 * dies ends the call through the connection's close or its keepalive; the session then re-sends the
 * same request, which the new leader finds in its replicated queue. Cancelling the returned future
 * cancels the call, and the server cancels the handler's future, which withdraws the waiter.
 */
public final class RemoteCoordinatorService implements CoordinatorService, AutoCloseable {
  /** The RPC deadline of a wait with no timeout of its own: long enough to be "forever". */
  static final Duration OPEN_WAIT_LIMIT = Duration.ofDays(30);

  private static final java.lang.reflect.Method HEARTBEAT;

  static {
    try {
      HEARTBEAT = CoordinatorService.class.getMethod("heartbeat", HeartbeatRequest.class);
    } catch (NoSuchMethodException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /** Immediate re-sends after NOT_LEADER before the answer goes back to the session. */
  static final int MAX_REDIRECTS = 2;

  private final RpcClient rpc;
  private final boolean ownsClient;
  private final CallOptions options;
  private final CallOptions waits;

  /**
   * The RPC deadline of one heartbeat: the heartbeat interval, TTL/3 (LockClient gives it). A
   * heartbeat part sent to a coordinator that hangs (SIGSTOP, a cut link: no reset, no reply) then
   * fails by the next beat and its shards' leader guess moves on, instead of waiting out the
   * request timeout (10 s by default) and keeping every later heartbeat and session call pointed at
   * the hung coordinator (the chaos suite saw clients stall past the last heal;
   * docs/reliability.md). A deadline this short used to cost locks: a session was renewed only by a
   * beat every group acknowledged, so one slow part (an election on a loaded machine) voided the
   * whole beat (a quarter of the TTL lost the holder's session in 2 of 5 EnsembleFailoverTest
   * runs). Since ClientSession renews each group by its own answer and re-sends a failed group at
   * once, a part that misses its deadline costs only a re-send.
   */
  private final CallOptions beats;

  private final MethodInvoker invoker;

  /**
   * The coordinators called, with a proxy of each for short calls and one for open waits, index for
   * index. Grows (copy on write, under {@code this}) when a coordinator names one this client did
   * not know, after {@code coord add}; never shrinks, so that indices stay valid.
   */
  private record Targets(
      List<Endpoint> endpoints, List<CoordinatorService> calls, List<CoordinatorService> waits) {}

  private volatile Targets targets;
  private final java.util.concurrent.atomic.AtomicBoolean refreshing =
      new java.util.concurrent.atomic.AtomicBoolean();
  private final Map<String, Integer> endpointOfCoordinator = new ConcurrentHashMap<>();
  private final AtomicReference<@Nullable Placement> placement = new AtomicReference<>();

  /** Per shard, the index of the endpoint believed to lead it; sized at {@link #clusterInfo()}. */
  private volatile AtomicIntegerArray leaderOf = new AtomicIntegerArray(0);

  /**
   * @param rpc the RPC client to call through
   * @param ownsClient whether {@link #close()} closes {@code rpc}
   * @param endpoints the coordinators' RPC endpoints
   * @param callTimeout the RPC deadline of each attempt of a call that does not wait
   */
  public RemoteCoordinatorService(
      RpcClient rpc, boolean ownsClient, List<Endpoint> endpoints, Duration callTimeout) {
    this(rpc, ownsClient, endpoints, callTimeout, callTimeout);
  }

  /**
   * As above, with {@code heartbeatTimeout} the RPC deadline of each heartbeat (at most the
   * heartbeat interval of the sessions it carries).
   */
  public RemoteCoordinatorService(
      RpcClient rpc,
      boolean ownsClient,
      List<Endpoint> endpoints,
      Duration callTimeout,
      Duration heartbeatTimeout) {
    if (endpoints.isEmpty()) {
      throw new IllegalArgumentException("at least one coordinator endpoint is required");
    }
    this.rpc = rpc;
    this.ownsClient = ownsClient;
    this.options = CallOptions.DEFAULT.withTimeout(callTimeout);
    this.waits = CallOptions.DEFAULT.withTimeout(OPEN_WAIT_LIMIT);
    this.beats =
        CallOptions.DEFAULT.withTimeout(
            heartbeatTimeout.compareTo(callTimeout) < 0 ? heartbeatTimeout : callTimeout);
    this.invoker = rpc.invoker(CoordinatorService.class);
    List<CoordinatorService> c = new ArrayList<>();
    List<CoordinatorService> w = new ArrayList<>();
    for (Endpoint e : endpoints) {
      c.add(rpc.proxy(CoordinatorService.class, e, options));
      w.add(rpc.proxy(CoordinatorService.class, e, waits));
    }
    this.targets = new Targets(List.copyOf(endpoints), List.copyOf(c), List.copyOf(w));
  }

  /**
   * Adds the coordinators {@code info} lists that this client does not call yet, and maps their
   * ids; returns whether any was new.
   */
  private synchronized boolean learn(ClusterInfo info) {
    boolean added = false;
    for (String entry : info.coordinators()) {
      int eq = entry.indexOf('=');
      if (eq <= 0) {
        continue;
      }
      String id = entry.substring(0, eq);
      Endpoint e;
      try {
        e = Endpoint.parse(entry.substring(eq + 1));
      } catch (IllegalArgumentException malformed) {
        continue;
      }
      Targets t = targets;
      int known = t.endpoints().indexOf(e);
      if (known >= 0) {
        endpointOfCoordinator.putIfAbsent(id, known);
        continue;
      }
      List<Endpoint> es = new ArrayList<>(t.endpoints());
      List<CoordinatorService> cs = new ArrayList<>(t.calls());
      List<CoordinatorService> ws = new ArrayList<>(t.waits());
      es.add(e);
      cs.add(rpc.proxy(CoordinatorService.class, e, options));
      ws.add(rpc.proxy(CoordinatorService.class, e, waits));
      targets = new Targets(List.copyOf(es), List.copyOf(cs), List.copyOf(ws));
      endpointOfCoordinator.put(id, es.size() - 1);
      added = true;
    }
    return added;
  }

  /**
   * Asks the coordinators again, off the caller's thread and once at a time, after a leader hint
   * named a coordinator this client cannot reach yet (one added since it started).
   */
  private void refreshSoon() {
    if (refreshing.compareAndSet(false, true)) {
      Thread.startVirtualThread(
          () -> {
            try {
              clusterInfo();
            } catch (LockException | RpcException unreachable) {
              // the next hint tries again
            } finally {
              refreshing.set(false);
            }
          });
    }
  }

  /**
   * Parses {@code host:port[,host:port...]}.
   *
   * @throws IllegalArgumentException naming the entry that is not a valid endpoint
   */
  public static List<Endpoint> parseEndpoints(String text) {
    List<Endpoint> out = new ArrayList<>();
    for (String part : text.split(",", -1)) {
      String p = part.strip();
      if (p.isEmpty()) {
        throw new IllegalArgumentException(
            "empty entry in coordinator list '" + text + "'; expected host:port[,host:port...]");
      }
      try {
        out.add(Endpoint.parse(p));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "coordinator '" + p + "' in '" + text + "' is not host:port: " + e.getMessage(), e);
      }
    }
    return out;
  }

  /** The coordinators this service calls. */
  public List<Endpoint> endpoints() {
    return targets.endpoints();
  }

  /**
   * Asks every coordinator who it is (to map leader hints to endpoints) and returns the first
   * answer's cluster facts.
   *
   * @throws LockException UNAVAILABLE naming every coordinator tried and why it failed, if none
   *     answered
   */
  @Override
  public ClusterInfo clusterInfo() {
    StringBuilder why = new StringBuilder();
    ClusterInfo first = null;
    for (int k = 0; k < targets.endpoints().size(); k++) {
      Targets t = targets; // may grow while this loop runs: learned coordinators are asked too
      try {
        ClusterInfo info = t.calls().get(k).clusterInfo();
        endpointOfCoordinator.put(info.coordinatorId(), k);
        learn(info);
        if (first == null) {
          first = info;
        }
      } catch (RpcException e) {
        why.append(why.isEmpty() ? "" : "; ")
            .append(t.endpoints().get(k))
            .append(": ")
            .append(e.getMessage());
      }
    }
    if (first == null) {
      throw new LockException(
          LockException.Code.UNAVAILABLE,
          "no coordinator answered ("
              + why
              + "); check that a coordinator is running there and reachable");
    }
    Placement p = placement.get();
    if (p == null || p.shards() != first.shards()) {
      placement.set(new Placement(first.shards()));
      // One guess per group: the shards, then the registry.
      AtomicIntegerArray guesses = new AtomicIntegerArray(first.shards() + 1);
      int answered = endpointOfCoordinator.getOrDefault(first.coordinatorId(), 0);
      for (int i = 0; i <= first.shards(); i++) {
        guesses.set(i, answered);
      }
      leaderOf = guesses;
    }
    return first;
  }

  @Override
  public CompletableFuture<SessionReply> openSession(OpenSessionRequest r) {
    return sessionCall(
        r.shards(),
        (k, shards) ->
            call(k).openSession(new OpenSessionRequest(r.session(), r.ttlMillis(), shards)));
  }

  @Override
  public CompletableFuture<SessionReply> heartbeat(HeartbeatRequest r) {
    return sessionCall(
        r.shards(), (k, shards) -> beat(k, new HeartbeatRequest(r.session(), shards)));
  }

  @SuppressWarnings("unchecked")
  private CompletableFuture<SessionReply> beat(int endpoint, HeartbeatRequest r) {
    return (CompletableFuture<SessionReply>)
        java.util.Objects.requireNonNull(
            invoker.invoke(targets.endpoints().get(endpoint), beats, HEARTBEAT, new Object[] {r}));
  }

  @Override
  public CompletableFuture<SessionReply> closeSession(CloseSessionRequest r) {
    return sessionCall(
        r.shards(),
        (k, shards) -> call(k).closeSession(new CloseSessionRequest(r.session(), shards)));
  }

  @Override
  public CompletableFuture<AcquireReply> acquire(AcquireRequest r) {
    return shardCall(
        shardOf(r.name()),
        s -> s.acquire(r),
        r.mode() == AcquireMode.WAIT,
        why -> new AcquireReply(Status.UNAVAILABLE, why, Optional.empty(), 0, 0),
        reply -> redirect(reply.status(), reply.leaderHint()));
  }

  @Override
  public CompletableFuture<ReleaseReply> release(ReleaseRequest r) {
    return shardCall(
        shardOf(r.name()),
        s -> s.release(r),
        false,
        why -> new ReleaseReply(Status.UNAVAILABLE, why, Optional.empty()),
        reply -> redirect(reply.status(), reply.leaderHint()));
  }

  /**
   * A coordinator older than this method answers NOT_FOUND; that is final (the wait is then left to
   * its timeout or its session's end), where a transport failure would be retried for as long as
   * the session lives.
   */
  @Override
  public CompletableFuture<ReleaseReply> withdraw(WithdrawRequest r) {
    return shardCall(
        shardOf(r.name()),
        s ->
            s.withdraw(r)
                .exceptionallyCompose(
                    e ->
                        unwrap(e) instanceof RpcException re
                                && re.status() == io.ringmesh.rpc.Status.NOT_FOUND
                            ? CompletableFuture.completedFuture(
                                new ReleaseReply(
                                    Status.INVALID_ARGUMENT,
                                    "the coordinator does not know withdraw (an older version): "
                                        + re.getMessage(),
                                    Optional.empty()))
                            : CompletableFuture.failedFuture(e)),
        false,
        why -> new ReleaseReply(Status.UNAVAILABLE, why, Optional.empty()),
        reply -> redirect(reply.status(), reply.leaderHint()));
  }

  @Override
  public CompletableFuture<LockInfoReply> describe(LockInfoRequest r) {
    return shardCall(
        shardOf(r.name()),
        s -> s.describe(r),
        false,
        why ->
            new LockInfoReply(
                Status.UNAVAILABLE, why, Optional.empty(), false, Optional.empty(), 0, 0),
        reply -> redirect(reply.status(), reply.leaderHint()));
  }

  @Override
  public CompletableFuture<RegistryWriteReply> register(RegisterRequest r) {
    return shardCall(
        registryGroup(),
        s -> s.register(r),
        false,
        why -> new RegistryWriteReply(Status.UNAVAILABLE, why, Optional.empty(), false),
        reply -> redirect(reply.status(), reply.leaderHint()));
  }

  @Override
  public CompletableFuture<RegistryWriteReply> deregister(DeregisterRequest r) {
    return shardCall(
        registryGroup(),
        s -> s.deregister(r),
        false,
        why -> new RegistryWriteReply(Status.UNAVAILABLE, why, Optional.empty(), false),
        reply -> redirect(reply.status(), reply.leaderHint()));
  }

  /** A watch ({@code knownVersion >= 0}) is an open call, like a waiting acquire. */
  @Override
  public CompletableFuture<RegistryReply> registry(RegistryRequest r) {
    return shardCall(
        registryGroup(),
        s -> s.registry(r),
        r.knownVersion() >= 0,
        why -> new RegistryReply(Status.UNAVAILABLE, why, Optional.empty(), 0, List.of()),
        reply -> redirect(reply.status(), reply.leaderHint()));
  }

  @Override
  public CompletableFuture<ListLocksReply> listLocks(ListLocksRequest r) {
    return shardCall(
        r.shard(),
        s -> s.listLocks(r),
        false,
        why -> new ListLocksReply(Status.UNAVAILABLE, why, Optional.empty(), List.of(), 0),
        reply -> redirect(reply.status(), reply.leaderHint()));
  }

  /**
   * Asks every coordinator and merges: a group's leader is known to the coordinators that host it,
   * so each group takes the first answer that names one.
   */
  @Override
  public CompletableFuture<GroupsReply> groups() {
    List<CompletableFuture<@Nullable GroupsReply>> answers = new ArrayList<>();
    for (CoordinatorService c : targets.calls()) {
      CompletableFuture<@Nullable GroupsReply> a;
      try {
        a = c.groups().exceptionally(e -> null);
      } catch (RpcException e) {
        a = CompletableFuture.completedFuture(null);
      }
      answers.add(a);
    }
    return CompletableFuture.allOf(answers.toArray(CompletableFuture<?>[]::new))
        .thenApply(
            v -> {
              Map<Integer, GroupInfo> merged = new java.util.TreeMap<>();
              for (CompletableFuture<@Nullable GroupsReply> a : answers) {
                GroupsReply reply = a.join();
                if (reply == null || reply.status() != Status.OK) {
                  continue;
                }
                for (GroupInfo g : reply.groups()) {
                  GroupInfo known = merged.get(g.shard());
                  if (known == null || (known.leader().isEmpty() && g.leader().isPresent())) {
                    merged.put(g.shard(), g);
                  }
                }
              }
              return merged.isEmpty()
                  ? new GroupsReply(
                      Status.UNAVAILABLE,
                      "no coordinator answered " + targets.endpoints(),
                      List.of())
                  : new GroupsReply(Status.OK, "ok", List.copyOf(merged.values()));
            });
  }

  /** Closes the RPC client if this service owns it. */
  @Override
  public void close() {
    if (ownsClient) {
      rpc.close();
    }
  }

  // ---- routing ----

  /**
   * What {@link #redirect} answers for an UNAVAILABLE reply: keep the answer (the session backs off
   * and retries) but point the shard's guess at the next coordinator.
   */
  private static final int MOVE_ON = -2;

  /**
   * Where a NOT_LEADER answer points: an endpoint index, -1 for "the next one"; {@link #MOVE_ON}
   * for UNAVAILABLE; null for any other answer.
   *
   * <p>UNAVAILABLE moves the guess on because a coordinator that keeps answering it may be the one
   * that cannot serve: cut off from its peers but not from this client, it knows no leader ("no
   * ready leader yet") for as long as the cut lasts, while the others elected one. Sent back to it,
   * every retry would fail until the cut heals. On a real leader that answered UNAVAILABLE (a
   * proposal timed out) the move costs one NOT_LEADER redirect on the next try.
   */
  private @Nullable Integer redirect(Status status, Optional<String> hint) {
    if (status == Status.UNAVAILABLE) {
      return MOVE_ON;
    }
    if (status != Status.NOT_LEADER) {
      return null;
    }
    if (hint.isPresent() && !endpointOfCoordinator.containsKey(hint.get())) {
      refreshSoon(); // a coordinator added after this client started; try another meanwhile
    }
    return hint.map(id -> endpointOfCoordinator.getOrDefault(id, -1)).orElse(-1);
  }

  private int registryGroup() {
    Placement p = placement.get();
    if (p == null) {
      clusterInfo();
      p = placement.get();
    }
    return p == null ? -1 : p.shards();
  }

  private int shardOf(String name) {
    Placement p = placement.get();
    if (p == null) {
      clusterInfo();
      p = placement.get();
    }
    try {
      return p == null ? -1 : p.shardOf(name);
    } catch (RuntimeException invalidName) {
      return -1; // the coordinator validates and answers INVALID_ARGUMENT
    }
  }

  private int leaderGuess(int shard) {
    AtomicIntegerArray l = leaderOf;
    return shard >= 0 && shard < l.length() ? l.get(shard) : 0;
  }

  private void moveGuess(int shard, int from, int to) {
    AtomicIntegerArray l = leaderOf;
    if (shard >= 0 && shard < l.length()) {
      int target = to >= 0 ? to : (from + 1) % targets.endpoints().size();
      l.compareAndSet(shard, from, target);
    }
  }

  /**
   * Sends a request of one shard to its believed leader, following NOT_LEADER answers; turns a
   * transport failure into {@code failure(why)}; passes a cancel of the result on to the call.
   */
  private <R> CompletableFuture<R> shardCall(
      int shard,
      Function<CoordinatorService, CompletableFuture<R>> send,
      boolean openWait,
      Function<String, R> failure,
      Function<R, @Nullable Integer> notLeader) {
    CompletableFuture<R> out = new CompletableFuture<>();
    AtomicReference<@Nullable CompletableFuture<R>> inFlight = new AtomicReference<>();
    out.whenComplete(
        (reply, error) -> {
          CompletableFuture<R> f = inFlight.get();
          if (out.isCancelled() && f != null) {
            f.cancel(false);
          }
        });
    attempt(shard, send, openWait, failure, notLeader, out, inFlight, MAX_REDIRECTS);
    return out;
  }

  private <R> void attempt(
      int shard,
      Function<CoordinatorService, CompletableFuture<R>> send,
      boolean openWait,
      Function<String, R> failure,
      Function<R, @Nullable Integer> notLeader,
      CompletableFuture<R> out,
      AtomicReference<@Nullable CompletableFuture<R>> inFlight,
      int redirectsLeft) {
    int k = leaderGuess(shard);
    Targets t = targets;
    CompletableFuture<R> call;
    try {
      call = send.apply(openWait ? t.waits().get(k) : t.calls().get(k));
    } catch (RpcException e) {
      moveGuess(shard, k, -1);
      out.complete(failure.apply(describe(k, e)));
      return;
    }
    inFlight.set(call);
    if (out.isCancelled()) {
      call.cancel(false);
      return;
    }
    call.whenComplete(
        (reply, error) -> {
          if (error != null) {
            moveGuess(shard, k, -1);
            out.complete(failure.apply(describe(k, unwrap(error))));
            return;
          }
          Integer target = notLeader.apply(reply);
          if (target != null && target == MOVE_ON) {
            moveGuess(shard, k, -1);
            out.complete(reply);
            return;
          }
          if (target == null || redirectsLeft == 0 || targets.endpoints().size() == 1) {
            out.complete(reply);
            return;
          }
          moveGuess(shard, k, target);
          attempt(shard, send, openWait, failure, notLeader, out, inFlight, redirectsLeft - 1);
        });
  }

  /**
   * Sends a session call as one batched call per endpoint, each with the shards that endpoint is
   * believed to lead; re-sends the shards answered NOT_LEADER to their leaders; merges the outcomes
   * in request order.
   */
  private CompletableFuture<SessionReply> sessionCall(
      List<Integer> shards,
      BiFunction<Integer, List<Integer>, CompletableFuture<SessionReply>> send) {
    Map<Integer, ShardOutcome> results = new ConcurrentHashMap<>();
    return sendGroups(shards, send, results, MAX_REDIRECTS)
        .thenApply(
            v -> {
              List<ShardOutcome> ordered = new ArrayList<>(shards.size());
              for (int shard : shards) {
                ShardOutcome o = results.get(shard);
                ordered.add(
                    o != null
                        ? o
                        : new ShardOutcome(
                            shard,
                            Status.UNAVAILABLE,
                            "no answer for this shard",
                            Optional.empty()));
              }
              return new SessionReply(ordered);
            });
  }

  private CompletableFuture<Void> sendGroups(
      List<Integer> shards,
      BiFunction<Integer, List<Integer>, CompletableFuture<SessionReply>> send,
      Map<Integer, ShardOutcome> results,
      int redirectsLeft) {
    Map<Integer, List<Integer>> byEndpoint = new LinkedHashMap<>();
    for (int shard : shards) {
      byEndpoint.computeIfAbsent(leaderGuess(shard), k -> new ArrayList<>()).add(shard);
    }
    List<CompletableFuture<Void>> parts = new ArrayList<>();
    for (Map.Entry<Integer, List<Integer>> e : byEndpoint.entrySet()) {
      int k = e.getKey();
      List<Integer> group = e.getValue();
      CompletableFuture<SessionReply> call;
      try {
        call = send.apply(k, group);
      } catch (RpcException failed) {
        call = CompletableFuture.failedFuture(failed);
      }
      parts.add(
          call.handle(
                  (reply, error) -> {
                    List<Integer> again = new ArrayList<>();
                    if (error != null) {
                      String why = describe(k, unwrap(error));
                      for (int shard : group) {
                        moveGuess(shard, k, -1);
                        results.put(
                            shard,
                            new ShardOutcome(shard, Status.UNAVAILABLE, why, Optional.empty()));
                      }
                      return again;
                    }
                    for (ShardOutcome o : reply.shards()) {
                      Integer target = redirect(o.status(), o.leaderHint());
                      if (target != null && target == MOVE_ON) {
                        moveGuess(o.shard(), k, -1);
                        results.put(o.shard(), o);
                      } else if (target != null
                          && redirectsLeft > 0
                          && targets.endpoints().size() > 1) {
                        moveGuess(o.shard(), k, target);
                        again.add(o.shard());
                      } else {
                        results.put(o.shard(), o);
                      }
                    }
                    return again;
                  })
              .thenCompose(
                  again ->
                      again.isEmpty()
                          ? CompletableFuture.<Void>completedFuture(null)
                          : sendGroups(again, send, results, redirectsLeft - 1)));
    }
    return CompletableFuture.allOf(parts.toArray(CompletableFuture<?>[]::new));
  }

  /** The proxy for short calls to endpoint {@code k}. */
  private CoordinatorService call(int k) {
    return targets.calls().get(k);
  }

  private String describe(int index, Throwable error) {
    String what =
        error instanceof RpcException e ? e.status() + " " + e.getMessage() : String.valueOf(error);
    return "coordinator "
        + targets.endpoints().get(index)
        + " did not answer ("
        + what
        + "); retrying";
  }

  private static Throwable unwrap(Throwable t) {
    Throwable cur = t;
    while ((cur instanceof java.util.concurrent.CompletionException
            || cur instanceof java.util.concurrent.ExecutionException)
        && cur.getCause() != null) {
      cur = cur.getCause();
    }
    return cur;
  }
}
