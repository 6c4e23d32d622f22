package io.ringmesh.coord.internal;

import io.ringmesh.coord.internal.Command.Acquire;
import io.ringmesh.coord.internal.Command.CloseSession;
import io.ringmesh.coord.internal.Command.ExpireSession;
import io.ringmesh.coord.internal.Command.OpenSession;
import io.ringmesh.coord.internal.Command.Release;
import io.ringmesh.coord.internal.Command.Withdraw;
import io.ringmesh.coord.internal.Command.WithdrawReason;
import io.ringmesh.coord.internal.Messages.AcquireMode;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * The deterministic lock table of one shard: sessions, locks, FIFO wait queues, and the results of
 * applied requests. {@link #apply} is a pure function of the state, the log index and the command.
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
   * while heartbeating.
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

    Lock(String name) {
      this.name = name;
    }
  }

  private final TreeMap<UUID, Session> sessions = new TreeMap<>();
  private final TreeMap<String, Lock> locks = new TreeMap<>();

  /** Applies {@code command}, the payload of the log entry at {@code index}. */
  public Applied apply(long index, Command command) {
    List<Completion> completions = new ArrayList<>();
    Result result =
        switch (command) {
          case OpenSession c -> openSession(c);
          case Acquire c -> acquire(index, c, completions);
          case Release c -> release(index, c, completions);
          case Withdraw c -> withdraw(index, c, completions);
          case ExpireSession c ->
              endSession(index, c.session(), Status.SESSION_EXPIRED, "expired", completions);
          case CloseSession c ->
              endSession(index, c.session(), Status.CANCELLED, "closed", completions);
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
      return Result.of(Status.OK, "nothing to withdraw");
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
        && lock.holderRequestId == c.requestId()) {
      session.applied.put(
          c.requestId(), Result.of(Status.CANCELLED, "granted after its caller gave up; released"));
      releaseOnce(lock, index, completions);
      return Result.of(Status.OK, "released a grant its caller never saw");
    }
    return Result.of(Status.OK, "nothing to withdraw");
  }

  private Result endSession(
      long index, UUID id, Status waiterStatus, String how, List<Completion> completions) {
    Session session = sessions.remove(id);
    if (session == null) {
      return unknownSession(id);
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

  /** The number of locks held or waited for. */
  public int lockCount() {
    return locks.size();
  }

  // ---- snapshot payload ----

  private static final int MAGIC = 0x524d4c54; // "RMLT": Ringmesh lock table
  private static final int FORMAT = 1;

  /**
   * Writes the whole state. The sessions' held and waiting sets are not written: they are derived
   * from the locks on {@link #readFrom}.
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
    if (format != FORMAT) {
      throw new IOException(
          "lock table format " + format + " is not supported (this code reads " + FORMAT + ")");
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
        state.session(lock.holder, lock.name).held.add(lock.name);
      }
      int waiters = count(in, "waiters");
      for (int j = 0; j < waiters; j++) {
        UUID id = Command.readUuid(in);
        Waiter w = new Waiter(in.readLong(), in.readLong(), in.readLong());
        lock.waiters.put(id, w);
        state.session(id, lock.name).waiting.put(lock.name, w.requestId());
      }
      state.locks.put(lock.name, lock);
    }
    if (in.read() != -1) {
      throw new IOException("trailing bytes after the lock table");
    }
    return state;
  }

  private Session session(UUID id, String lockName) throws IOException {
    Session s = sessions.get(id);
    if (s == null) {
      throw new IOException("lock '" + lockName + "' refers to unknown session " + id);
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
