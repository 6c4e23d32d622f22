package io.ringmesh.coord.internal;

import io.ringmesh.coord.internal.Command.Acquire;
import io.ringmesh.coord.internal.Command.CloseSession;
import io.ringmesh.coord.internal.Command.Deregister;
import io.ringmesh.coord.internal.Command.ExpireSession;
import io.ringmesh.coord.internal.Command.OpenSession;
import io.ringmesh.coord.internal.Command.Register;
import io.ringmesh.coord.internal.Command.Release;
import io.ringmesh.coord.internal.Command.Withdraw;
import io.ringmesh.coord.internal.Command.WithdrawReason;
import io.ringmesh.coord.internal.Messages.AcquireMode;
import io.ringmesh.coord.internal.Messages.ServiceEntry;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * The deterministic lock table of one shard: sessions, locks, FIFO wait queues, and the results of
 * applied requests; in the registry group, also the service instances registered by sessions.
 * {@link #apply} is a pure function of the state, the log index and the command.
 *
 * <p>Not thread-safe: {@link LockStateMachine} confines mutation to Ratis' apply thread and guards
 * reads from other threads with its own lock.
 */
public final class ShardState {

  /*
   * Design. Every replica of a shard applies the same commands in the same order (Raft, Ongaro
   * and Ousterhout 2014, section 5), so every replica must compute the same state from them. That
   * rules out clocks, randomness and iteration over hash orders in apply(): sessions and locks live
   * in TreeMaps, wait queues in insertion-ordered maps, and time appears only as durations that the
   * leader interprets outside the state machine.
   *
   * Sessions and leases (Chubby, Burrows 2006, section 2.8). A client holds locks through a session
   * with a TTL. Heartbeats are not commands: logging one per client per TTL/3 would cost a disk
   * sync each, and the question they answer ("has this client been heard from lately?") is only
   * meaningful to the leader that hears them. The leader keeps last-heard times in memory and, when
   * a session's TTL passes without one, proposes ExpireSession. Applying it is deterministic: drop
   * the session's waits, release its locks, and grant each lock's next waiter. A newly elected
   * leader knows no last-heard times, so it starts every session's TTL afresh, as Chubby's new
   * master extends every lease; a leader change can therefore delay an expiry by up to one TTL, but
   * never expire a live session early. The client, for its part, counts its TTL from the moment it
   * sent the last acknowledged heartbeat, so it gives up its lease no later than the leader does.
   *
   * Fencing tokens (Kleppmann, "How to do distributed locking", 2016; Chubby's sequencers; etcd's
   * revisions). A lease can outlive its holder's belief in it (a GC pause, a partition), so the
   * resource the lock protects must be able to reject a stale holder. The token of a grant is the
   * Raft log index of the entry that made it: unique, increasing across releases, expiries, leader
   * changes and restarts, and known identically to every replica without a counter in the state.
   * A release or expiry that grants the next waiter does it in the same entry, so the waiter's
   * token is that entry's index, and the hand-off costs no extra round trip.
   *
   * Batches (group commit, issue #5; the leader side is GroupCommit). A Batch entry carries
   * several Acquire, Release and Withdraw commands, applied in list order, each exactly as if it
   * were an entry of its own at the batch's index: its own Result, its own completions, its own
   * record in its session's table of applied requests (so a retry of any of them, alone or in
   * another batch, gets the original result). What a batch cannot keep is "one index per
   * command": every grant it makes has the same token. Tokens must strictly increase per lock
   * name, so a batch may make at most one grant per name. Which commands grant is only known
   * while applying (a Release grants the head waiter if there is one; an Acquire grants if the
   * lock is free; a Withdraw CANCEL that finds its grant releases it and grants the next waiter:
   * the case of a cancel racing a hand-off, which in one entry would hand the same token to two
   * sessions), so the rule is on names, not on outcomes: a batch applies at most one command per
   * lock name. The leader never builds a batch with two commands on one name; should one arrive
   * anyway, the second and later commands on that name are answered UNAVAILABLE (retryable)
   * without being applied or recorded, which is deterministic and keeps the invariant. Commands
   * that touch many names or the whole session (OpenSession, CloseSession, ExpireSession) and the
   * registry's commands are never batched: an expiry releasing many locks in a batch could grant
   * a name another command of the batch also grants. Tickets (the index that queued a waiter)
   * stay ordered per lock for the same reason. Old entries keep their format; Batch is a new tag.
   *
   * FIFO without a herd (the ZooKeeper lock recipe, Hunt et al. 2010, watches only its
   * predecessor). Waiters queue per lock in arrival order, which is log order; a release grants
   * exactly the head, whose open call the leader completes. No other waiter is woken, and nobody
   * polls.
   *
   * Exactly-once over retries (Ongaro's thesis, section 6.3; ZOOKEEPER-1262 is what happens
   * without it). Every request carries (session, requestId). The result of each applied request is
   * kept in its session, so a retry after a lost reply is answered with the original outcome, and a
   * retried acquire that is still queued re-attaches to its place in the queue. Requests also carry
   * the oldest request id their client still awaits; results below it are forgotten and requests
   * below it are refused, which bounds the table by the requests in flight.
   *
   * Withdrawal. A waiter leaves the queue when its timeout passes (the leader proposes Withdraw
   * TIMEOUT) or its caller cancels (Withdraw CANCEL). The two differ only when the grant won the
   * race: a timeout then loses to the grant, whose reply the caller receives; a cancel releases the
   * grant, because its caller will never learn of it and would otherwise hold the lock forever
   * while heartbeating. A cancel can also overtake its own acquire (a retry in flight when the
   * caller gave up); it then leaves the acquire's outcome, CANCELLED, in the session's table, so
   * the acquire is answered from it when it arrives instead of queueing for nobody.
   *
   * The registry (DESIGN: "which service instances are alive"). Service instances are entries
   * owned by a session, so a node that dies loses its entries exactly as a holder loses its locks:
   * by ExpireSession, proposed by the leader on the same clock and with the same care. The
   * registry is therefore this same state machine, run in one more Raft group of its own (see
   * Coordinator): sessions, expiry and (session, requestId) dedup come for free, and lock traffic
   * on the shards never waits behind registry churn or the other way round. Lock shards simply
   * never see Register or Deregister.
   *
   * An entry is keyed by (service, nodeId). Registering a key replaces its entry whoever owned it,
   * because a restarted node comes back with a new session while its old one is still alive; the
   * entry then moves to the new session, so the old session's expiry finds nothing of it to delete.
   * Deregister only removes an entry its own session owns, for the same reason.
   *
   * The registry's version is the log index of the entry that last changed it: increasing across
   * leader changes and restarts, identical on every replica, and free of a counter that could be
   * forgotten in a snapshot (the version is in the snapshot all the same, because the entry that
   * set it may be compacted away). Watchers compare versions, nothing else.
   */

  /** The outcome of one applied request, kept for retries. */
  public record Result(Status status, boolean queued, long token, long ticket, String message) {
    static Result ok(long token, long ticket) {
      return new Result(Status.OK, false, token, ticket, "granted");
    }

    static Result queued(long ticket) {
      return new Result(Status.OK, true, 0, ticket, "queued");
    }

    static Result of(Status status, String message) {
      return new Result(status, false, 0, 0, message);
    }

    /**
     * The result of a registry write: {@code token} carries the registry version after it, {@code
     * ticket} 1 if the write changed the registry and 0 if not.
     */
    static Result registry(boolean changed, long version, String message) {
      return new Result(Status.OK, false, version, changed ? 1 : 0, message);
    }
  }

  /**
   * A waiter decided by an entry other than its own: granted, timed out, withdrawn, or ended. The
   * ticket is the index of the entry that queued it: grants of a lock follow ticket order.
   */
  public record Completion(
      UUID session,
      long requestId,
      String name,
      Status status,
      long token,
      long ticket,
      String message) {}

  /** What applying one command did: its own result and the waiters it decided. */
  public record Applied(Result result, List<Completion> completions) {}

  /** A waiter as the leader sees it, to run its timeout. */
  public record WaiterView(UUID session, long requestId, String name, long waitTimeoutMillis) {}

  /** Registry key of an entry. */
  private record RegistryKey(String service, String nodeId) implements Comparable<RegistryKey> {
    @Override
    public int compareTo(RegistryKey o) {
      int c = service.compareTo(o.service);
      return c != 0 ? c : nodeId.compareTo(o.nodeId);
    }
  }

  /** A registry entry and the session that owns it. */
  private record Owned(ServiceEntry entry, UUID owner) {}

  /** A lock as a read sees it. */
  public record LockView(
      String name, @Nullable UUID holder, long holderRequestId, long token, int waiters) {}

  private static final class Session {
    final UUID id;
    final long ttlMillis;
    long lowWatermark;
    final TreeMap<Long, Result> applied = new TreeMap<>();
    final TreeSet<String> held = new TreeSet<>();
    final TreeMap<String, Long> waiting = new TreeMap<>();
    final TreeSet<RegistryKey> registered = new TreeSet<>();

    Session(UUID id, long ttlMillis) {
      this.id = id;
      this.ttlMillis = ttlMillis;
    }
  }

  private record Waiter(long requestId, long waitTimeoutMillis, long ticket) {}

  private static final class Lock {
    final String name;
    @Nullable UUID holder;
    long holderRequestId;
    long token;
    int holds;
    final LinkedHashMap<UUID, Waiter> waiters = new LinkedHashMap<>();

    /**
     * The shard of {@link #name} once the lock is in {@link #byShard} (-1 before): a pure function
     * of the name. Not replicated state.
     */
    int shard = -1;

    Lock(String name) {
      this.name = name;
    }
  }

  private final TreeMap<UUID, Session> sessions = new TreeMap<>();
  private final TreeMap<String, Lock> locks = new TreeMap<>();

  /**
   * The same locks split by shard, for a group that carries several shards: built by the first
   * per-shard listing, then kept up to date as locks come and go, so that a listing reads its own
   * shard instead of walking every lock of the group under the state machine's monitor (the
   * dashboard lists every shard each second). Null until asked for, and after a restore. Derived
   * from {@link #locks}; not replicated state.
   */
  private @Nullable List<TreeMap<String, Lock>> byShard;

  private java.util.function.@Nullable ToIntFunction<String> shardOfName;
  private final TreeMap<RegistryKey, Owned> registry = new TreeMap<>();

  /** The index of the entry that last changed {@link #registry}; 0 before any change. */
  private long registryVersion;

  /**
   * Applies the payload of the log entry at {@code index}: one command, or each command of a {@link
   * Command.Batch} in order. Returns what each command did, in the same order. A batch applies at
   * most one command per lock name; a later command on a name already seen in it is answered {@link
   * Status#UNAVAILABLE} and not applied (see the design comment).
   */
  public List<Applied> applyEntry(long index, Command entry) {
    if (!(entry instanceof Command.Batch batch)) {
      return List.of(apply(index, entry));
    }
    List<Applied> applied = new ArrayList<>(batch.commands().size());
    Set<String> names = new HashSet<>();
    for (Command c : batch.commands()) {
      String name = Command.lockName(c);
      if (name != null && !names.add(name)) {
        applied.add(
            new Applied(
                Result.of(
                    Status.UNAVAILABLE,
                    "not applied: log entry "
                        + index
                        + " already carries a command on lock '"
                        + name
                        + "', and one entry may grant a lock at most once; retry the request"),
                List.of()));
      } else {
        applied.add(apply(index, c));
      }
    }
    return applied;
  }

  /**
   * Applies {@code command}, the payload of the log entry at {@code index}.
   *
   * @throws IllegalArgumentException for a {@link Command.Batch}: use {@link #applyEntry}
   */
  public Applied apply(long index, Command command) {
    List<Completion> completions = new ArrayList<>();
    Result result =
        switch (command) {
          case Command.Batch c ->
              throw new IllegalArgumentException(
                  "a batch is applied command by command with applyEntry, not apply");
          case OpenSession c -> openSession(c);
          case Acquire c -> acquire(index, c, completions);
          case Release c -> release(index, c, completions);
          case Withdraw c -> withdraw(index, c, completions);
          case ExpireSession c ->
              endSession(index, c.session(), Status.SESSION_EXPIRED, "expired", completions);
          case CloseSession c ->
              endSession(index, c.session(), Status.CANCELLED, "closed", completions);
          case Register c -> register(index, c);
          case Deregister c -> deregister(index, c);
        };
    return new Applied(result, List.copyOf(completions));
  }

  private Result openSession(OpenSession c) {
    Optional<String> bad = Validation.checkTtlMillis(c.ttlMillis());
    if (bad.isPresent()) {
      return Result.of(Status.INVALID_ARGUMENT, bad.get());
    }
    sessions.computeIfAbsent(c.session(), id -> new Session(id, c.ttlMillis()));
    return Result.of(Status.OK, "session open");
  }

  private Result acquire(long index, Acquire c, List<Completion> completions) {
    Optional<String> bad = Validation.checkName(c.name());
    if (bad.isPresent()) {
      return Result.of(Status.INVALID_ARGUMENT, bad.get());
    }
    Admission in = admit(c.session(), c.requestId(), c.oldestPendingId());
    if (in.answer() != null) {
      return in.answer();
    }
    Session session = in.session();
    Lock lock = locks.get(c.name());
    Result result;
    if (lock == null || lock.holder == null) {
      if (lock == null) {
        lock = new Lock(c.name());
        locks.put(c.name(), lock);
        index(lock);
      }
      grant(lock, session, c.requestId(), index);
      result = Result.ok(index, index);
    } else if (lock.holder.equals(session.id)) {
      if (c.reentrant()) {
        lock.holds++;
        result = Result.ok(lock.token, index);
      } else {
        result =
            Result.of(
                Status.ALREADY_HELD,
                "session "
                    + session.id
                    + " already holds lock '"
                    + c.name()
                    + "' (token "
                    + lock.token
                    + "); release that lease before acquiring again, or enable reentrant"
                    + " acquisition on the client");
      }
    } else if (lock.waiters.containsKey(session.id)) {
      result =
          Result.of(
              Status.ALREADY_HELD,
              "session "
                  + session.id
                  + " already waits for lock '"
                  + c.name()
                  + "' (request "
                  + lock.waiters.get(session.id).requestId()
                  + "); a session waits at most once per lock");
    } else if (c.mode() == AcquireMode.TRY) {
      result = Result.of(Status.LOCKED, "lock '" + c.name() + "' is held by another session");
    } else {
      lock.waiters.put(session.id, new Waiter(c.requestId(), c.waitTimeoutMillis(), index));
      session.waiting.put(c.name(), c.requestId());
      result = Result.queued(index);
    }
    session.applied.put(c.requestId(), result);
    return result;
  }

  private Result release(long index, Release c, List<Completion> completions) {
    Admission in = admit(c.session(), c.requestId(), c.oldestPendingId());
    if (in.answer() != null) {
      return in.answer();
    }
    Session session = in.session();
    Lock lock = locks.get(c.name());
    Result result;
    if (lock == null || lock.holder == null) {
      result =
          Result.of(
              Status.PERMISSION_DENIED,
              "lock '" + c.name() + "' is not held; a lease that was lost cannot be released");
    } else if (!lock.holder.equals(session.id) || lock.token != c.token()) {
      result =
          Result.of(
              Status.PERMISSION_DENIED,
              "lock '"
                  + c.name()
                  + "' is held with token "
                  + lock.token
                  + (lock.holder.equals(session.id) ? " by this session" : " by another session")
                  + ", not by session "
                  + session.id
                  + " with token "
                  + c.token()
                  + "; the lock is left as it is");
    } else {
      releaseOnce(lock, index, completions);
      result = Result.of(Status.OK, "released");
    }
    session.applied.put(c.requestId(), result);
    return result;
  }

  private Result withdraw(long index, Withdraw c, List<Completion> completions) {
    Session session = sessions.get(c.session());
    if (session == null) {
      return unknownSession(c.session());
    }
    Lock lock = locks.get(c.name());
    if (lock == null) {
      return nothingToWithdraw(session, c);
    }
    Waiter waiter = lock.waiters.get(session.id);
    if (waiter != null && waiter.requestId() == c.requestId()) {
      lock.waiters.remove(session.id);
      session.waiting.remove(c.name());
      dropIfUnused(lock);
      Result outcome =
          c.reason() == WithdrawReason.TIMEOUT
              ? Result.of(
                  Status.DEADLINE_EXCEEDED,
                  "waited "
                      + waiter.waitTimeoutMillis()
                      + " ms for lock '"
                      + c.name()
                      + "' without a grant; the request left the queue")
              : Result.of(Status.CANCELLED, "the wait for lock '" + c.name() + "' was withdrawn");
      session.applied.put(c.requestId(), outcome);
      completions.add(
          new Completion(
              session.id,
              c.requestId(),
              c.name(),
              outcome.status(),
              0,
              waiter.ticket(),
              outcome.message()));
      return Result.of(Status.OK, "withdrawn");
    }
    if (c.reason() == WithdrawReason.CANCEL
        && session.id.equals(lock.holder)
        && (lock.holderRequestId == c.requestId()
            || grantedReentrantly(session.applied.get(c.requestId()), lock))) {
      session.applied.put(
          c.requestId(), Result.of(Status.CANCELLED, "granted after its caller gave up; released"));
      releaseOnce(lock, index, completions);
      return Result.of(Status.OK, "released a grant its caller never saw");
    }
    return nothingToWithdraw(session, c);
  }

  /**
   * Whether {@code outcome} is a reentrant grant of the hold {@code lock} has now: such a grant
   * added a hold without becoming the lock's holder request, so a cancel of it drops that hold.
   */
  private static boolean grantedReentrantly(@Nullable Result outcome, Lock lock) {
    return outcome != null
        && outcome.status() == Status.OK
        && !outcome.queued()
        && outcome.token() == lock.token;
  }

  /**
   * A withdraw that found neither the waiter nor its grant. A cancel may have overtaken its own
   * acquire (a retry still in flight, or a first send delayed on another connection); the acquire
   * would then queue after its caller left, and its grant would go to nobody. So a cancel records
   * the acquire's outcome as CANCELLED before it arrives; the acquire, when it comes, is answered
   * from that record like any retry and is never applied. The record is freed with the session's
   * other results once the client's oldest pending request passes it.
   */
  private static Result nothingToWithdraw(Session session, Withdraw c) {
    if (c.reason() == WithdrawReason.CANCEL
        && c.requestId() >= session.lowWatermark
        && !session.applied.containsKey(c.requestId())) {
      session.applied.put(
          c.requestId(),
          Result.of(
              Status.CANCELLED,
              "the wait for lock '"
                  + c.name()
                  + "' was withdrawn before the request reached the shard"));
      return Result.of(Status.OK, "withdrawn before it arrived");
    }
    return Result.of(Status.OK, "nothing to withdraw");
  }

  private Result register(long index, Register c) {
    Optional<String> bad = Validation.checkEntry(c.entry());
    if (bad.isPresent()) {
      return Result.of(Status.INVALID_ARGUMENT, bad.get());
    }
    Admission in = admit(c.session(), c.requestId(), c.oldestPendingId());
    if (in.answer() != null) {
      return in.answer();
    }
    Session session = in.session();
    RegistryKey key = new RegistryKey(c.entry().service(), c.entry().nodeId());
    Owned previous = registry.put(key, new Owned(c.entry(), session.id));
    if (previous != null && !previous.owner().equals(session.id)) {
      Session old = sessions.get(previous.owner());
      if (old != null) {
        old.registered.remove(key);
      }
    }
    session.registered.add(key);
    boolean changed =
        previous == null
            || !previous.owner().equals(session.id)
            || !previous.entry().equals(c.entry());
    if (changed) {
      registryVersion = index;
    }
    Result result =
        Result.registry(
            changed,
            registryVersion,
            previous == null
                ? "registered"
                : previous.owner().equals(session.id)
                    ? "re-registered"
                    : "registered, replacing the entry of session " + previous.owner());
    session.applied.put(c.requestId(), result);
    return result;
  }

  private Result deregister(long index, Deregister c) {
    Optional<String> bad = Validation.checkRegistryKey(c.service(), c.nodeId());
    if (bad.isPresent()) {
      return Result.of(Status.INVALID_ARGUMENT, bad.get());
    }
    Admission in = admit(c.session(), c.requestId(), c.oldestPendingId());
    if (in.answer() != null) {
      return in.answer();
    }
    Session session = in.session();
    RegistryKey key = new RegistryKey(c.service(), c.nodeId());
    Owned owned = registry.get(key);
    Result result;
    if (owned == null) {
      result = Result.registry(false, registryVersion, "no such entry; nothing to deregister");
    } else if (!owned.owner().equals(session.id)) {
      result =
          Result.registry(
              false,
              registryVersion,
              "the entry of node '"
                  + c.nodeId()
                  + "' in service '"
                  + c.service()
                  + "' belongs to another session (the node registered again); left as it is");
    } else {
      registry.remove(key);
      session.registered.remove(key);
      registryVersion = index;
      result = Result.registry(true, registryVersion, "deregistered");
    }
    session.applied.put(c.requestId(), result);
    return result;
  }

  private Result endSession(
      long index, UUID id, Status waiterStatus, String how, List<Completion> completions) {
    Session session = sessions.remove(id);
    if (session == null) {
      return unknownSession(id);
    }
    if (!session.registered.isEmpty()) {
      for (RegistryKey key : session.registered) {
        registry.remove(key);
      }
      registryVersion = index;
    }
    // The session's own waits go first, so that none of its locks is handed back to it.
    for (Map.Entry<String, Long> wait : session.waiting.entrySet()) {
      Lock lock = locks.get(wait.getKey());
      Waiter waiter = lock.waiters.remove(id);
      dropIfUnused(lock);
      completions.add(
          new Completion(
              id,
              wait.getValue(),
              wait.getKey(),
              waiterStatus,
              0,
              waiter.ticket(),
              "session " + id + " " + how + " while waiting for lock '" + wait.getKey() + "'"));
    }
    for (String name : session.held) {
      Lock lock = locks.get(name);
      lock.holds = 1;
      releaseOnce(lock, index, completions);
    }
    return Result.of(
        Status.OK, "session " + how + "; released " + session.held.size() + " lock(s)");
  }

  /** A request's session, or the answer it gets without being applied (then session is null). */
  private record Admission(@Nullable Session session, @Nullable Result answer) {}

  /**
   * Admits a request: an unknown session is refused, a retry gets its earlier result, a request
   * below the low watermark is refused. Otherwise results below the client's oldest pending id are
   * forgotten and the request may be applied.
   */
  private Admission admit(UUID id, long requestId, long oldestPendingId) {
    Session session = sessions.get(id);
    if (session == null) {
      return new Admission(null, unknownSession(id));
    }
    Result answer = check(session, requestId, oldestPendingId);
    return new Admission(answer == null ? session : null, answer);
  }

  private static @Nullable Result check(Session session, long requestId, long oldestPendingId) {
    if (oldestPendingId > requestId) {
      return Result.of(
          Status.INVALID_ARGUMENT,
          "oldest pending request id " + oldestPendingId + " is above request id " + requestId);
    }
    Result earlier = session.applied.get(requestId);
    if (earlier != null) {
      return earlier;
    }
    if (requestId < session.lowWatermark) {
      return Result.of(
          Status.INVALID_ARGUMENT,
          "request "
              + requestId
              + " is older than the oldest request the client still awaits ("
              + session.lowWatermark
              + "); a delayed duplicate is not applied again");
    }
    if (oldestPendingId > session.lowWatermark) {
      session.lowWatermark = oldestPendingId;
      session.applied.headMap(oldestPendingId).clear();
    }
    return null;
  }

  private void grant(Lock lock, Session session, long requestId, long index) {
    lock.holder = session.id;
    lock.holderRequestId = requestId;
    lock.token = index;
    lock.holds = 1;
    session.held.add(lock.name);
  }

  /** Drops one hold; on the last, frees the lock and grants its next waiter in this entry. */
  private void releaseOnce(Lock lock, long index, List<Completion> completions) {
    if (--lock.holds > 0) {
      return;
    }
    Session previous = sessions.get(lock.holder);
    if (previous != null) {
      previous.held.remove(lock.name);
    }
    lock.holder = null;
    Iterator<Map.Entry<UUID, Waiter>> next = lock.waiters.entrySet().iterator();
    if (next.hasNext()) {
      Map.Entry<UUID, Waiter> head = next.next();
      next.remove();
      Session session = sessions.get(head.getKey());
      long requestId = head.getValue().requestId();
      long ticket = head.getValue().ticket();
      session.waiting.remove(lock.name);
      grant(lock, session, requestId, index);
      session.applied.put(requestId, Result.ok(index, ticket));
      completions.add(
          new Completion(session.id, requestId, lock.name, Status.OK, index, ticket, "granted"));
    } else {
      dropIfUnused(lock);
    }
  }

  private void dropIfUnused(Lock lock) {
    if (lock.holder == null && lock.waiters.isEmpty()) {
      locks.remove(lock.name);
      List<TreeMap<String, Lock>> index = byShard;
      if (index != null) {
        index.get(lock.shard).remove(lock.name);
      }
    }
  }

  private void index(Lock lock) {
    List<TreeMap<String, Lock>> index = byShard;
    java.util.function.ToIntFunction<String> shardOf = shardOfName;
    if (index != null && shardOf != null) {
      lock.shard = shardOf.applyAsInt(lock.name);
      index.get(lock.shard).put(lock.name, lock);
    }
  }

  private static Result unknownSession(UUID id) {
    return Result.of(
        Status.SESSION_EXPIRED,
        "session " + id + " is unknown on this shard: it expired or was closed; open a new one");
  }

  // ---- reads, for the leader and for queries ----

  /** Whether {@code session} is open. */
  public boolean hasSession(UUID session) {
    return sessions.containsKey(session);
  }

  /** The open sessions and their TTLs in milliseconds. */
  public Map<UUID, Long> sessionTtls() {
    Map<UUID, Long> ttls = new LinkedHashMap<>();
    sessions.forEach((id, s) -> ttls.put(id, s.ttlMillis));
    return ttls;
  }

  /** Every waiter that has a wait timeout. */
  public List<WaiterView> timedWaiters() {
    List<WaiterView> views = new ArrayList<>();
    for (Lock lock : locks.values()) {
      lock.waiters.forEach(
          (session, w) -> {
            if (w.waitTimeoutMillis() > 0) {
              views.add(new WaiterView(session, w.requestId(), lock.name, w.waitTimeoutMillis()));
            }
          });
    }
    return views;
  }

  /** The lock {@code name}; a free lock nobody waits for has no holder and no waiters. */
  public LockView lock(String name) {
    Lock lock = locks.get(name);
    if (lock == null) {
      return new LockView(name, null, 0, 0, 0);
    }
    return new LockView(
        name,
        lock.holder,
        lock.holderRequestId,
        lock.holder == null ? 0 : lock.token,
        lock.waiters.size());
  }

  /** The waiting sessions of {@code name}, head first. */
  public List<UUID> waiters(String name) {
    Lock lock = locks.get(name);
    return lock == null ? List.of() : List.copyOf(lock.waiters.keySet());
  }

  /** The number of open sessions. */
  public int sessionCount() {
    return sessions.size();
  }

  /**
   * Up to {@code limit} of the locks on {@code shard}, in name order, and how many it has in all.
   * {@code shardOf} maps a name to its shard in [0, {@code shards}); the first call indexes every
   * lock by it, and later locks are indexed as they come, so each name is hashed once. The mapping
   * must not change between calls (the shard count of a cluster is fixed at its creation).
   */
  public LockStateMachine.LocksView locks(
      int limit, int shard, int shards, java.util.function.ToIntFunction<String> shardOf) {
    List<TreeMap<String, Lock>> index = byShard;
    if (index == null || index.size() != shards) {
      index = new ArrayList<>(shards);
      for (int i = 0; i < shards; i++) {
        index.add(new TreeMap<>());
      }
      for (Lock l : locks.values()) {
        l.shard = shardOf.applyAsInt(l.name);
        index.get(l.shard).put(l.name, l);
      }
      byShard = index;
      shardOfName = shardOf;
    }
    TreeMap<String, Lock> own = index.get(shard);
    List<LockView> views = new ArrayList<>(Math.min(limit, own.size()));
    for (String name : own.keySet()) {
      if (views.size() >= limit) {
        break;
      }
      views.add(lock(name));
    }
    return new LockStateMachine.LocksView(views, own.size());
  }

  /** Up to {@code limit} locks held or waited for, in name order. */
  public List<LockView> locks(int limit) {
    List<LockView> views = new ArrayList<>(Math.min(limit, locks.size()));
    for (String name : locks.keySet()) {
      if (views.size() >= limit) {
        break;
      }
      views.add(lock(name));
    }
    return views;
  }

  /** The log index of the last change to the registry; 0 if it never changed. */
  public long registryVersion() {
    return registryVersion;
  }

  /** The registry's entries, by service then node id; only {@code service}'s when given. */
  public List<ServiceEntry> registryEntries(@Nullable String service) {
    List<ServiceEntry> out = new ArrayList<>();
    Iterable<Owned> owned =
        service == null
            ? registry.values()
            : registry
                .subMap(
                    new RegistryKey(service, ""), true, new RegistryKey(service + "\0", ""), false)
                .values();
    for (Owned o : owned) {
      if (service == null || o.entry().service().equals(service)) {
        out.add(o.entry());
      }
    }
    return out;
  }

  /** The session that owns the entry of (service, nodeId), if it is registered. */
  public Optional<UUID> registryOwner(String service, String nodeId) {
    Owned o = registry.get(new RegistryKey(service, nodeId));
    return o == null ? Optional.empty() : Optional.of(o.owner());
  }

  /** The number of locks held or waited for. */
  public int lockCount() {
    return locks.size();
  }

  // ---- snapshot payload ----

  private static final int MAGIC = 0x524d4c54; // "RMLT": Ringmesh lock table

  /** Format 2 appends the registry to format 1; both are read. */
  private static final int FORMAT = 2;

  /**
   * Writes the whole state. The sessions' held, waiting and registered sets are not written: they
   * are derived from the locks and the registry on {@link #readFrom}.
   *
   * <p>Format 2 is format 1 followed by the registry: its version (long), the entry count (int),
   * and per entry the owning session (UUID) and the entry ({@code Command.writeEntry}).
   */
  public void writeTo(DataOutputStream out) throws IOException {
    out.writeInt(MAGIC);
    out.writeInt(FORMAT);
    out.writeInt(sessions.size());
    for (Session s : sessions.values()) {
      Command.writeUuid(out, s.id);
      out.writeLong(s.ttlMillis);
      out.writeLong(s.lowWatermark);
      out.writeInt(s.applied.size());
      for (Map.Entry<Long, Result> e : s.applied.entrySet()) {
        out.writeLong(e.getKey());
        Result r = e.getValue();
        Command.writeString(out, r.status().name());
        out.writeBoolean(r.queued());
        out.writeLong(r.token());
        out.writeLong(r.ticket());
        Command.writeString(out, r.message());
      }
    }
    out.writeInt(locks.size());
    for (Lock lock : locks.values()) {
      Command.writeString(out, lock.name);
      out.writeBoolean(lock.holder != null);
      if (lock.holder != null) {
        Command.writeUuid(out, lock.holder);
        out.writeLong(lock.holderRequestId);
        out.writeLong(lock.token);
        out.writeInt(lock.holds);
      }
      out.writeInt(lock.waiters.size());
      for (Map.Entry<UUID, Waiter> w : lock.waiters.entrySet()) {
        Command.writeUuid(out, w.getKey());
        out.writeLong(w.getValue().requestId());
        out.writeLong(w.getValue().waitTimeoutMillis());
        out.writeLong(w.getValue().ticket());
      }
    }
    out.writeLong(registryVersion);
    out.writeInt(registry.size());
    for (Owned o : registry.values()) {
      Command.writeUuid(out, o.owner());
      Command.writeEntry(out, o.entry());
    }
  }

  /**
   * Reads what {@link #writeTo} wrote.
   *
   * @throws IOException naming the inconsistency, if the payload is not a lock table this code
   *     wrote
   */
  public static ShardState readFrom(DataInputStream in) throws IOException {
    if (in.readInt() != MAGIC) {
      throw new IOException("not a Ringmesh lock table (bad magic number)");
    }
    int format = in.readInt();
    if (format != 1 && format != FORMAT) {
      throw new IOException(
          "lock table format "
              + format
              + " is not supported (this code reads 1 to "
              + FORMAT
              + ")");
    }
    ShardState state = new ShardState();
    int sessionCount = count(in, "sessions");
    for (int i = 0; i < sessionCount; i++) {
      Session s = new Session(Command.readUuid(in), in.readLong());
      s.lowWatermark = in.readLong();
      int results = count(in, "results");
      for (int j = 0; j < results; j++) {
        long requestId = in.readLong();
        Status status = status(Command.readString(in));
        s.applied.put(
            requestId,
            new Result(
                status, in.readBoolean(), in.readLong(), in.readLong(), Command.readString(in)));
      }
      state.sessions.put(s.id, s);
    }
    int lockCount = count(in, "locks");
    for (int i = 0; i < lockCount; i++) {
      Lock lock = new Lock(Command.readString(in));
      if (in.readBoolean()) {
        lock.holder = Command.readUuid(in);
        lock.holderRequestId = in.readLong();
        lock.token = in.readLong();
        lock.holds = in.readInt();
        state.session(lock.holder, "lock '" + lock.name + "'").held.add(lock.name);
      }
      int waiters = count(in, "waiters");
      for (int j = 0; j < waiters; j++) {
        UUID id = Command.readUuid(in);
        Waiter w = new Waiter(in.readLong(), in.readLong(), in.readLong());
        lock.waiters.put(id, w);
        state.session(id, "lock '" + lock.name + "'").waiting.put(lock.name, w.requestId());
      }
      state.locks.put(lock.name, lock);
    }
    if (format >= 2) {
      state.registryVersion = in.readLong();
      int entries = count(in, "registry entries");
      for (int i = 0; i < entries; i++) {
        UUID owner = Command.readUuid(in);
        ServiceEntry entry;
        try {
          entry = Command.readEntry(in);
        } catch (IllegalArgumentException e) {
          throw new IOException("damaged registry entry: " + e.getMessage(), e);
        }
        RegistryKey key = new RegistryKey(entry.service(), entry.nodeId());
        state.registry.put(key, new Owned(entry, owner));
        state.session(owner, "registry entry " + key).registered.add(key);
      }
    }
    if (in.read() != -1) {
      throw new IOException("trailing bytes after the lock table");
    }
    return state;
  }

  private Session session(UUID id, String what) throws IOException {
    Session s = sessions.get(id);
    if (s == null) {
      throw new IOException(what + " refers to unknown session " + id);
    }
    return s;
  }

  private static int count(DataInputStream in, String what) throws IOException {
    int n = in.readInt();
    if (n < 0) {
      throw new IOException("negative count of " + what + ": " + n);
    }
    return n;
  }

  private static Status status(String name) throws IOException {
    try {
      return Status.valueOf(name);
    } catch (IllegalArgumentException e) {
      throw new IOException("unknown status '" + name + "' in a stored result", e);
    }
  }
}
