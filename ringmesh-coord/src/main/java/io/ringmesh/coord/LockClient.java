package io.ringmesh.coord;

import io.ringmesh.coord.ClientSession.CallFuture;
import io.ringmesh.coord.internal.CoordinatorService;
import io.ringmesh.coord.internal.Messages.AcquireMode;
import io.ringmesh.coord.internal.Messages.GroupsReply;
import io.ringmesh.coord.internal.Messages.ListLocksReply;
import io.ringmesh.coord.internal.Messages.ListLocksRequest;
import io.ringmesh.coord.internal.Messages.LockEntry;
import io.ringmesh.coord.internal.Messages.LockInfoReply;
import io.ringmesh.coord.internal.Messages.LockInfoRequest;
import io.ringmesh.coord.internal.Placement;
import io.ringmesh.coord.internal.RemoteCoordinatorService;
import io.ringmesh.coord.internal.Status;
import io.ringmesh.coord.internal.Validation;
import io.ringmesh.rpc.Endpoint;
import io.ringmesh.rpc.RpcClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A client of the lock service: acquires leases on named locks through one session.
 *
 * <pre>{@code
 * try (LockClient locks = LockClient.builder().connect("10.0.0.5:7400").build();
 *     Lease lease = locks.acquire("order-42", Duration.ofSeconds(5))) {
 *   store.accept(lease.fencingToken(), s -> s.put("order-42", "paid"));
 * }
 * }</pre>
 *
 * <p>The session is opened when the client is built and renewed every TTL/3 by one heartbeat call
 * for all shards. If it expires, its leases are lost ({@link Lease#onLost}) and the next call opens
 * a new session. A session holds a lock at most once: acquiring a lock it holds or waits for fails
 * with {@link LockException.Code#ALREADY_HELD}, unless {@link Builder#reentrant(boolean)} is on.
 * Waiters are granted in arrival order.
 *
 * <p>Futures returned here complete on the client's own virtual threads, never on a network or
 * timer thread, so their continuations may block, even on this client.
 *
 * <p>Thread-safe; many threads may share a client, but they share its session, so they do not
 * exclude each other on a lock (use one client per independent holder).
 */
public final class LockClient implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LockClient.class);

  private final Supplier<CoordinatorService> service;
  private final @Nullable AutoCloseable transport;
  private final TimeSource time;
  private final Duration sessionTtl;
  private final Duration requestTimeout;
  private final boolean reentrant;
  private final ExecutorService listeners = Executors.newVirtualThreadPerTaskExecutor();
  private final AtomicReference<@Nullable ClientSession> session = new AtomicReference<>();
  private final Registry registry = new Registry(this);
  private volatile boolean closed;

  private LockClient(
      Builder b, Supplier<CoordinatorService> service, @Nullable AutoCloseable transport) {
    this.service = service;
    this.transport = transport;
    this.time = b.time;
    this.sessionTtl = b.sessionTtl;
    this.requestTimeout = b.requestTimeout;
    this.reentrant = b.reentrant;
  }

  /** A builder; {@link Builder#coordinator} is required. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Acquires {@code name}, waiting up to {@code waitTimeout} behind earlier waiters.
   *
   * @throws LockException DEADLINE_EXCEEDED if the timeout passed (the wait was withdrawn),
   *     ALREADY_HELD, INVALID_ARGUMENT, SESSION_EXPIRED, UNAVAILABLE, or CANCELLED if interrupted
   */
  public Lease acquire(String name, Duration waitTimeout) {
    ClientSession.mayBlock(); // before anything is sent: a refused call changes nothing
    if (waitTimeout.isNegative() || waitTimeout.isZero()) {
      throw new LockException(
          LockException.Code.INVALID_ARGUMENT,
          "wait timeout must be positive, was " + waitTimeout + "; use tryAcquire not to wait");
    }
    return await(start(name, AcquireMode.WAIT, waitTimeout.toNanos(), l -> l, () -> null));
  }

  /**
   * Acquires {@code name} if it is free, without waiting.
   *
   * @return the lease, or empty if another session holds the lock
   * @throws LockException ALREADY_HELD, INVALID_ARGUMENT, SESSION_EXPIRED or UNAVAILABLE
   */
  public Optional<Lease> tryAcquire(String name) {
    ClientSession.mayBlock(); // before anything is sent: a refused call changes nothing
    return await(start(name, AcquireMode.TRY, 0, Optional::of, Optional::empty));
  }

  /**
   * Acquires {@code name}, waiting as long as it takes. The future completes with the lease when
   * the lock is granted, or exceptionally with a {@link LockException}. Cancelling it withdraws the
   * request: the waiter leaves the queue, and a grant that raced with the cancel is released.
   */
  public CompletableFuture<Lease> acquireAsync(String name) {
    return delivered(start(name, AcquireMode.WAIT, -1, l -> l, () -> null), Lease::close);
  }

  /** {@link #acquireAsync(String)} that fails with DEADLINE_EXCEEDED after {@code waitTimeout}. */
  public CompletableFuture<Lease> acquireAsync(String name, Duration waitTimeout) {
    if (waitTimeout.isNegative() || waitTimeout.isZero()) {
      return CompletableFuture.failedFuture(
          new LockException(
              LockException.Code.INVALID_ARGUMENT,
              "wait timeout must be positive, was " + waitTimeout));
    }
    return delivered(
        start(name, AcquireMode.WAIT, waitTimeout.toNanos(), l -> l, () -> null), Lease::close);
  }

  /**
   * Who holds {@code name}, with the grant's token and the number of waiters: a linearizable read,
   * so it reflects every release and grant acknowledged before the call.
   */
  public LockInfo holder(String name) {
    ClientSession.mayBlock(); // before anything is sent: a refused call changes nothing
    ClientSession s = session();
    LockInfoReply reply =
        ClientSession.await(
            s.retrying(
                () -> service().describe(new LockInfoRequest(name)),
                LockInfoReply::status,
                time.nanoTime() + requestTimeout.toNanos()));
    if (reply.status() != Status.OK) {
      throw new LockException(
          ClientSession.codeOf(reply.status()),
          "could not read lock '" + name + "': " + reply.message());
    }
    return new LockInfo(name, reply.holder(), reply.fencingToken(), reply.waiters());
  }

  /**
   * The service registry, through this client's session: entries it registers live as long as the
   * session.
   */
  public Registry registry() {
    return registry;
  }

  /**
   * Up to {@code limit} locks that are held or waited for, across every shard, in name order: one
   * linearizable read per shard, each bounded by {@code limit}. For dashboards; a lock changes
   * hands between the reads of two shards.
   *
   * @throws LockException INVALID_ARGUMENT for a negative limit, UNAVAILABLE if a shard cannot be
   *     read within the request timeout
   */
  public List<LockInfo> locks(int limit) {
    ClientSession.mayBlock(); // before anything is sent: a refused call changes nothing
    if (limit < 0) {
      throw new LockException(
          LockException.Code.INVALID_ARGUMENT, "limit must not be negative, was " + limit);
    }
    ClientSession s = session();
    long deadline = time.nanoTime() + requestTimeout.toNanos();
    List<CompletableFuture<ListLocksReply>> replies = new ArrayList<>();
    for (int shard = 0; shard < s.shardCount(); shard++) {
      ListLocksRequest request = new ListLocksRequest(shard, limit);
      replies.add(s.retrying(() -> service().listLocks(request), ListLocksReply::status, deadline));
    }
    List<LockInfo> all = new ArrayList<>();
    for (int shard = 0; shard < replies.size(); shard++) {
      ListLocksReply reply = ClientSession.await(replies.get(shard));
      if (reply.status() != Status.OK) {
        throw new LockException(
            ClientSession.codeOf(reply.status()),
            "could not list the locks of shard " + shard + ": " + reply.message());
      }
      for (LockEntry e : reply.locks()) {
        all.add(new LockInfo(e.name(), e.holder(), e.fencingToken(), e.waiters()));
      }
    }
    all.sort(Comparator.comparing(LockInfo::name));
    return List.copyOf(all.subList(0, Math.min(limit, all.size())));
  }

  /**
   * Every shard of the lock service, then the registry, each with the replicas and the leader (if
   * the coordinators asked know it) of the Raft group that carries it; shards that share a group
   * report the same. Answered from the coordinators' memory: no log entry, no read of the state
   * machines.
   *
   * @throws LockException UNAVAILABLE if no coordinator answers
   */
  public List<ShardInfo> shards() {
    ClientSession.mayBlock(); // before anything is sent: a refused call changes nothing
    GroupsReply reply = ClientSession.await(service().groups());
    if (reply.status() != Status.OK) {
      throw new LockException(
          ClientSession.codeOf(reply.status()), "could not list the shards: " + reply.message());
    }
    return reply.groups().stream()
        .map(g -> new ShardInfo(g.shard(), g.registry(), g.leader(), g.replicas()))
        .toList();
  }

  /**
   * The shard that lock {@code name} lives on, as numbered in {@link #shards()}: a pure function of
   * the name and the cluster's shard count, fixed when the cluster was created.
   *
   * @throws IllegalArgumentException if {@code name} is not a valid lock name
   * @throws LockException UNAVAILABLE if no coordinator answers to tell the shard count
   */
  public int shardOf(String name) {
    Validation.checkName(name)
        .ifPresent(
            problem -> {
              throw new IllegalArgumentException(problem);
            });
    return new Placement(service().clusterInfo().shards()).shardOf(name);
  }

  /** The id of the current session, opening one if the last expired. */
  public UUID sessionId() {
    return session().id();
  }

  /** The session TTL. */
  public Duration sessionTtl() {
    return sessionTtl;
  }

  /**
   * Closes the session: its locks are released and its waits withdrawn on the coordinator, and its
   * leases become invalid (which is not a loss: {@link Lease#onLost} listeners do not run). Its
   * open registry watches fail with CANCELLED. Then closes the connections {@link Builder#connect}
   * made.
   */
  @Override
  public void close() {
    closed = true;
    registry.endWatches();
    ClientSession s = session.getAndSet(null);
    try {
      if (s != null) {
        s.close();
      }
    } finally {
      listeners.shutdown();
      closeTransport();
    }
  }

  private void closeTransport() {
    if (transport != null) {
      try {
        transport.close();
      } catch (Exception e) {
        LOG.warn("closing the connections to the coordinators failed", e);
      }
    }
  }

  private <T> CallFuture<T> start(
      String name,
      AcquireMode mode,
      long waitNanos,
      Function<Lease, T> onGrant,
      Supplier<T> onLocked) {
    CallFuture<T> result = new CallFuture<>();
    try {
      session().acquire(name, mode, waitNanos, result, onGrant, onLocked);
    } catch (LockException e) {
      result.completeExceptionally(e);
    }
    return result;
  }

  private static <T> T await(CompletableFuture<T> future) {
    if (!future.isDone()) {
      try {
        ClientSession.mayBlock();
      } catch (LockException onIoThread) {
        future.cancel(false);
        throw onIoThread;
      }
    }
    try {
      return future.get();
    } catch (InterruptedException e) {
      future.cancel(false);
      Thread.currentThread().interrupt();
      throw new LockException(LockException.Code.CANCELLED, "interrupted while acquiring", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof LockException le) {
        throw le;
      }
      throw new LockException(LockException.Code.UNAVAILABLE, String.valueOf(e.getCause()), e);
    }
  }

  /** The live session, opening a new one if there is none. */
  ClientSession session() {
    ClientSession s = session.get();
    if (s != null && !s.ended()) {
      return s;
    }
    synchronized (this) {
      if (closed) {
        throw new LockException(LockException.Code.CANCELLED, "the LockClient is closed");
      }
      s = session.get();
      if (s == null || s.ended()) {
        s = ClientSession.open(this);
        session.set(s);
        // close() does not wait for this monitor: it sets closed, then takes the session. If it
        // took it before the set above, closed is visible here, and the new session must not
        // outlive the client (ClientSession.close is idempotent, so both may close it).
        if (closed) {
          s.close();
          throw new LockException(LockException.Code.CANCELLED, "the LockClient is closed");
        }
      }
      return s;
    }
  }

  /** Whether no heartbeat is awaiting its answer; tests on a fake clock wait for this. */
  boolean heartbeatsSettled() {
    ClientSession s = session.get();
    return s == null || s.heartbeatsInFlight() == 0;
  }

  void sessionEnded(ClientSession s) {
    session.compareAndSet(s, null);
    if (!closed) {
      registry.sessionLost();
    }
  }

  boolean isClosed() {
    return closed;
  }

  CoordinatorService service() {
    return service.get();
  }

  TimeSource time() {
    return time;
  }

  Duration requestTimeout() {
    return requestTimeout;
  }

  boolean reentrant() {
    return reentrant;
  }

  /**
   * The caller's view of {@code call}: it completes on a listener thread (a virtual thread), never
   * on an RPC I/O thread or the timer, so a continuation may block, even on this client. Run on an
   * I/O thread, a continuation that released its lease would wait for a reply that the same,
   * blocked thread had to read. Cancelling the view cancels {@code call}; a value that arrives
   * after the view was cancelled goes to {@code discard} (a lease nobody will see is released).
   */
  <T> CallFuture<T> delivered(CallFuture<T> call, Consumer<? super T> discard) {
    CallFuture<T> view = new CallFuture<>();
    view.setInFlight(call);
    call.whenComplete(
        (value, error) ->
            runListener(
                () -> {
                  if (error != null) {
                    view.completeExceptionally(error);
                  } else if (!view.complete(value)) {
                    discard.accept(value);
                  }
                }));
    return view;
  }

  void runListener(Runnable listener) {
    Runnable safe =
        () -> {
          try {
            listener.run();
          } catch (RuntimeException e) {
            LOG.warn("a lease listener failed", e);
          }
        };
    try {
      listeners.execute(safe);
    } catch (java.util.concurrent.RejectedExecutionException closedAlready) {
      safe.run();
    }
  }

  /** Configures a {@link LockClient}. Not thread-safe. */
  public static final class Builder {
    private @Nullable Supplier<CoordinatorService> service;
    private @Nullable List<Endpoint> endpoints;
    private @Nullable RpcClient rpcClient;
    private TimeSource time = TimeSource.system();
    private Duration sessionTtl = Duration.ofSeconds(10);
    private Duration requestTimeout = Duration.ofSeconds(10);
    private boolean reentrant;

    private Builder() {}

    /** The coordinator to talk to, in this process. */
    public Builder coordinator(Coordinator coordinator) {
      this.service = coordinator::service;
      this.endpoints = null;
      return this;
    }

    /**
     * The coordinators to talk to over ringmesh-rpc, as {@code host:port[,host:port...]} (their
     * {@link Coordinator.Builder#rpcPort RPC ports}). After a transport failure a call is retried
     * on the next one.
     *
     * @throws IllegalArgumentException naming the entry that is not {@code host:port}
     */
    public Builder connect(String coordinators) {
      return connect(RemoteCoordinatorService.parseEndpoints(coordinators));
    }

    /** {@link #connect(String)} with parsed endpoints. */
    public Builder connect(List<Endpoint> coordinators) {
      if (coordinators.isEmpty()) {
        throw new IllegalArgumentException("connect(...) needs at least one coordinator endpoint");
      }
      this.endpoints = List.copyOf(coordinators);
      this.service = null;
      return this;
    }

    /**
     * The RPC client {@link #connect} calls through, to share its connections with other services
     * (the caller keeps ownership and closes it). Default: a client of the lock client's own.
     */
    public Builder rpcClient(RpcClient client) {
      this.rpcClient = client;
      return this;
    }

    /** The service to talk to, looked up on every call (so a test can swap in a restarted one). */
    Builder service(Supplier<CoordinatorService> service) {
      this.service = service;
      return this;
    }

    /**
     * The session's TTL (default 10 s; the coordinator allows 1 s to 1 h). Heartbeats go every
     * TTL/3; a holder that stops heartbeating loses its locks within the TTL plus one interval.
     */
    public Builder sessionTtl(Duration ttl) {
      this.sessionTtl = ttl;
      return this;
    }

    /** The clock of heartbeats, lease validity and retries; default {@link TimeSource#system()}. */
    public Builder timeSource(TimeSource time) {
      this.time = time;
      return this;
    }

    /** How long opens, releases and reads retry an unavailable coordinator; default 10 s. */
    public Builder requestTimeout(Duration timeout) {
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("requestTimeout must be positive, was " + timeout);
      }
      this.requestTimeout = timeout;
      return this;
    }

    /**
     * Whether a session that holds a lock may acquire it again, counting holds (each lease's close
     * drops one). Off by default: a second acquire fails fast with ALREADY_HELD.
     */
    public Builder reentrant(boolean reentrant) {
      this.reentrant = reentrant;
      return this;
    }

    /**
     * Builds the client and opens its session.
     *
     * @throws LockException INVALID_ARGUMENT if the coordinator refuses the TTL, UNAVAILABLE if it
     *     cannot be reached
     */
    public LockClient build() {
      List<Endpoint> remote = endpoints;
      if (remote != null) {
        Duration beat = sessionTtl.dividedBy(3);
        RpcClient rpc = rpcClient;
        boolean owned = rpc == null;
        if (rpc == null) {
          // A waiting acquire is an open call on its shard's leader. If that coordinator hangs
          // (paused, or cut off without a reset), only a keepalive ends the call so the session
          // can re-attach at the new leader; at the RPC defaults (30 s idle, 10 s to answer) the
          // chaos suite's clients sat out 20-50 s per fault. Tied to the TTL, a hung leader's
          // waits move within about one TTL, the time its sessions' renewals already allow.
          rpc = RpcClient.builder().defaultDeadline(requestTimeout).keepAlive(beat, beat).build();
        }
        // A heartbeat's deadline is its interval, TTL/3: a group that has not answered by the
        // next beat is re-sent elsewhere (RemoteCoordinatorService#beats, ClientSession). Any
        // other call that does not wait gets a third of the TTL (at least 1 s) per attempt, not
        // the whole request timeout: an attempt that outlives that is most likely at a hung
        // coordinator, and its retry (same request id, so applied once) goes to the next one
        // while the request's own deadline still has room. A release sent to a paused leader
        // used to spend the whole timeout on that one attempt and fail.
        Duration attempt = beat;
        if (attempt.compareTo(Duration.ofSeconds(1)) < 0) {
          attempt = Duration.ofSeconds(1);
        }
        if (attempt.compareTo(requestTimeout) > 0) {
          attempt = requestTimeout;
        }
        RemoteCoordinatorService r =
            new RemoteCoordinatorService(rpc, owned, remote, attempt, beat);
        return open(new LockClient(this, () -> r, r));
      }
      Supplier<CoordinatorService> s = service;
      if (s == null) {
        throw new IllegalStateException(
            "no coordinator: call connect(\"host:port\") or coordinator(inProcessCoordinator)");
      }
      return open(new LockClient(this, s, null));
    }

    private static LockClient open(LockClient client) {
      try {
        client.session();
      } catch (RuntimeException e) {
        client.listeners.shutdown();
        client.closeTransport();
        throw e;
      }
      return client;
    }
  }
}
