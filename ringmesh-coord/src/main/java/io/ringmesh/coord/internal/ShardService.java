package io.ringmesh.coord.internal;

import io.ringmesh.coord.TimeSource;
import io.ringmesh.coord.internal.Command.Acquire;
import io.ringmesh.coord.internal.Command.CloseSession;
import io.ringmesh.coord.internal.Command.Deregister;
import io.ringmesh.coord.internal.Command.ExpireSession;
import io.ringmesh.coord.internal.Command.OpenSession;
import io.ringmesh.coord.internal.Command.Register;
import io.ringmesh.coord.internal.Command.Release;
import io.ringmesh.coord.internal.Command.Withdraw;
import io.ringmesh.coord.internal.Command.WithdrawReason;
import io.ringmesh.coord.internal.LockStateMachine.LocksView;
import io.ringmesh.coord.internal.LockStateMachine.RegistryView;
import io.ringmesh.coord.internal.Messages.AcquireMode;
import io.ringmesh.coord.internal.Messages.AcquireReply;
import io.ringmesh.coord.internal.Messages.AcquireRequest;
import io.ringmesh.coord.internal.Messages.DeregisterRequest;
import io.ringmesh.coord.internal.Messages.ListLocksReply;
import io.ringmesh.coord.internal.Messages.LockEntry;
import io.ringmesh.coord.internal.Messages.LockInfoReply;
import io.ringmesh.coord.internal.Messages.RegisterRequest;
import io.ringmesh.coord.internal.Messages.RegistryReply;
import io.ringmesh.coord.internal.Messages.RegistryRequest;
import io.ringmesh.coord.internal.Messages.RegistryWriteReply;
import io.ringmesh.coord.internal.Messages.ReleaseReply;
import io.ringmesh.coord.internal.Messages.ReleaseRequest;
import io.ringmesh.coord.internal.Messages.ShardOutcome;
import io.ringmesh.coord.internal.Messages.WithdrawRequest;
import io.ringmesh.coord.internal.ShardState.Applied;
import io.ringmesh.coord.internal.ShardState.Completion;
import io.ringmesh.coord.internal.ShardState.LockView;
import io.ringmesh.coord.internal.ShardState.Result;
import io.ringmesh.coord.internal.ShardState.WaiterView;
import io.ringmesh.rpc.RpcContext;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.proto.RaftProtos.RoleInfoProto;
import org.apache.ratis.proto.RaftProtos.ServerRpcProto;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientAsynchronousProtocol;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.exceptions.NotLeaderException;
import org.apache.ratis.protocol.exceptions.RaftException;
import org.apache.ratis.server.DivisionInfo;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The coordinator's side of one shard: proposes commands to the shard's Raft group through the
 * local Ratis server, holds the open calls of queued acquires until the state machine decides them,
 * and, while this replica leads, tracks heartbeats and proposes session expiries and wait timeouts.
 *
 * <p>Thread-safe. Callbacks from the state machine and Ratis' replies arrive on Ratis threads, and
 * the futures this class returns are completed there, on the thread that decided them (the state
 * machine updater for writes): a caller's continuation must not block. The RPC server's is an
 * encode and a queued write; in-process callers reach this class through {@link
 * OffloadingCoordinatorService}, which moves their completions to an executor.
 */
public final class ShardService implements LockStateMachine.Listener {
  private static final Logger LOG = LoggerFactory.getLogger(ShardService.class);

  private record WaitKey(UUID session, long requestId) {}

  private final int shard;
  private final String label;
  private final RaftGroupId groupId;
  private final TimeSource time;
  private final Executor executor;
  private final ClientId clientId = ClientId.randomId();
  private final AtomicLong callIds = new AtomicLong();

  private volatile @Nullable RaftServer server;

  /** The leader lease for heartbeats: the minimum election timeout (see inTouchWithMajority). */
  private volatile long leaseMillis;

  private volatile @Nullable LockStateMachine stateMachine;
  private volatile boolean closed;

  /** Open calls of queued acquires, by (session, requestId). */
  private final ConcurrentHashMap<WaitKey, CompletableFuture<AcquireReply>> waits =
      new ConcurrentHashMap<>();

  /** While leading: wait-timeout timers of queued acquires. */
  private final ConcurrentHashMap<WaitKey, TimeSource.Cancellable> waitTimers =
      new ConcurrentHashMap<>();

  /** While leading: when each session was last heard from, on {@link #time}. */
  private final ConcurrentHashMap<UUID, Long> lastHeard = new ConcurrentHashMap<>();

  /** While leading: sessions whose ExpireSession is proposed and not yet answered. */
  private final Set<UUID> expiring = ConcurrentHashMap.newKeySet();

  private final CompletableFuture<Void> firstReady = new CompletableFuture<>();

  /*
   * Registry watches (registry group only). A watch is a long poll held open on the leader: it
   * completes when an applied entry moves the registry's version away from the version the caller
   * knows, or with the unchanged registry when its maximum wait passes on this coordinator's clock.
   * It is registered before the linearizable read that checks the current version, so a change
   * applied in between is seen by one or the other. Nothing polls: the apply thread's callback
   * completes the watches (on the executor). A leader change or shutdown ends every watch with a
   * retryable status, and the client re-issues it to the new leader with the version it knows.
   */
  private record Watch(long knownVersion, @Nullable String service, TimeSource.Cancellable timer) {}

  /** While leading: open watches, by their call. */
  private final ConcurrentHashMap<CompletableFuture<RegistryReply>, Watch> watches =
      new ConcurrentHashMap<>();

  /*
   * Requests that meet an election wait here for it, not at the client. A replica that knows no
   * leader (the old one died and the election is on), or that leads but is not ready yet (its
   * first entry of the term is not applied), used to answer UNAVAILABLE at once, and the client
   * retried on its exponential backoff (10 ms doubling to 500 ms): the retry after the election
   * ended came up to half a second late, which was most of the gap between a shard's new leader
   * and the first grant in EnsembleFailoverTest on a loaded host. Now such a request is parked
   * until this replica hears of a leader (StateMachine#notifyLeaderChanged) or becomes a ready one
   * (notifyLeaderReady), then goes on at once: to Ratis, which answers NOT_LEADER with the new
   * leader's id, which the client follows without a backoff, or to this replica's own log. The park
   * is bounded by leaderWait on this coordinator's clock; past it the request is answered
   * UNAVAILABLE as before and the client's backoff takes over. etcd does the same for proposals
   * (they queue until the Raft node has a leader); Ratis' own client retries instead.
   *
   * Parked requests keep their arrival order, and a request that arrives while any is parked
   * queues behind them even if the election has just ended: requests of one client reach the log
   * in the order it sent them. (A cancelled wait's own Withdraw is proposed only once its Acquire
   * has settled; see acquire.)
   * The queue is drained in order, under parkLock, by one task per leader event.
   */
  private final Duration leaderWait;

  private record Parked(
      Message message,
      RaftClientRequest.@Nullable Type readType,
      CompletableFuture<Reply> reply,
      TimeSource.Cancellable[] timer) {}

  private final Object parkLock = new Object();

  /** Guarded by parkLock. */
  private final java.util.ArrayDeque<Parked> parked = new java.util.ArrayDeque<>();

  /** Writes to the group in batches, when group commit is on; null when it is off. */
  private final @Nullable GroupCommit proposer;

  /**
   * Group commit's default with one Raft group per shard: 0, off. On the lock benchmark's 32
   * clients over 16 shards it was not faster than one entry per command and slowed the hand-off
   * (decision 0009); batches form only with many clients per group. Groups that carry several
   * shards default to 1 instead (Coordinator, decision 0010).
   */
  public static final int DEFAULT_GROUP_COMMIT = 0;

  /**
   * A service for one shard.
   *
   * @param groupCommit with N &gt; 0, at most N entries of this shard are in Ratis at once and the
   *     lock commands that arrive meanwhile share the next entry ({@link GroupCommit}, lone
   *     commands pipelined beside lone entries); with 0, every command is its own entry, proposed
   *     at once (the log then holds no batch entries, which coordinators older than group commit
   *     cannot read)
   * @param leaderWait how long a request that meets an election waits for its end before it is
   *     answered UNAVAILABLE; zero answers at once
   * @param label what messages and logs call the group: "shard N", or for a group that carries
   *     several shards all of them, so that an operator is not told one shard is affected when
   *     every shard of the group is
   */
  public ShardService(
      int shard,
      RaftGroupId groupId,
      TimeSource time,
      Executor executor,
      int groupCommit,
      Duration leaderWait,
      String label) {
    if (groupCommit < 0) {
      throw new IllegalArgumentException(
          "groupCommit must be 0 (off) or the entries in flight per shard, not " + groupCommit);
    }
    this.shard = shard;
    this.label = label;
    this.groupId = groupId;
    this.time = time;
    this.executor = executor;
    this.leaderWait = leaderWait;
    this.proposer =
        groupCommit == 0
            ? null
            : new GroupCommit(this::submitEntry, groupCommit, Command.Batch.MAX_BATCH, true);
  }

  /** A new state machine for this shard, bound to this service; Ratis calls this on start. */
  public LockStateMachine newStateMachine() {
    LockStateMachine sm = new LockStateMachine(shard, label, this);
    stateMachine = sm;
    return sm;
  }

  /** Binds the started Ratis server that hosts this shard's group. */
  public void attach(RaftServer raftServer) {
    this.leaseMillis =
        RaftServerConfigKeys.Rpc.timeoutMin(raftServer.getProperties())
            .toLong(TimeUnit.MILLISECONDS);
    this.server = raftServer;
  }

  /** Completes when this replica first becomes a ready leader. */
  public CompletableFuture<Void> firstReady() {
    return firstReady;
  }

  /** The shard number (for a group that carries several shards, the group's index). */
  public int shard() {
    return shard;
  }

  /** What messages call this service's group. */
  public String label() {
    return label;
  }

  /** The Raft group of this shard. */
  public RaftGroupId groupId() {
    return groupId;
  }

  /** Stops serving: open calls end with UNAVAILABLE, timers are cancelled. */
  public void close() {
    closed = true;
    drainParked(); // each is answered "coordinator is shut down" at once
    resetLeaderState();
    endWatches(Status.UNAVAILABLE, "coordinator shut down; re-issue the watch");
    for (WaitKey key : waits.keySet()) {
      CompletableFuture<AcquireReply> call = waits.remove(key);
      if (call != null) {
        complete(
            call,
            acquireReply(
                Status.UNAVAILABLE,
                "coordinator shut down while the request waited; retry it on the new leader",
                0,
                0));
      }
    }
  }

  // ---- requests ----

  /** Proposes OpenSession. */
  public CompletableFuture<ShardOutcome> openSession(UUID session, long ttlMillis) {
    return propose(new OpenSession(session, ttlMillis)).thenApply(this::outcome);
  }

  /** Proposes CloseSession. */
  public CompletableFuture<ShardOutcome> closeSession(UUID session) {
    return propose(new CloseSession(session)).thenApply(this::outcome);
  }

  /** Renews a session in memory; answers at once. */
  public ShardOutcome heartbeat(UUID session) {
    Optional<ShardOutcome> notServing = notServing();
    if (notServing.isPresent()) {
      return notServing.get();
    }
    LockStateMachine sm = stateMachine;
    if (sm == null || !sm.read(s -> s.hasSession(session))) {
      return new ShardOutcome(
          shard,
          Status.SESSION_EXPIRED,
          "session " + session + " is unknown on " + label + ": it expired or was closed",
          Optional.empty());
    }
    if (!inTouchWithMajority()) {
      return new ShardOutcome(
          shard,
          Status.UNAVAILABLE,
          label
              + "'s leader has not heard from a majority of its group within the minimum election"
              + " timeout (it may have been paused and replaced); retry",
          Optional.empty());
    }
    lastHeard.put(session, time.nanoTime());
    return new ShardOutcome(shard, Status.OK, "renewed", Optional.empty());
  }

  /*
   * A heartbeat is answered from this leader's memory, not through the log, so a leader that was
   * paused (a GC pause, SIGSTOP) and resumes still believing it leads would renew sessions that
   * the group's new leader is about to expire, and the client would keep a lease the new leader
   * has given to another. Raft's leader lease closes that (Ongaro's thesis, section 6.4.1): a
   * follower that answered this leader at time t neither votes nor times out before t + the
   * minimum election timeout, so while a majority has answered within that timeout no other
   * leader can have been elected. Ratis keeps each follower's last answer; a heartbeat is renewed
   * only while a majority (this leader counted) answered within the minimum election timeout.
   * Like Raft's own lease it assumes the machines' clocks run at about the same rate.
   */
  private boolean inTouchWithMajority() {
    RaftServer s = server;
    if (s == null) {
      return false;
    }
    try {
      return majorityAnsweredWithin(
          s.getDivision(groupId).getInfo().getRoleInfoProto(), leaseMillis);
    } catch (java.io.IOException e) {
      return false;
    }
  }

  /**
   * Whether a majority of the group, this leader counted, answered it within {@code leaseMillis},
   * from a leader's role information; false for any other role.
   */
  static boolean majorityAnsweredWithin(RoleInfoProto role, long leaseMillis) {
    if (role.getRole() != RaftPeerRole.LEADER) {
      return false;
    }
    List<ServerRpcProto> followers = role.getLeaderInfo().getFollowerInfoList();
    int answered = 1;
    for (ServerRpcProto f : followers) {
      if (f.getLastRpcElapsedTimeMs() < leaseMillis) {
        answered++;
      }
    }
    return answered > (followers.size() + 1) / 2;
  }

  private static final ThreadLocal<Boolean> IN_PROCESS = ThreadLocal.withInitial(() -> false);

  /**
   * Runs {@code call} as an in-process client's (see {@link OffloadingCoordinatorService}): an
   * acquire made in it is not taken for the RPC call its thread may be serving.
   */
  static <T> T inProcess(java.util.function.Supplier<T> call) {
    boolean outer = IN_PROCESS.get();
    IN_PROCESS.set(true);
    try {
      return call.get();
    } finally {
      IN_PROCESS.set(outer);
    }
  }

  /** Proposes Acquire; for WAIT, the returned call stays open until the lock is decided. */
  public CompletableFuture<AcquireReply> acquire(AcquireRequest r) {
    CompletableFuture<AcquireReply> call = new CompletableFuture<>();
    WaitKey key = new WaitKey(r.session(), r.requestId());
    if (r.mode() == AcquireMode.WAIT) {
      CompletableFuture<AcquireReply> previous = waits.put(key, call);
      if (previous != null) {
        complete(
            previous,
            acquireReply(Status.CANCELLED, "superseded by a retry of the same request", 0, 0));
      }
    }
    // Captured here, on the handler's thread: the cancel arrives later on the transport's. An
    // in-process call has no call of its own, whatever RPC handler its caller may be running.
    RpcContext caller = IN_PROCESS.get() ? null : RpcContext.currentOrNull();
    Acquire command =
        new Acquire(
            r.session(),
            r.requestId(),
            r.oldestPendingId(),
            r.name(),
            r.mode(),
            r.waitTimeoutMillis(),
            r.reentrant());
    CompletableFuture<Result> proposed = propose(command);
    proposed.thenAccept(
        result -> {
          if (result.queued()) {
            if (waits.get(key) == call && r.waitTimeoutMillis() > 0) {
              startWaitTimer(key, r.name(), r.waitTimeoutMillis());
            }
            return;
          }
          waits.remove(key, call);
          complete(
              call,
              acquireReply(result.status(), result.message(), result.token(), result.ticket()));
        });
    // A call its caller cancelled never delivered a grant, whatever the state machine decided
    // meanwhile, so the withdrawal is proposed unconditionally: it removes a waiter or releases a
    // grant made through this request (Withdraw is idempotent). It is proposed once the Acquire's
    // own proposal has settled, so it never reaches the log before the Acquire it withdraws.
    //
    // A call cancelled because its connection closed is not withdrawn: its client has not given
    // up. It sends the same request again (on a new connection or to another coordinator), which
    // re-attaches to the waiter's place or learns the grant made meanwhile; if it gives up
    // instead, it withdraws the request itself (CoordinatorService.withdraw), and if it died, its
    // session's expiry ends the wait. Withdrawing here would answer its retry CANCELLED.
    call.whenComplete(
        (reply, error) -> {
          if (error instanceof CancellationException) {
            waits.remove(key, call);
            if (caller != null && caller.isConnectionLost()) {
              return;
            }
            proposed.whenComplete(
                (settled, failed) ->
                    propose(
                        new Withdraw(r.session(), r.requestId(), r.name(), WithdrawReason.CANCEL)));
          }
        });
    return call;
  }

  /** Proposes Release. */
  public CompletableFuture<ReleaseReply> release(ReleaseRequest r) {
    return propose(
            new Release(
                r.session(), r.requestId(), r.oldestPendingId(), r.name(), r.fencingToken()))
        .thenApply(this::releaseReply);
  }

  /**
   * Proposes Withdraw CANCEL for a wait whose caller gave up while no call of it was open to cancel
   * (see {@link CoordinatorService#withdraw}); a call of it still parked here ends CANCELLED. On a
   * follower the proposal answers NOT_LEADER and the client takes it to the leader.
   */
  public CompletableFuture<ReleaseReply> withdraw(WithdrawRequest r) {
    CompletableFuture<AcquireReply> parked = endWait(new WaitKey(r.session(), r.requestId()));
    if (parked != null) {
      complete(parked, acquireReply(Status.CANCELLED, "withdrawn by its client", 0, 0));
    }
    return propose(new Withdraw(r.session(), r.requestId(), r.name(), WithdrawReason.CANCEL))
        .thenApply(this::releaseReply);
  }

  private ReleaseReply releaseReply(Result result) {
    return new ReleaseReply(result.status(), result.message(), hint(result.status()));
  }

  /** Stops the wait timer of {@code key}; returns its call parked here, if any, to answer. */
  private @Nullable CompletableFuture<AcquireReply> endWait(WaitKey key) {
    TimeSource.Cancellable timer = waitTimers.remove(key);
    if (timer != null) {
      timer.cancel();
    }
    return waits.remove(key);
  }

  /** A linearizable read of the lock {@code name}, through Ratis' ReadIndex. */
  public CompletableFuture<LockInfoReply> describe(String name) {
    return submit(LockStateMachine.queryFor(name), RaftClientRequest.readRequestType())
        .thenApply(
            reply -> {
              if (reply.status() != Status.OK || reply.message() == null) {
                return new LockInfoReply(
                    reply.status(),
                    reply.text(),
                    hint(reply.status()),
                    false,
                    Optional.empty(),
                    0,
                    0);
              }
              LockView v = LockStateMachine.decodeLockView(reply.message());
              return new LockInfoReply(
                  Status.OK,
                  v.holder() == null ? "free" : "held",
                  Optional.empty(),
                  v.holder() != null,
                  Optional.ofNullable(v.holder()),
                  v.token(),
                  v.waiters());
            });
  }

  // ---- registry ----

  /** Proposes Register. */
  public CompletableFuture<RegistryWriteReply> register(RegisterRequest r) {
    return propose(new Register(r.session(), r.requestId(), r.oldestPendingId(), r.entry()))
        .thenApply(this::writeReply);
  }

  /** Proposes Deregister. */
  public CompletableFuture<RegistryWriteReply> deregister(DeregisterRequest r) {
    return propose(
            new Deregister(
                r.session(), r.requestId(), r.oldestPendingId(), r.service(), r.nodeId()))
        .thenApply(this::writeReply);
  }

  private RegistryWriteReply writeReply(Result result) {
    return new RegistryWriteReply(
        result.status(), result.message(), hint(result.status()), result.ticket() == 1);
  }

  /**
   * A linearizable read of the registry (Ratis ReadIndex), or, with {@code knownVersion >= 0}, a
   * watch that answers once the version differs from it or {@code maxWaitMillis} passes.
   */
  public CompletableFuture<RegistryReply> registry(RegistryRequest r) {
    String service = r.service().orElse(null);
    if (r.knownVersion() < 0) {
      return readRegistry(service);
    }
    Optional<ShardOutcome> notServing = notServing();
    if (notServing.isPresent()) {
      ShardOutcome o = notServing.get();
      return CompletableFuture.completedFuture(
          new RegistryReply(o.status(), o.message(), o.leaderHint(), 0, List.of()));
    }
    CompletableFuture<RegistryReply> call = new CompletableFuture<>();
    // In the map before its timer exists, so that a timer firing at once finds it.
    Watch pending = new Watch(r.knownVersion(), service, () -> {});
    watches.put(call, pending);
    TimeSource.Cancellable timer =
        time.schedule(
            Duration.ofMillis(Math.max(0, r.maxWaitMillis())),
            () -> {
              if (watches.remove(call) != null) {
                readRegistry(service).thenAccept(call::complete);
              }
            });
    if (!watches.replace(call, pending, new Watch(r.knownVersion(), service, timer))) {
      timer.cancel(); // already answered (or timed out) meanwhile
    }
    call.whenComplete(
        (reply, error) -> {
          Watch w = watches.remove(call);
          if (w != null) {
            w.timer().cancel();
          }
        });
    readRegistry(service)
        .thenAccept(
            reply -> {
              if (reply.status() != Status.OK || reply.version() != r.knownVersion()) {
                call.complete(reply);
              }
            });
    return call;
  }

  private CompletableFuture<RegistryReply> readRegistry(@Nullable String service) {
    return submit(LockStateMachine.registryQuery(service), RaftClientRequest.readRequestType())
        .thenApply(
            reply -> {
              if (reply.status() != Status.OK || reply.message() == null) {
                return new RegistryReply(
                    reply.status(), reply.text(), hint(reply.status()), 0, List.of());
              }
              RegistryView v = LockStateMachine.decodeRegistry(reply.message());
              return new RegistryReply(Status.OK, "ok", Optional.empty(), v.version(), v.entries());
            });
  }

  /** Completes the watches the registry's current version has moved past. */
  private void wakeWatches() {
    LockStateMachine sm = stateMachine;
    if (watches.isEmpty() || sm == null) {
      return;
    }
    long version = sm.read(ShardState::registryVersion);
    for (Map.Entry<CompletableFuture<RegistryReply>, Watch> e : watches.entrySet()) {
      Watch w = e.getValue();
      if (w.knownVersion() != version && watches.remove(e.getKey(), w)) {
        w.timer().cancel();
        CompletableFuture<RegistryReply> call = e.getKey();
        executor.execute(
            () -> {
              RegistryView v = sm.read(s -> LockStateMachine.registryView(s, w.service()));
              call.complete(
                  new RegistryReply(
                      Status.OK, "changed", Optional.empty(), v.version(), v.entries()));
            });
      }
    }
  }

  private void endWatches(Status status, String why) {
    for (CompletableFuture<RegistryReply> call : watches.keySet()) {
      Watch w = watches.remove(call);
      if (w != null) {
        w.timer().cancel();
        executor.execute(
            () -> call.complete(new RegistryReply(status, why, Optional.empty(), 0, List.of())));
      }
    }
  }

  /** Up to {@code limit} of this group's locks, by a linearizable read. */
  public CompletableFuture<ListLocksReply> listLocks(int limit) {
    return listLocks(LockStateMachine.locksQuery(limit));
  }

  /**
   * Up to {@code limit} locks of {@code shard} alone, by a linearizable read: for a group that
   * carries several of the {@code shards} shards.
   */
  public CompletableFuture<ListLocksReply> listLocks(int limit, int shard, int shards) {
    return listLocks(LockStateMachine.shardLocksQuery(limit, shard, shards));
  }

  private CompletableFuture<ListLocksReply> listLocks(Message query) {
    return submit(query, RaftClientRequest.readRequestType())
        .thenApply(
            reply -> {
              if (reply.status() != Status.OK || reply.message() == null) {
                return new ListLocksReply(
                    reply.status(), reply.text(), hint(reply.status()), List.of(), 0);
              }
              LocksView v = LockStateMachine.decodeLocks(reply.message());
              List<LockEntry> locks =
                  v.locks().stream()
                      .map(
                          l ->
                              new LockEntry(
                                  l.name(),
                                  Optional.ofNullable(l.holder()),
                                  l.token(),
                                  l.waiters()))
                      .toList();
              return new ListLocksReply(Status.OK, "ok", Optional.empty(), locks, v.total());
            });
  }

  /** The group's leader as this replica knows it, if it hosts the group and knows one. */
  public Optional<String> leaderId() {
    RaftServer s = server;
    if (s == null || closed) {
      return Optional.empty();
    }
    try {
      RaftPeerId leader = s.getDivision(groupId).getInfo().getLeaderId();
      return leader == null ? Optional.empty() : Optional.of(leader.toString());
    } catch (java.io.IOException | RuntimeException notHosted) {
      return Optional.empty();
    }
  }

  /**
   * The ids of the group's members in its current Raft configuration, if this coordinator hosts the
   * group; a membership change moves them.
   */
  public Optional<List<String>> replicaIds() {
    RaftServer s = server;
    if (s == null || closed) {
      return Optional.empty();
    }
    try {
      List<String> ids = new java.util.ArrayList<>();
      for (org.apache.ratis.protocol.RaftPeer p :
          s.getDivision(groupId).getRaftConf().getCurrentPeers()) {
        ids.add(p.getId().toString());
      }
      return Optional.of(List.copyOf(ids));
    } catch (java.io.IOException | RuntimeException notHosted) {
      return Optional.empty();
    }
  }

  /**
   * How this replica, if it leads the group, sees the group's {@code preferred} replica, for the
   * {@link LeaderBalancer}; empty when it does not lead or does not host the group.
   */
  public Optional<LeaderBalancer.View> leadership(String self, String preferred) {
    RaftServer s = server;
    if (s == null || closed) {
      return Optional.empty();
    }
    try {
      RaftServer.Division d = s.getDivision(groupId);
      org.apache.ratis.server.DivisionInfo info = d.getInfo();
      org.apache.ratis.proto.RaftProtos.RoleInfoProto role = info.getRoleInfoProto();
      long[] matches = info.getFollowerMatchIndices();
      if (!info.isLeader() || !role.hasLeaderInfo() || matches == null) {
        return Optional.empty();
      }
      List<org.apache.ratis.proto.RaftProtos.ServerRpcProto> followers =
          role.getLeaderInfo().getFollowerInfoList();
      Optional<Long> match = Optional.empty();
      long silent = Long.MAX_VALUE;
      // Both lists follow the leader's log appenders; a configuration change between the two
      // reads could reorder them, and then this tick sees no preferred follower.
      if (followers.size() == matches.length) {
        for (int i = 0; i < matches.length; i++) {
          if (followers.get(i).getId().getId().toStringUtf8().equals(preferred)) {
            match = Optional.of(matches[i]);
            silent = followers.get(i).getLastRpcElapsedTimeMs();
          }
        }
      }
      return Optional.of(
          new LeaderBalancer.View(
              shard,
              self,
              preferred,
              !d.getRaftConf().getPreviousPeers().isEmpty(),
              role.getRoleElapsedTimeMs(),
              d.getRaftLog().getLastCommittedIndex(),
              match,
              silent));
    } catch (java.io.IOException | RuntimeException notHosted) {
      return Optional.empty();
    }
  }

  /** How a leadership transfer ended. */
  public enum TransferOutcome {
    /** {@code to} leads the group now. */
    MOVED,
    /** It did not happen; this replica still leads and serves, or no longer leads. */
    NOT_MOVED,
    /**
     * It failed in a way that leaves Ratis 3.2.2 refusing every write of the group as "stepping
     * down" until another leader is elected: the leader must step down (see below).
     */
    STUCK
  }

  /*
   * Ratis 3.2.2, TransferLeadership.start: when the first StartLeaderElection cannot even be sent
   * (COMPLETED_EXCEPTIONALLY, e.g. "UNAVAILABLE: io exception" from a peer's restarted channel),
   * or the transferee has no follower record or log appender, it completes the caller's reply but
   * never clears its pending transfer, so isSteppingDown() stays true and the leader answers every
   * write with LeaderSteppingDownException until a new leader is elected. A chaos run hit it: shard
   * 0 refused session opens for 70 s after one such transfer. The reply's message names the
   * result, which is how STUCK is told apart from a transfer that timed out (that one is cleared).
   */
  private static final List<String> STUCK_RESULTS =
      List.of("): COMPLETED_EXCEPTIONALLY", "): NULL_FOLLOWER", "): NULL_LOG_APPENDER");

  /**
   * Asks Ratis to hand this group's leadership to {@code to}, waiting at most {@code timeoutMillis}
   * (writes are refused meanwhile).
   */
  public CompletableFuture<TransferOutcome> transferLeadership(String to, long timeoutMillis) {
    return transferRequest(org.apache.ratis.protocol.RaftPeerId.valueOf(to), timeoutMillis)
        .handle(
            (reply, error) -> {
              if (error == null && reply.isSuccess()) {
                return TransferOutcome.MOVED;
              }
              return failedTransfer(
                  error != null
                      ? String.valueOf(error.getMessage())
                      : String.valueOf(reply.getException()));
            });
  }

  /** A failed transfer by the reason Ratis gave: STUCK for the results it leaves pending. */
  static TransferOutcome failedTransfer(String why) {
    return STUCK_RESULTS.stream().anyMatch(why::contains)
        ? TransferOutcome.STUCK
        : TransferOutcome.NOT_MOVED;
  }

  /** Asks this replica, if it leads the group, to step down so that the group elects again. */
  public CompletableFuture<Boolean> stepDown() {
    return transferRequest(null, 0).handle((reply, error) -> error == null && reply.isSuccess());
  }

  /** Ratis' leadership transfer of this group to {@code to}; to none, a step-down. */
  private CompletableFuture<org.apache.ratis.protocol.RaftClientReply> transferRequest(
      org.apache.ratis.protocol.@Nullable RaftPeerId to, long timeoutMillis) {
    RaftServer s = server;
    if (s == null || closed) {
      return CompletableFuture.failedFuture(
          new IllegalStateException(label + " is not served here: the coordinator is closed"));
    }
    try {
      return s.transferLeadershipAsync(
          new org.apache.ratis.protocol.TransferLeadershipRequest(
              clientId, s.getId(), groupId, callIds.incrementAndGet(), to, timeoutMillis));
    } catch (java.io.IOException | RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  // ---- leader duties ----

  /**
   * Runs the leader's periodic duties: expires sessions not heard from within their TTL, and starts
   * wait timers for waiters this leader has not timed yet (after an election or restart). A no-op
   * on a replica that does not lead.
   */
  public void sweep() {
    if (closed || !isReadyLeader()) {
      return;
    }
    LockStateMachine sm = stateMachine;
    if (sm == null) {
      return;
    }
    long now = time.nanoTime();
    Map<UUID, Long> ttls = sm.read(ShardState::sessionTtls);
    lastHeard.keySet().retainAll(ttls.keySet());
    for (Map.Entry<UUID, Long> e : ttls.entrySet()) {
      UUID session = e.getKey();
      // First sight (a new leader, a restart): the session's TTL starts now.
      long heard = lastHeard.computeIfAbsent(session, id -> now);
      if (now - heard >= TimeUnit.MILLISECONDS.toNanos(e.getValue()) && expiring.add(session)) {
        LOG.debug("{}: session {} not heard from for its TTL; expiring it", label, session);
        propose(new ExpireSession(session)).whenComplete((r, t) -> expiring.remove(session));
      }
    }
    for (WaiterView w : sm.read(ShardState::timedWaiters)) {
      startWaitTimer(new WaitKey(w.session(), w.requestId()), w.name(), w.waitTimeoutMillis());
    }
  }

  private void startWaitTimer(WaitKey key, String name, long timeoutMillis) {
    waitTimers.computeIfAbsent(
        key,
        k ->
            time.schedule(
                Duration.ofMillis(timeoutMillis),
                () -> {
                  if (waitTimers.remove(k) != null) {
                    propose(new Withdraw(k.session(), k.requestId(), name, WithdrawReason.TIMEOUT));
                  }
                }));
  }

  @Override
  public void onApplied(Command command, Applied applied) {
    for (Completion c : applied.completions()) {
      CompletableFuture<AcquireReply> call = endWait(new WaitKey(c.session(), c.requestId()));
      if (call != null) {
        complete(call, acquireReply(c.status(), c.message(), c.token(), c.ticket()));
      }
    }
    if (command instanceof ExpireSession || command instanceof CloseSession) {
      lastHeard.remove(command.session());
    }
    if (!watches.isEmpty()
        && (command instanceof Register
            || command instanceof Deregister
            || command instanceof ExpireSession
            || command instanceof CloseSession)) {
      wakeWatches();
    }
  }

  @Override
  public void onLeaderChanged() {
    // Whoever leads next starts every session's TTL afresh; timers belong to the old term.
    resetLeaderState();
    endWatches(Status.UNAVAILABLE, "the registry's leader changed; re-issue the watch");
    drainParkedSoon();
  }

  @Override
  public void onLeaderReady() {
    resetLeaderState();
    firstReady.complete(null);
    executor.execute(this::sweep);
    drainParkedSoon();
  }

  private void drainParkedSoon() {
    try {
      executor.execute(this::drainParked);
    } catch (java.util.concurrent.RejectedExecutionException shutDown) {
      drainParked();
    }
  }

  /** Sends the parked requests on, in order, while this replica is not between leaders. */
  private void drainParked() {
    synchronized (parkLock) {
      while (!parked.isEmpty() && !electing()) {
        Parked p = parked.poll();
        TimeSource.Cancellable t = p.timer()[0];
        if (t != null) {
          t.cancel();
        }
        submitNow(p.message(), p.readType()).whenComplete((r, e) -> p.reply().complete(r));
      }
    }
  }

  /**
   * Whether this replica hosts the group and is between leaders: it knows none, or it leads and is
   * not ready yet.
   */
  private boolean electing() {
    RaftServer s = server;
    if (closed || s == null) {
      return false;
    }
    try {
      DivisionInfo info = s.getDivision(groupId).getInfo();
      return info.isLeader() ? !info.isLeaderReady() : info.getLeaderId() == null;
    } catch (java.io.IOException | RuntimeException notHosted) {
      return false;
    }
  }

  private void resetLeaderState() {
    lastHeard.clear();
    expiring.clear();
    for (WaitKey key : waitTimers.keySet()) {
      TimeSource.Cancellable timer = waitTimers.remove(key);
      if (timer != null) {
        timer.cancel();
      }
    }
  }

  // ---- Ratis plumbing ----

  /** Whether this replica is the shard's leader and ready to serve. */
  public boolean isReadyLeader() {
    RaftServer s = server;
    if (s == null) {
      return false;
    }
    try {
      DivisionInfo info = s.getDivision(groupId).getInfo();
      return info.isLeader() && info.isLeaderReady();
    } catch (java.io.IOException e) {
      return false;
    }
  }

  /** Why this replica cannot serve a request now, if it cannot. */
  private Optional<ShardOutcome> notServing() {
    if (closed) {
      return Optional.of(
          new ShardOutcome(
              shard, Status.UNAVAILABLE, "coordinator is shut down", Optional.empty()));
    }
    RaftServer s = server;
    if (s == null) {
      return Optional.of(
          new ShardOutcome(shard, Status.UNAVAILABLE, "coordinator is starting", Optional.empty()));
    }
    try {
      DivisionInfo info = s.getDivision(groupId).getInfo();
      if (info.isLeader() && info.isLeaderReady()) {
        return Optional.empty();
      }
      RaftPeerId leader = info.getLeaderId();
      if (leader != null && !leader.equals(s.getId())) {
        return Optional.of(
            new ShardOutcome(
                shard,
                Status.NOT_LEADER,
                label + " is led by " + leader,
                Optional.of(leader.toString())));
      }
      return Optional.of(
          new ShardOutcome(
              shard,
              Status.UNAVAILABLE,
              label + " has no ready leader yet (election in progress); retry",
              Optional.empty()));
    } catch (java.io.IOException e) {
      // Not a replica (never was, moved away by coord add|remove, or not added yet): NOT_LEADER
      // without a hint sends the client on to another coordinator, where UNAVAILABLE would make
      // it retry here.
      return Optional.of(
          new ShardOutcome(
              shard,
              Status.NOT_LEADER,
              label + " is not hosted on this coordinator: " + e.getMessage(),
              Optional.empty()));
    }
  }

  private @Nullable String lastLeaderHint;

  private Optional<String> hint(Status status) {
    String h = lastLeaderHint;
    return status == Status.NOT_LEADER && h != null ? Optional.of(h) : Optional.empty();
  }

  private ShardOutcome outcome(Result r) {
    return new ShardOutcome(shard, r.status(), r.message(), hint(r.status()));
  }

  private AcquireReply acquireReply(Status status, String message, long token, long ticket) {
    return new AcquireReply(status, message, hint(status), token, ticket);
  }

  /** Proposes a command; failures of the proposal come back as a Result, never as an exception. */
  private CompletableFuture<Result> propose(Command command) {
    GroupCommit batched = proposer;
    return batched != null
        ? batched.propose(command)
        : submitEntry(command, 1).thenApply(List::getFirst);
  }

  /** Submits one entry (a command or a batch); one Result per command it carries. */
  private CompletableFuture<List<Result>> submitEntry(Command entry, int commands) {
    return submit(Message.valueOf(ByteString.copyFrom(entry.encode())), null)
        .thenApply(
            reply -> {
              if (reply.status() != Status.OK || reply.message() == null) {
                return java.util.Collections.nCopies(
                    commands, Result.of(reply.status(), reply.text()));
              }
              return entry instanceof Command.Batch
                  ? LockStateMachine.decodeResults(reply.message())
                  : List.of(LockStateMachine.decodeResult(reply.message()));
            });
  }

  /** A Ratis reply reduced to a status, a text and (when OK) the state machine's message. */
  private record Reply(Status status, String text, @Nullable Message message) {}

  private CompletableFuture<Reply> submit(
      Message message, RaftClientRequest.@Nullable Type readType) {
    if (leaderWait.isZero()) {
      return submitNow(message, readType);
    }
    Parked p;
    synchronized (parkLock) {
      if (parked.isEmpty() && !electing()) {
        return submitNow(message, readType);
      }
      p = new Parked(message, readType, new CompletableFuture<>(), new TimeSource.Cancellable[1]);
      parked.add(p);
      p.timer()[0] =
          time.schedule(
              leaderWait,
              () -> {
                boolean removed;
                synchronized (parkLock) {
                  removed = parked.remove(p);
                }
                if (removed) {
                  p.reply()
                      .complete(
                          new Reply(
                              Status.UNAVAILABLE,
                              label
                                  + " elected no leader within "
                                  + leaderWait.toMillis()
                                  + " ms (a majority of its replicas may be down or cut off);"
                                  + " retry",
                              null));
                }
              });
    }
    if (!electing()) {
      drainParkedSoon(); // the election ended meanwhile, or behind others that wait for a drain
    }
    return p.reply();
  }

  private CompletableFuture<Reply> submitNow(
      Message message, RaftClientRequest.@Nullable Type readType) {
    RaftServer s = server;
    if (closed || s == null) {
      return CompletableFuture.completedFuture(
          new Reply(
              Status.UNAVAILABLE,
              closed ? "coordinator is shut down" : "coordinator is starting",
              null));
    }
    RaftClientRequest request =
        RaftClientRequest.newBuilder()
            .setClientId(clientId)
            .setServerId(s.getId())
            .setGroupId(groupId)
            .setCallId(callIds.incrementAndGet())
            .setMessage(message)
            .setType(readType != null ? readType : RaftClientRequest.writeRequestType())
            .build();
    CompletableFuture<RaftClientReply> sent;
    try {
      // Straight to the shard's division, on this thread. RaftServer#submitClientRequestAsync
      // would hand the call to the division's client pool (a cached pool of up to one thread per
      // concurrent caller) and block this thread until that thread has appended the entry: two
      // context switches per entry and some 40 extra threads, for no gain, since the division's
      // own method only validates, appends to the log queue and returns a future.
      sent =
          s.getDivision(groupId) instanceof RaftClientAsynchronousProtocol division
              ? division.submitClientRequestAsync(request)
              : s.submitClientRequestAsync(request);
    } catch (java.io.IOException e) {
      return CompletableFuture.completedFuture(
          new Reply(
              Status.NOT_LEADER,
              label + " is not hosted on this coordinator: " + e.getMessage(),
              null));
    } catch (RuntimeException e) {
      return CompletableFuture.completedFuture(
          new Reply(Status.UNAVAILABLE, label + ": " + e.getMessage(), null));
    }
    // Runs on the Ratis thread that completed the reply (the state machine updater for writes),
    // and so do the callers' continuations: no hop to another thread before the reply leaves.
    return sent.handle(
        (reply, error) -> {
          if (error != null) {
            return new Reply(Status.UNAVAILABLE, label + ": " + describe(error), null);
          }
          if (reply.isSuccess()) {
            return new Reply(Status.OK, "", reply.getMessage());
          }
          NotLeaderException notLeader = reply.getNotLeaderException();
          if (notLeader != null) {
            if (notLeader.getSuggestedLeader() != null) {
              lastLeaderHint = notLeader.getSuggestedLeader().getId().toString();
              return new Reply(
                  Status.NOT_LEADER,
                  label + " is led by " + lastLeaderHint + "; retry there",
                  null);
            }
            return new Reply(Status.UNAVAILABLE, label + " has no leader right now; retry", null);
          }
          RaftException e = reply.getException();
          return new Reply(
              Status.UNAVAILABLE,
              label + ": " + (e == null ? "request failed" : describe(e)),
              null);
        });
  }

  private static String describe(Throwable t) {
    Throwable cause = t;
    while (cause.getCause() != null && cause.getMessage() == null) {
      cause = cause.getCause();
    }
    return cause.getClass().getSimpleName() + ": " + cause.getMessage();
  }

  private static void complete(CompletableFuture<AcquireReply> call, AcquireReply reply) {
    call.complete(reply);
  }
}
