package io.ringmesh.coord;

import io.ringmesh.coord.internal.CoordinatorService;
import io.ringmesh.coord.internal.Messages.AcquireMode;
import io.ringmesh.coord.internal.Messages.AcquireReply;
import io.ringmesh.coord.internal.Messages.AcquireRequest;
import io.ringmesh.coord.internal.Messages.CloseSessionRequest;
import io.ringmesh.coord.internal.Messages.HeartbeatRequest;
import io.ringmesh.coord.internal.Messages.OpenSessionRequest;
import io.ringmesh.coord.internal.Messages.RegistryWriteReply;
import io.ringmesh.coord.internal.Messages.ReleaseReply;
import io.ringmesh.coord.internal.Messages.ReleaseRequest;
import io.ringmesh.coord.internal.Messages.SessionReply;
import io.ringmesh.coord.internal.Messages.ShardOutcome;
import io.ringmesh.coord.internal.Messages.WithdrawRequest;
import io.ringmesh.coord.internal.Status;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.IntStream;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One session of a {@link LockClient}: opens it on every shard, heartbeats it every TTL/3 in one
 * batched call, keeps the client's own view of its validity, and ends it (losing its leases) when
 * the coordinator reports it expired or some group's heartbeats went unacknowledged for the TTL and
 * a grace period of as long again.
 *
 * <p>Thread-safe.
 */
final class ClientSession {
  /*
   * Validity, per group. Each group (a lock shard, or the registry) has its own Raft leader, and
   * that leader alone may expire the session there, counting the TTL from the last heartbeat it
   * heard (a new leader starts it afresh). So the client keeps one deadline per group: the send
   * time of the last heartbeat that group acknowledged, plus the TTL. The send time is no later
   * than the leader's receipt, so the client gives a group up no later than its leader may expire
   * the session there (Chubby's local lease, without the grace period; Burrows, OSDI 2006, 2.8).
   * The session is valid while every group's deadline is ahead.
   *
   * Jeopardy and grace (Chubby, 2.8). A group past its deadline does not end the session at once:
   * the session is in jeopardy, every lease reports invalid (the caller must stop acting on it),
   * and heartbeats go on. Only that group's leader can expire the session there, and a new leader
   * counts the TTL afresh from its own start, so a group re-elected slowly (a loaded machine, a
   * paused leader) still has the session; the first acknowledgement from every lapsed group
   * proves it (an expired session is gone from the state machine and would be answered
   * SESSION_EXPIRED), and the leases are valid again: the locks were never released. If a group
   * stays silent for a grace period of one more TTL, or any group answers SESSION_EXPIRED, the
   * session is lost: every lease's onLost runs and the client opens a new session.
   *
   * Earlier the whole session was renewed only by a heartbeat that every group acknowledged.
   * While one coordinator was dead or paused, the groups it led answered nothing until re-elected
   * and re-found, and a beat was only tried every TTL/3, so one faulty coordinator lapsed every
   * client's session even though each group was back within the TTL (the chaos suite's pauses;
   * docs/reliability.md). Now a group that fails to answer is re-sent its heartbeat alone, with a
   * short back-off, until it answers, and each answer renews only its own group.
   */
  private static final Logger LOG = LoggerFactory.getLogger(ClientSession.class);
  private static final long FIRST_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
  private static final long MAX_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(500);
  private static final long FIRST_BEAT_RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(25);

  private final LockClient client;
  private final UUID id;
  private final long ttlNanos;
  private final int registryGroup;

  /** The groups the session is open on: every shard, and the registry once it is used. */
  private volatile List<Integer> shards;

  private volatile boolean inRegistry;
  private final AtomicBoolean ended = new AtomicBoolean();
  private volatile @Nullable LockException endCause;

  /** The earliest of the open groups' deadlines: the session's own validity. Written under this. */
  private volatile long validUntil;

  /** Per group (shards, then the registry), guarded by this: send time of its last ack + TTL. */
  private final long[] groupValidUntil;

  /** Per group, guarded by this: why its last heartbeat failed, or null after a success. */
  private final @Nullable String[] groupProblem;

  /** Groups whose last heartbeat failed and is to be re-sent soon. Guarded by this. */
  private final TreeSet<Integer> failing = new TreeSet<>();

  /** Guarded by this: whether a re-send of the failing groups is scheduled. */
  private boolean retryScheduled;

  /** Guarded by this: past {@link #validUntil} and not yet lost (Chubby's jeopardy). */
  private boolean inJeopardy;

  /**
   * Guarded by this: the grace ran out and the session is being lost. Set under the lock where it
   * is decided, so that an acknowledgement arriving before {@link #lose} runs cannot report the
   * leases valid again.
   */
  private boolean losing;

  private final Set<Lease> leases = ConcurrentHashMap.newKeySet();

  private final Set<CompletableFuture<?>> pending = ConcurrentHashMap.newKeySet();

  /** Guarded by this. */
  private long lastRequestId;

  private final java.util.concurrent.atomic.AtomicInteger heartbeatsInFlight =
      new java.util.concurrent.atomic.AtomicInteger();

  /** Guarded by this. */
  private final TreeSet<Long> inFlight = new TreeSet<>();

  /** Guarded by this. */
  private TimeSource.@Nullable Cancellable heartbeatTimer;

  /** Guarded by this. */
  private TimeSource.@Nullable Cancellable deadlineTimer;

  private ClientSession(LockClient client, UUID id, long ttlNanos, int shardCount) {
    this.client = client;
    this.id = id;
    this.ttlNanos = ttlNanos;
    this.shards = IntStream.range(0, shardCount).boxed().toList();
    this.registryGroup = shardCount;
    this.groupValidUntil = new long[shardCount + 1];
    this.groupProblem = new String[shardCount + 1];
  }

  /** Opens a new session on every shard, or throws why it could not. */
  static ClientSession open(LockClient client) {
    CoordinatorService service = client.service();
    int shardCount = service.clusterInfo().shards();
    long ttlMillis = client.sessionTtl().toMillis();
    ClientSession s =
        new ClientSession(
            client, UUID.randomUUID(), TimeUnit.MILLISECONDS.toNanos(ttlMillis), shardCount);
    long first = client.time().nanoTime();
    // Every group acknowledged the last attempt (an attempt is retried whole until all do), so
    // the session is valid for a TTL from that attempt's send time. Counting from the first one
    // made an open that retried through elections for longer than the TTL start out already
    // past its validity, unannounced, and lost a grace period later, before its first heartbeat
    // (seen in EnsembleFailoverTest: a session opened right after a kill, on a loaded host).
    java.util.concurrent.atomic.AtomicLong lastSent = new java.util.concurrent.atomic.AtomicLong();
    SessionReply reply =
        await(
            s.retrying(
                () -> {
                  lastSent.set(client.time().nanoTime());
                  return client
                      .service()
                      .openSession(new OpenSessionRequest(s.id, ttlMillis, s.shards));
                },
                ClientSession::worst,
                first + client.requestTimeout().toNanos()));
    long sent = lastSent.get();
    Status worst = worst(reply);
    if (worst != Status.OK) {
      String why = firstProblem(reply);
      if (worst != Status.INVALID_ARGUMENT) {
        client.service().closeSession(new CloseSessionRequest(s.id, s.shards));
      }
      throw new LockException(
          codeOf(worst), "could not open a session with TTL " + client.sessionTtl() + ": " + why);
    }
    synchronized (s) {
      java.util.Arrays.fill(s.groupValidUntil, sent + s.ttlNanos);
      s.validUntil = sent + s.ttlNanos;
      s.armDeadline();
      s.heartbeatTimer = client.time().schedule(s.heartbeatInterval(), s::heartbeat);
    }
    return s;
  }

  UUID id() {
    return id;
  }

  /** The number of lock shards (the registry group is numbered after them). */
  int shardCount() {
    return registryGroup;
  }

  /** Heartbeats sent and not yet answered; tests on a fake clock wait for zero. */
  int heartbeatsInFlight() {
    return heartbeatsInFlight.get();
  }

  boolean ended() {
    return ended.get();
  }

  /** Whether the TTL, counted from the last acknowledged heartbeat's send time, has not passed. */
  boolean locallyValid() {
    return !ended.get() && client.time().nanoTime() - validUntil < 0;
  }

  Duration heartbeatInterval() {
    return Duration.ofNanos(ttlNanos / 3);
  }

  // ---- heartbeats and loss ----

  /** The periodic heartbeat: every open group, every TTL/3. */
  private void heartbeat() {
    if (ended.get()) {
      return;
    }
    beat(shards, 0);
    synchronized (this) {
      if (!ended.get()) {
        heartbeatTimer = client.time().schedule(heartbeatInterval(), this::heartbeat);
      }
    }
  }

  /**
   * Sends one heartbeat for {@code groups}; each group that acknowledges it is renewed from the
   * send time, and each that fails is re-sent alone after a back-off that grows with {@code
   * attempt}.
   */
  private void beat(List<Integer> groups, int attempt) {
    long sent = client.time().nanoTime();
    heartbeatsInFlight.incrementAndGet();
    CompletableFuture<SessionReply> call;
    try {
      call = client.service().heartbeat(new HeartbeatRequest(id, groups));
    } catch (RuntimeException e) {
      call = CompletableFuture.failedFuture(e);
    }
    call.whenComplete(
        (reply, error) -> {
          heartbeatsInFlight.decrementAndGet();
          if (LOG.isDebugEnabled()) {
            LOG.debug(
                "session {}: heartbeat of {} (re-send {}) answered after {} ms: {}",
                id,
                groups,
                attempt,
                TimeUnit.NANOSECONDS.toMillis(client.time().nanoTime() - sent),
                error != null
                    ? error
                    : reply.shards().stream().map(o -> o.shard() + "=" + o.status()).toList());
          }
          if (ended.get()) {
            return;
          }
          if (error != null) {
            for (int g : groups) {
              failed(g, sent, String.valueOf(error));
            }
          } else {
            for (ShardOutcome o : reply.shards()) {
              switch (o.status()) {
                case OK -> extend(o.shard(), sent);
                case SESSION_EXPIRED -> {
                  lose(
                      new LockException(
                          LockException.Code.SESSION_EXPIRED,
                          "the coordinator expired session "
                              + id
                              + " on "
                              + groupName(o.shard())
                              + ": "
                              + o.message()));
                  return;
                }
                default -> failed(o.shard(), sent, o.status() + ": " + o.message());
              }
            }
          }
          scheduleRetry(attempt);
        });
  }

  /** Renews {@code group} from a heartbeat it acknowledged, sent at {@code sentNanos}. */
  private synchronized void extend(int group, long sentNanos) {
    if (sentNanos + ttlNanos - groupValidUntil[group] > 0) {
      groupValidUntil[group] = sentNanos + ttlNanos;
      groupProblem[group] = null;
      failing.remove(group);
      refreshValidity();
    }
  }

  /**
   * Guarded by this: sets {@link #validUntil} to the earliest open group's deadline and, if it
   * moved, re-arms the check and ends a jeopardy it ended.
   */
  private void refreshValidity() {
    long earliest = groupValidUntil[earliestGroup()];
    if (earliest != validUntil) {
      validUntil = earliest;
      armDeadline();
      if (inJeopardy && !losing && client.time().nanoTime() - validUntil < 0) {
        inJeopardy = false;
        LOG.warn("session {} out of jeopardy: every group answered; its leases are valid", id);
        jeopardyChanged(true);
      }
    }
  }

  /**
   * Records that a heartbeat sent at {@code sentNanos} failed on {@code group}, unless a later one
   * was acknowledged meanwhile.
   */
  private synchronized void failed(int group, long sentNanos, String why) {
    if (sentNanos + ttlNanos - groupValidUntil[group] > 0) {
      groupProblem[group] = why;
      failing.add(group);
    }
  }

  /** Schedules a re-send of the failing groups, unless one is already scheduled. */
  private synchronized void scheduleRetry(int attempt) {
    if (failing.isEmpty() || retryScheduled || ended.get()) {
      return;
    }
    retryScheduled = true;
    long backoff = Math.min(MAX_BACKOFF_NANOS, FIRST_BEAT_RETRY_NANOS << Math.min(attempt, 6));
    client
        .time()
        .schedule(
            Duration.ofNanos(backoff),
            () -> {
              List<Integer> again;
              synchronized (this) {
                retryScheduled = false;
                again = List.copyOf(failing);
              }
              if (!again.isEmpty() && !ended.get()) {
                beat(again, attempt + 1);
              }
            });
  }

  /** Guarded by this: the open group whose deadline comes first (the one that lapses first). */
  private int earliestGroup() {
    int earliest = shards.get(0);
    for (int g : shards) {
      if (groupValidUntil[g] - groupValidUntil[earliest] < 0) {
        earliest = g;
      }
    }
    return earliest;
  }

  private String groupName(int group) {
    return group == registryGroup ? "the registry" : "shard " + group;
  }

  /**
   * Guarded by this: (re)schedules the next check of the session's validity: at {@link #validUntil}
   * while valid, then at the end of the grace period after it.
   */
  private void armDeadline() {
    if (deadlineTimer != null) {
      deadlineTimer.cancel();
    }
    if (ended.get()) {
      return;
    }
    long now = client.time().nanoTime();
    long due = now - validUntil < 0 ? validUntil : validUntil + ttlNanos;
    deadlineTimer =
        client.time().schedule(Duration.ofNanos(Math.max(0, due - now)), this::checkValidity);
  }

  /**
   * Runs at a deadline: a session past its validity enters jeopardy (its leases report invalid, and
   * it keeps trying), and one still unacknowledged a grace period later is lost.
   */
  private void checkValidity() {
    LockException lostBecause = null;
    synchronized (this) {
      if (ended.get()) {
        return;
      }
      long now = client.time().nanoTime();
      if (now - validUntil >= 0) {
        int g = earliestGroup();
        String problem = groupProblem[g];
        String lapsed =
            groupName(g) + (problem == null ? "" : " (its last answer: " + problem + ")");
        if (now - (validUntil + ttlNanos) >= 0) {
          losing = true;
          lostBecause =
              new LockException(
                  LockException.Code.SESSION_EXPIRED,
                  "no heartbeat of session "
                      + id
                      + " was acknowledged by "
                      + lapsed
                      + " within its TTL of "
                      + Duration.ofNanos(ttlNanos)
                      + ", nor in the grace period of as long after it; the coordinator may"
                      + " already have granted its locks to others");
        } else if (!inJeopardy) {
          inJeopardy = true;
          LOG.warn(
              "session {} in jeopardy: no heartbeat acknowledged by {} within its TTL of {};"
                  + " its leases are not valid until it answers, and are lost if it does not"
                  + " within {}",
              id,
              lapsed,
              Duration.ofNanos(ttlNanos),
              Duration.ofNanos(ttlNanos));
          jeopardyChanged(false);
        }
      }
      if (lostBecause == null) {
        armDeadline();
      }
    }
    if (lostBecause != null) {
      lose(lostBecause);
    }
  }

  /** Ends the session because it expired or was lost: every lease is lost, every wait fails. */
  void lose(LockException cause) {
    if (!end(cause)) {
      return;
    }
    // An operator needs to see this: every lease of the session is lost, and the client's
    // registrations move to a new session.
    LOG.warn("session {} lost ({}); its leases are lost", id, cause.getMessage());
    for (Lease lease : List.copyOf(leases)) {
      lease.markLost(cause);
    }
    // Best effort: if the coordinator still has the session, free its locks for others now.
    client.service().closeSession(new CloseSessionRequest(id, shards));
  }

  /** Ends the session at the client's request: releases its locks on the coordinator. */
  void close() {
    if (!end(new LockException(LockException.Code.CANCELLED, "the LockClient was closed"))) {
      return;
    }
    for (Lease lease : List.copyOf(leases)) {
      lease.markReleased();
    }
    leases.clear();
    long deadline = client.time().nanoTime() + client.requestTimeout().toNanos();
    CompletableFuture<SessionReply> closed = new CompletableFuture<>();
    retry( // retried although the client is closing: this is its last call
        () -> client.service().closeSession(new CloseSessionRequest(id, shards)),
        ClientSession::worst,
        deadline,
        closed,
        0,
        true);
    await(closed);
  }

  private boolean end(LockException cause) {
    if (!ended.compareAndSet(false, true)) {
      return false;
    }
    endCause = cause;
    synchronized (this) {
      if (heartbeatTimer != null) {
        heartbeatTimer.cancel();
      }
      if (deadlineTimer != null) {
        deadlineTimer.cancel();
      }
    }
    for (CompletableFuture<?> f : List.copyOf(pending)) {
      f.completeExceptionally(cause);
    }
    client.sessionEnded(this);
    return true;
  }

  void forget(Lease lease) {
    leases.remove(lease);
  }

  /** Runs a listener on a client thread. */
  void runListener(Runnable listener) {
    client.runListener(listener);
  }

  /** Adds a lease's pair of jeopardy listeners; tells them at once of a jeopardy in progress. */
  synchronized void addJeopardyListener(Lease lease, Runnable[] pair) {
    lease.addJeopardyListener(pair);
    if (inJeopardy) {
      lease.post(() -> lease.jeopardyChanged(pair, false));
    }
  }

  /**
   * Guarded by this: tells the jeopardy listeners of the held leases, as they are now, that the
   * session entered jeopardy or left it. Posting under the lock keeps each lease's events in order.
   */
  private void jeopardyChanged(boolean validAgain) {
    for (Lease lease : leases) {
      for (Runnable[] pair : lease.jeopardyListeners()) {
        lease.post(() -> lease.jeopardyChanged(pair, validAgain));
      }
    }
  }

  // ---- registry ----

  /**
   * Opens this session on the registry group too, the first time the client registers: lock-only
   * clients never pay for a registry session. From then on the one heartbeat renews it as well, and
   * the registry's leader expires it (dropping its entries) like any shard's.
   */
  void joinRegistry() {
    if (inRegistry) {
      return;
    }
    synchronized (registryJoin) {
      if (inRegistry) {
        return;
      }
      LockException cause = endCause;
      if (cause != null) {
        throw cause;
      }
      long ttlMillis = TimeUnit.NANOSECONDS.toMillis(ttlNanos);
      long sent = client.time().nanoTime();
      SessionReply reply =
          await(
              retrying(
                  () ->
                      client
                          .service()
                          .openSession(
                              new OpenSessionRequest(id, ttlMillis, List.of(registryGroup))),
                  ClientSession::worst,
                  client.time().nanoTime() + client.requestTimeout().toNanos()));
      Status worst = worst(reply);
      if (worst != Status.OK) {
        throw new LockException(
            codeOf(worst),
            "could not open session " + id + " on the registry: " + firstProblem(reply));
      }
      List<Integer> groups = new java.util.ArrayList<>(shards);
      groups.add(registryGroup);
      synchronized (this) {
        groupValidUntil[registryGroup] = sent + ttlNanos;
        shards = List.copyOf(groups);
        refreshValidity();
      }
      inRegistry = true;
    }
  }

  private final Object registryJoin = new Object();

  /**
   * Sends a registry write with a fresh request id, retrying it (same id) while the registry is
   * unavailable; a SESSION_EXPIRED answer ends the session.
   *
   * @param send the call, given (requestId, oldestPendingId)
   */
  RegistryWriteReply registryWrite(
      java.util.function.BiFunction<Long, Long, CompletableFuture<RegistryWriteReply>> send) {
    joinRegistry();
    long requestId = begin();
    RegistryWriteReply reply;
    try {
      reply =
          await(
              retrying(
                  () -> send.apply(requestId, oldestPending()),
                  RegistryWriteReply::status,
                  client.time().nanoTime() + client.requestTimeout().toNanos()));
    } finally {
      finish(requestId);
    }
    if (reply.status() == Status.SESSION_EXPIRED) {
      LockException e =
          new LockException(
              LockException.Code.SESSION_EXPIRED,
              "session " + id + " expired; its registrations are gone: " + reply.message());
      lose(e);
      throw e;
    }
    if (reply.status() != Status.OK) {
      throw new LockException(codeOf(reply.status()), reply.message());
    }
    return reply;
  }

  // ---- requests ----

  private synchronized long begin() {
    long requestId = ++lastRequestId;
    inFlight.add(requestId);
    return requestId;
  }

  private synchronized long oldestPending() {
    return inFlight.isEmpty() ? lastRequestId + 1 : inFlight.first();
  }

  private synchronized void finish(long requestId) {
    inFlight.remove(requestId);
  }

  /**
   * Acquires {@code name}; completes {@code result} with {@code onGrant} of the lease, or with
   * {@code onLocked} when a TRY finds the lock held.
   *
   * @param waitNanos for WAIT, how long to wait; negative for no limit
   */
  <T> void acquire(
      String name,
      AcquireMode mode,
      long waitNanos,
      CallFuture<T> result,
      Function<Lease, T> onGrant,
      Supplier<T> onLocked) {
    long requestId = begin();
    long now = client.time().nanoTime();
    long deadline =
        mode == AcquireMode.TRY
            ? now + client.requestTimeout().toNanos()
            : waitNanos < 0 ? Long.MAX_VALUE : now + waitNanos;
    pending.add(result);
    AcquireProgress progress = new AcquireProgress();
    // Whatever ends the call (an answer, a cancel, or the backstop or give-up while a retry is
    // scheduled), the request stops pinning oldestPending, which lets the shards prune their
    // tables of applied requests. A wait given up without the shard's answer may still be queued
    // there (or granted, unseen): it is withdrawn first. Cancelling an open call withdraws it on
    // the coordinator that holds the call, but not if that one has stopped leading (the proposal
    // fails there), and there is no call to cancel between retries or after a failed one.
    result.whenComplete(
        (v, e) -> {
          pending.remove(result);
          if (mode == AcquireMode.WAIT && progress.sent && !progress.decided && !ended.get()) {
            withdraw(name, requestId);
          } else {
            finish(requestId);
          }
        });
    if (mode == AcquireMode.WAIT && waitNanos >= 0) {
      // Backstop: the coordinator answers at the deadline; if it cannot, give up a TTL later.
      // Cancelled once the call completes: left in the timer's queue, every timed acquire would
      // keep its closure for the whole wait plus a TTL and then build an exception nobody sees.
      TimeSource.Cancellable backstop =
          client
              .time()
              .schedule(
                  Duration.ofNanos(waitNanos + ttlNanos),
                  () -> {
                    if (!result.isDone()
                        && result.completeExceptionally(
                            new LockException(
                                LockException.Code.DEADLINE_EXCEEDED,
                                "no answer from the coordinator within "
                                    + Duration.ofNanos(waitNanos + ttlNanos)
                                    + " for lock '"
                                    + name
                                    + "'"))) {
                      result.cancelInFlight();
                    }
                  });
      result.whenComplete((v, e) -> backstop.cancel());
    }
    attemptAcquire(name, mode, requestId, deadline, result, onGrant, onLocked, progress, 0);
  }

  /** Whether an acquire was ever sent, and whether its shard answered it for good. */
  private static final class AcquireProgress {
    volatile boolean sent;
    volatile boolean decided;
  }

  /**
   * Withdraws the wait of request {@code requestId} in the background; see {@link #untilAnswered}.
   */
  private void withdraw(String name, long requestId) {
    untilAnswered(
        requestId,
        () -> client.service().withdraw(new WithdrawRequest(id, requestId, name)),
        reply -> {
          if (reply.status() != Status.OK && reply.status() != Status.SESSION_EXPIRED) {
            LOG.warn(
                "could not withdraw the abandoned wait for lock '{}' (request {} of session {}):"
                    + " {} {}",
                name,
                requestId,
                id,
                reply.status(),
                reply.message());
          }
        });
  }

  /**
   * Sends a request in the background, rounds of the request timeout apart, until the shard answers
   * it or the session ends (which settles it too), then finishes it and passes the answer to {@code
   * answered}. For requests that must not be given up: a withdrawal, or a release whose lease the
   * caller already closed.
   */
  private void untilAnswered(
      long requestId,
      Supplier<CompletableFuture<ReleaseReply>> send,
      java.util.function.Consumer<ReleaseReply> answered) {
    retrying(
            send,
            ReleaseReply::status,
            client.time().nanoTime() + client.requestTimeout().toNanos())
        .whenComplete(
            (reply, error) -> {
              if (error == null
                  && reply.status().retryable()
                  && !ended.get()
                  && !client.isClosed()) {
                untilAnswered(requestId, send, answered);
                return;
              }
              finish(requestId);
              if (error == null) {
                answered.accept(reply);
              }
            });
  }

  private <T> void attemptAcquire(
      String name,
      AcquireMode mode,
      long requestId,
      long deadline,
      CallFuture<T> result,
      Function<Lease, T> onGrant,
      Supplier<T> onLocked,
      AcquireProgress progress,
      int attempt) {
    LockException cause = endCause;
    if (cause != null) {
      result.completeExceptionally(cause);
      return;
    }
    long waitMillis =
        mode == AcquireMode.WAIT && deadline != Long.MAX_VALUE
            ? Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - client.time().nanoTime()))
            : 0;
    // Marked before sending: a cancel that lands while the request is on its way must withdraw it.
    progress.sent = true;
    CompletableFuture<AcquireReply> call =
        client
            .service()
            .acquire(
                new AcquireRequest(
                    id, requestId, oldestPending(), name, mode, waitMillis, client.reentrant()));
    result.setInFlight(call);
    call.whenComplete(
        (reply, error) -> {
          if (error != null) {
            result.completeExceptionally(
                new LockException(
                    LockException.Code.CANCELLED, "the acquire of '" + name + "' was cancelled"));
            return;
          }
          switch (reply.status()) {
            case OK -> {
              progress.decided = true;
              Lease lease = new Lease(name, reply.fencingToken(), reply.ticket(), this);
              leases.add(lease);
              LockException endedBy = endCause;
              if (endedBy != null) {
                lease.markLost(endedBy);
              }
              if (!result.complete(onGrant.apply(lease))) {
                // Nobody will see this lease (the caller gave up meanwhile): give it back.
                client.runListener(lease::close);
              }
            }
            case LOCKED -> {
              progress.decided = true;
              result.complete(onLocked.get());
            }
            case NOT_LEADER, UNAVAILABLE -> {
              long backoff =
                  Math.min(MAX_BACKOFF_NANOS, FIRST_BACKOFF_NANOS << Math.min(attempt, 6));
              if (!result.isDone() && client.time().nanoTime() + backoff - deadline < 0) {
                client
                    .time()
                    .schedule(
                        Duration.ofNanos(backoff),
                        () -> {
                          if (!result.isDone()) {
                            attemptAcquire(
                                name,
                                mode,
                                requestId,
                                deadline,
                                result,
                                onGrant,
                                onLocked,
                                progress,
                                attempt + 1);
                          }
                        });
              } else {
                result.completeExceptionally(
                    new LockException(
                        LockException.Code.UNAVAILABLE,
                        "could not acquire '" + name + "': " + reply.message()));
              }
            }
            default -> {
              progress.decided = true;
              LockException failure = new LockException(codeOf(reply.status()), reply.message());
              if (reply.status() == Status.SESSION_EXPIRED) {
                lose(failure);
              }
              result.completeExceptionally(failure);
            }
          }
        });
  }

  /** Releases {@code lease} on the coordinator; see {@link Lease#close()}. */
  void release(Lease lease) {
    leases.remove(lease);
    if (ended.get()) {
      return;
    }
    long requestId = begin();
    Supplier<CompletableFuture<ReleaseReply>> send =
        () ->
            client
                .service()
                .release(
                    new ReleaseRequest(
                        id, requestId, oldestPending(), lease.name(), lease.fencingToken()));
    ReleaseReply reply;
    try {
      reply =
          await(
              retrying(
                  send,
                  ReleaseReply::status,
                  client.time().nanoTime() + client.requestTimeout().toNanos()));
    } catch (LockException e) {
      finish(requestId);
      throw e;
    }
    if (reply.status().retryable() && !ended.get() && !client.isClosed()) {
      // Not applied, as far as we know: the lock is still held by this session, and the lease
      // is closed, so nobody could release it later. Keep sending the same request (a retry after
      // a lost reply is answered with the original result) until the shard answers or the session
      // ends, which releases the lock too. Telling the caller is all the exception does.
      untilAnswered(
          requestId,
          send,
          late -> {
            if (late.status() == Status.OK) {
              LOG.info("the release of '{}' was confirmed late", lease.name());
            } else if (late.status() != Status.SESSION_EXPIRED) {
              LOG.warn(
                  "the release of '{}' (token {}) failed: {} {}",
                  lease.name(),
                  lease.fencingToken(),
                  late.status(),
                  late.message());
            }
          });
      throw new LockException(
          LockException.Code.UNAVAILABLE,
          "could not confirm the release of '"
              + lease.name()
              + "' (token "
              + lease.fencingToken()
              + ") within "
              + client.requestTimeout()
              + ": "
              + reply.message()
              + "; this client keeps sending it until a coordinator answers or the session ends,"
              + " and the lock is not granted to anyone else before then");
    }
    finish(requestId);
    switch (reply.status()) {
      case OK -> {}
      case SESSION_EXPIRED -> {
        LockException e =
            new LockException(
                LockException.Code.SESSION_EXPIRED,
                "lease on '"
                    + lease.name()
                    + "' (token "
                    + lease.fencingToken()
                    + ") was lost before it was released: "
                    + reply.message());
        lease.releaseFailed(e);
        lose(e);
        throw e;
      }
      default -> {
        LockException e =
            new LockException(
                codeOf(reply.status()),
                "could not release '"
                    + lease.name()
                    + "' (token "
                    + lease.fencingToken()
                    + "): "
                    + reply.message());
        lease.releaseFailed(e);
        throw e;
      }
    }
  }

  /**
   * Refuses a blocking wait on an RPC I/O thread: the reply it waits for may be one that only that
   * thread can read. (The client's own futures never complete there; another library's might.)
   */
  static void mayBlock() {
    try {
      io.ringmesh.rpc.MethodInvoker.checkMayBlock("LockClient");
    } catch (io.ringmesh.rpc.RpcException onIoThread) {
      throw new LockException(
          LockException.Code.CANCELLED,
          "a blocking LockClient call on an RPC I/O thread ("
              + Thread.currentThread().getName()
              + ") would deadlock, so it was refused; use the Async methods, or continue with"
              + " thenApplyAsync/thenComposeAsync",
          onIoThread);
    }
  }

  // ---- retries ----

  /**
   * Calls {@code attempt} until its status is not retryable or the deadline passes; fails with
   * CANCELLED instead of retrying once the client is closed.
   */
  <R> CompletableFuture<R> retrying(
      Supplier<CompletableFuture<R>> attempt, Function<R, Status> status, long deadlineNanos) {
    CompletableFuture<R> out = new CompletableFuture<>();
    retry(attempt, status, deadlineNanos, out, 0, false);
    return out;
  }

  private <R> void retry(
      Supplier<CompletableFuture<R>> attempt,
      Function<R, Status> status,
      long deadline,
      CompletableFuture<R> out,
      int n,
      boolean closing) {
    attempt
        .get()
        .whenComplete(
            (reply, error) -> {
              if (error != null) {
                out.completeExceptionally(error);
                return;
              }
              long backoff = Math.min(MAX_BACKOFF_NANOS, FIRST_BACKOFF_NANOS << Math.min(n, 6));
              boolean retryable = status.apply(reply).retryable();
              if (retryable && client.isClosed() && !closing) {
                // Its connections are closing or closed: retrying would only fail until the
                // deadline. The session's own close call (closing) keeps its retries.
                out.completeExceptionally(
                    new LockException(
                        LockException.Code.CANCELLED,
                        "the LockClient was closed while the call was being retried"));
                return;
              }
              if (retryable && client.time().nanoTime() + backoff - deadline < 0) {
                client
                    .time()
                    .schedule(
                        Duration.ofNanos(backoff),
                        () -> retry(attempt, status, deadline, out, n + 1, closing));
              } else {
                out.complete(reply);
              }
            });
  }

  static <R> R await(CompletableFuture<R> future) {
    if (!future.isDone()) {
      mayBlock();
    }
    try {
      return future.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new LockException(LockException.Code.CANCELLED, "interrupted", e);
    } catch (java.util.concurrent.ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof LockException le) {
        throw le;
      }
      throw new LockException(LockException.Code.UNAVAILABLE, String.valueOf(cause), cause);
    }
  }

  static Status worst(SessionReply reply) {
    Status worst = Status.OK;
    for (ShardOutcome o : reply.shards()) {
      if (o.status() != Status.OK && (worst == Status.OK || !o.status().retryable())) {
        worst = o.status();
      }
    }
    return worst;
  }

  private static String firstProblem(SessionReply reply) {
    for (ShardOutcome o : reply.shards()) {
      if (o.status() == worst(reply)) {
        return "shard " + o.shard() + ": " + o.message();
      }
    }
    return "no shard answered";
  }

  static LockException.Code codeOf(Status status) {
    return switch (status) {
      case SESSION_EXPIRED -> LockException.Code.SESSION_EXPIRED;
      case PERMISSION_DENIED -> LockException.Code.PERMISSION_DENIED;
      case ALREADY_HELD -> LockException.Code.ALREADY_HELD;
      case INVALID_ARGUMENT -> LockException.Code.INVALID_ARGUMENT;
      case DEADLINE_EXCEEDED -> LockException.Code.DEADLINE_EXCEEDED;
      case CANCELLED -> LockException.Code.CANCELLED;
      case OK, LOCKED, NOT_LEADER, UNAVAILABLE -> LockException.Code.UNAVAILABLE;
    };
  }

  /**
   * The future of a call held open on a coordinator (an acquire, a registry watch): cancelling it
   * cancels the open call, which withdraws the request there; an open call set after the future is
   * already done (cancelled, or timed out) is cancelled at once, so none is left open.
   */
  static final class CallFuture<T> extends CompletableFuture<T> {
    private final AtomicReference<@Nullable CompletableFuture<?>> inFlight =
        new AtomicReference<>();

    void setInFlight(CompletableFuture<?> call) {
      inFlight.set(call);
      if (isDone()) {
        call.cancel(false);
      }
    }

    void cancelInFlight() {
      CompletableFuture<?> call = inFlight.get();
      if (call != null) {
        call.cancel(false);
      }
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
      boolean cancelled = super.cancel(mayInterruptIfRunning);
      if (cancelled) {
        cancelInFlight();
      }
      return cancelled;
    }
  }
}
