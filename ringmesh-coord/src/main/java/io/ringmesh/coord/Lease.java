package io.ringmesh.coord;

import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A held lock. Closing it releases the lock; the next waiter is granted in the same step.
 *
 * <p>A lease is valid until it is closed or lost, except while its session is in jeopardy: when
 * some shard has not acknowledged a heartbeat within the TTL (its coordinator is down or being
 * re-elected), {@link #isValid()} is false until that shard answers again, and the lease is valid
 * again if the coordinator still has the session. It is lost when the coordinator expired the
 * session, or when the jeopardy lasts a grace period of one more TTL; then {@link #onLost}
 * listeners run: losing a lease is never silent. {@link #onJeopardy} listeners hear the jeopardy
 * begin and end, so that work under the lock can pause rather than poll {@link #isValid()}. Pass
 * {@link #fencingToken()} to what the lock protects (see {@link FencedResource}), since no lease
 * can stop a paused holder from writing late.
 *
 * <p>Thread-safe.
 */
public final class Lease implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Lease.class);

  private enum State {
    HELD,
    RELEASED,
    LOST
  }

  private final String name;
  private final long token;
  private final long ticket;
  private final ClientSession session;
  private final AtomicReference<State> state = new AtomicReference<>(State.HELD);
  private final List<Consumer<LockException>> listeners = new CopyOnWriteArrayList<>();

  /** Pairs of jeopardy listeners: (in jeopardy, valid again). Added under the session's lock. */
  private final List<Runnable[]> jeopardyListeners = new CopyOnWriteArrayList<>();

  /**
   * This lease's listener calls, run in order, one at a time ({@link #draining} while a client
   * thread runs them): a loss never overtakes the jeopardy that led to it. Per lease, so that a
   * slow listener of one lease does not hold up another's.
   */
  private final ConcurrentLinkedQueue<Runnable> events = new ConcurrentLinkedQueue<>();

  private final AtomicBoolean draining = new AtomicBoolean();

  private volatile @Nullable LockException lostBecause;

  Lease(String name, long token, long ticket, ClientSession session) {
    this.name = name;
    this.token = token;
    this.ticket = ticket;
    this.session = session;
  }

  /** The lock's name. */
  public String name() {
    return name;
  }

  /**
   * The fencing token of this grant: the Raft log index of the entry that granted it, strictly
   * greater than the token of every earlier grant of this lock.
   */
  public long fencingToken() {
    return token;
  }

  /** The log index of the entry that queued the request; grants follow ticket order (FIFO). */
  long ticket() {
    return ticket;
  }

  /** The session that holds the lease. */
  public UUID session() {
    return session.id();
  }

  /**
   * Whether the lease is still held: not closed, not lost, and every shard of its session renewed
   * within its TTL as measured by this client (false in jeopardy, see above). A true answer is only
   * as good as the next instant; fence writes.
   */
  public boolean isValid() {
    return state.get() == State.HELD && session.locallyValid();
  }

  /**
   * Runs {@code listener} once, with the reason, when the lease is lost; at once (on the calling
   * thread) if it already is. Listeners run on a client thread and should return quickly. Closing a
   * lease, or its client, is not a loss.
   *
   * @return this lease
   */
  public Lease onLost(Consumer<LockException> listener) {
    listeners.add(listener);
    LockException cause = lostBecause;
    if (cause != null && listeners.remove(listener)) {
      listener.accept(cause);
    }
    return this;
  }

  /**
   * Runs {@code inJeopardy} each time this lease's session enters jeopardy while the lease is held
   * (some shard has not acknowledged a heartbeat within the TTL: stop acting on the lock), and
   * {@code validAgain} each time it leaves it with the lease still held (every shard answered and
   * still has the session). If the session is in jeopardy when this is called, {@code inJeopardy}
   * runs first, soon. Neither runs once the lease is released or lost; a jeopardy that ends in a
   * loss ends with the {@link #onLost} listeners instead of {@code validAgain}.
   *
   * <p>A lease's listeners run one at a time, in the order of the events, on a client thread, and
   * should return quickly. Pass {@code () -> {}} for an event of no interest.
   *
   * @return this lease
   */
  public Lease onJeopardy(Runnable inJeopardy, Runnable validAgain) {
    session.addJeopardyListener(
        this,
        new Runnable[] {
          Objects.requireNonNull(inJeopardy, "inJeopardy"),
          Objects.requireNonNull(validAgain, "validAgain")
        });
    return this;
  }

  /** Runs {@code listener} on a client thread after this lease's listener calls posted before. */
  void post(Runnable listener) {
    events.add(listener);
    if (draining.compareAndSet(false, true)) {
      session.runListener(this::drain);
    }
  }

  private void drain() {
    do {
      for (Runnable r; (r = events.poll()) != null; ) {
        try {
          r.run();
        } catch (Throwable e) { // even an Error: the calls after it (a loss) must still run
          LOG.warn("a listener of {} failed", this, e);
        }
      }
      draining.set(false);
      // A call posted between the last poll and the reset found the drain running: take it.
    } while (!events.isEmpty() && draining.compareAndSet(false, true));
  }

  /** Whether listener calls are queued or running; for tests, which cannot see them otherwise. */
  boolean listenerCallsPending() {
    return draining.get() || !events.isEmpty();
  }

  /** Under the session's lock: adds a pair of jeopardy listeners. */
  void addJeopardyListener(Runnable[] pair) {
    jeopardyListeners.add(pair);
  }

  /**
   * Under the session's lock: the jeopardy listeners now, to be told of the next event (iterating a
   * copy-on-write list sees it as it was when the iteration began).
   */
  List<Runnable[]> jeopardyListeners() {
    return jeopardyListeners;
  }

  /** Runs one jeopardy listener, if the lease is still held; in the session's event order. */
  void jeopardyChanged(Runnable[] pair, boolean validAgain) {
    if (state.get() == State.HELD) {
      pair[validAgain ? 1 : 0].run();
    }
  }

  /** Why the lease was lost, if it was. */
  public java.util.Optional<LockException> lostBecause() {
    return java.util.Optional.ofNullable(lostBecause);
  }

  /**
   * Releases the lock. Idempotent; a no-op on a lease already lost (its loss was reported).
   *
   * @throws LockException SESSION_EXPIRED or PERMISSION_DENIED if the coordinator says this lease
   *     was no longer held (it was lost without the client noticing, so another holder may have
   *     overlapped); UNAVAILABLE if no coordinator confirmed the release within the request
   *     timeout, in which case the client keeps sending it until one does or the session ends (the
   *     lock is not granted to anyone else meanwhile, and this is not a loss)
   */
  @Override
  public void close() {
    ClientSession.mayBlock(); // before the lease changes state: a refused close can be repeated
    if (!state.compareAndSet(State.HELD, State.RELEASED)) {
      return;
    }
    session.release(this);
  }

  /** Marks the lease lost and runs its listeners; returns whether this call lost it. */
  boolean markLost(LockException cause) {
    if (!state.compareAndSet(State.HELD, State.LOST)) {
      return false;
    }
    lostBecause = cause;
    session.forget(this);
    for (Consumer<LockException> l : listeners) {
      if (listeners.remove(l)) {
        post(() -> l.accept(cause));
      }
    }
    return true;
  }

  /** Marks the lease released without a release call (its session was closed). */
  void markReleased() {
    state.compareAndSet(State.HELD, State.RELEASED);
  }

  /** Marks a lease whose release failed as lost, and reports it. */
  void releaseFailed(LockException cause) {
    lostBecause = cause;
    for (Consumer<LockException> l : listeners) {
      if (listeners.remove(l)) {
        post(() -> l.accept(cause));
      }
    }
  }

  @Override
  public String toString() {
    return "Lease[" + name + ", token " + token + ", " + state.get() + "]";
  }
}
