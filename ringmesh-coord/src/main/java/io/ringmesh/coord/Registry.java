package io.ringmesh.coord;

import io.ringmesh.coord.ClientSession.CallFuture;
import io.ringmesh.coord.internal.Messages.DeregisterRequest;
import io.ringmesh.coord.internal.Messages.RegisterRequest;
import io.ringmesh.coord.internal.Messages.RegistryReply;
import io.ringmesh.coord.internal.Messages.RegistryRequest;
import io.ringmesh.coord.internal.Status;
import io.ringmesh.coord.internal.Validation;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * The service registry, reached through a {@link LockClient}: which instances of which services are
 * alive. An entry lives as long as the session that registered it: when the client is closed or its
 * session expires (the node died, or stopped heartbeating for a TTL), its entries go, and the
 * registry's version moves. A client whose session expired while it was alive (a long pause, a
 * partition) registers its entries again on a new session, in the background, retrying every second
 * until it succeeds, {@link #deregister} is called, or the client is closed.
 *
 * <pre>{@code
 * Registry registry = lockClient.registry();
 * registry.register(RegistryEntry.of("kv", "node-7", "10.0.0.7", 7100));
 * RegistrySnapshot now = registry.snapshot("kv");
 * registry.watch(now.version(), Duration.ofSeconds(30)).thenAccept(next -> ...);
 * }</pre>
 *
 * <p>Thread-safe.
 */
public final class Registry {
  private static final long FIRST_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
  private static final long MAX_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(500);

  private static final Duration RENEW_RETRY = Duration.ofSeconds(1);

  private record Key(String service, String nodeId) {}

  private final LockClient client;

  /** What this client registered and has not deregistered, to register again after a loss. */
  private final ConcurrentHashMap<Key, RegistryEntry> mine = new ConcurrentHashMap<>();

  private final AtomicBoolean renewing = new AtomicBoolean();

  /** Watches not yet answered; closing the client ends them. */
  private final Set<CallFuture<RegistrySnapshot>> openWatches = ConcurrentHashMap.newKeySet();

  /**
   * Writes of one (service, nodeId) go one at a time, remembering included: else a renewal that
   * checked an entry was still ours could write it after a deregister of it had been applied, and
   * an entry the caller removed would come back (or a stale one replace a newer register).
   * ReentrantLocks, not monitors, since the holder waits for the network.
   */
  private final ReentrantLock[] writeLocks = new ReentrantLock[16];

  {
    for (int i = 0; i < writeLocks.length; i++) {
      writeLocks[i] = new ReentrantLock();
    }
  }

  private ReentrantLock writeLock(Key key) {
    return writeLocks[Math.floorMod(key.hashCode(), writeLocks.length)];
  }

  Registry(LockClient client) {
    this.client = client;
  }

  /** The client's session ended without being closed: register our entries on a new one. */
  void sessionLost() {
    if (!mine.isEmpty() && !client.isClosed() && renewing.compareAndSet(false, true)) {
      client.runListener(this::renew);
    }
  }

  private void renew() {
    try {
      for (Map.Entry<Key, RegistryEntry> e : mine.entrySet()) {
        if (client.isClosed()) {
          return;
        }
        ReentrantLock lock = writeLock(e.getKey());
        lock.lock();
        try {
          if (mine.get(e.getKey()) == e.getValue()) {
            send(e.getValue());
          }
        } finally {
          lock.unlock();
        }
      }
      renewing.set(false);
    } catch (LockException e) {
      renewing.set(false);
      if (!client.isClosed()) {
        client.time().schedule(RENEW_RETRY, this::sessionLost);
      }
    }
  }

  /**
   * Registers {@code entry} under this client's session, replacing the entry of the same (service,
   * nodeId), whichever session registered it (a restarted node comes back with a new session).
   * Returns once the registration is replicated.
   *
   * @throws LockException INVALID_ARGUMENT naming the bad field, SESSION_EXPIRED, or UNAVAILABLE
   */
  public void register(RegistryEntry entry) {
    ClientSession.mayBlock(); // before anything is sent: a refused call changes nothing
    // Remembered first, so that a session lost right after the write still renews it.
    Key key = new Key(entry.service(), entry.nodeId());
    ReentrantLock lock = writeLock(key);
    lock.lock();
    try {
      RegistryEntry previous = mine.put(key, entry);
      try {
        send(entry);
      } catch (LockException e) {
        if (e.code() != LockException.Code.SESSION_EXPIRED) {
          // Not registered: forget it again.
          if (previous == null) {
            mine.remove(key, entry);
          } else {
            mine.replace(key, entry, previous);
          }
        }
        throw e;
      }
    } finally {
      lock.unlock();
    }
  }

  private void send(RegistryEntry entry) {
    ClientSession s = client.session();
    s.registryWrite(
        (requestId, oldest) ->
            client
                .service()
                .register(new RegisterRequest(s.id(), requestId, oldest, entry.toMessage())));
  }

  /**
   * Removes the entry of (service, nodeId) if this client's session registered it; an entry another
   * session registered since (the node restarted) is left alone.
   *
   * @return whether an entry was removed
   * @throws LockException INVALID_ARGUMENT naming the bad field, SESSION_EXPIRED, or UNAVAILABLE
   */
  public boolean deregister(String service, String nodeId) {
    ClientSession.mayBlock(); // before anything is sent: a refused call changes nothing
    Optional<String> bad = Validation.checkRegistryKey(service, nodeId);
    if (bad.isPresent()) {
      throw new LockException(LockException.Code.INVALID_ARGUMENT, bad.get());
    }
    Key key = new Key(service, nodeId);
    ReentrantLock lock = writeLock(key);
    lock.lock();
    try {
      mine.remove(key);
      ClientSession s = client.session();
      return s.registryWrite(
              (requestId, oldest) ->
                  client
                      .service()
                      .deregister(
                          new DeregisterRequest(s.id(), requestId, oldest, service, nodeId)))
          .changed();
    } finally {
      lock.unlock();
    }
  }

  /**
   * The whole registry, by a linearizable read: it reflects every registration acknowledged before
   * the call.
   *
   * @throws LockException UNAVAILABLE if the registry cannot be read within the request timeout
   */
  public RegistrySnapshot snapshot() {
    return read(null);
  }

  /** {@link #snapshot()} of one service's entries; the version is the whole registry's. */
  public RegistrySnapshot snapshot(String service) {
    if (service.isBlank()) {
      throw new LockException(LockException.Code.INVALID_ARGUMENT, "service must not be empty");
    }
    return read(service);
  }

  private RegistrySnapshot read(@Nullable String service) {
    ClientSession.mayBlock(); // before anything is sent: a refused call changes nothing
    RegistryReply reply =
        ClientSession.await(
            client
                .session()
                .retrying(
                    () ->
                        client
                            .service()
                            .registry(new RegistryRequest(Optional.ofNullable(service), -1, 0)),
                    RegistryReply::status,
                    client.time().nanoTime() + client.requestTimeout().toNanos()));
    return snapshotOf(reply);
  }

  /**
   * Waits for the registry to change: completes with the registry as soon as its version differs
   * from {@code knownVersion} (at once if it already does), or with the current, unchanged registry
   * once {@code maxWait} has passed. The wait is held open on the registry's leader, not polled; a
   * leader change or lost connection re-issues it to the new leader. Cancelling the future ends the
   * wait.
   *
   * <p>Pass 0 to get the registry at once if it ever changed. The future fails with a {@link
   * LockException} (UNAVAILABLE) only if no coordinator could answer by {@code maxWait} plus the
   * request timeout, and (CANCELLED) at once when this client is closed.
   */
  public CompletableFuture<RegistrySnapshot> watch(long knownVersion, Duration maxWait) {
    if (knownVersion < 0 || maxWait.isNegative()) {
      return CompletableFuture.failedFuture(
          new LockException(
              LockException.Code.INVALID_ARGUMENT,
              "knownVersion and maxWait must not be negative, were "
                  + knownVersion
                  + " and "
                  + maxWait));
    }
    CallFuture<RegistrySnapshot> out = new CallFuture<>(); // cancel closes the held call
    CallFuture<RegistrySnapshot> view = client.delivered(out, unseen -> {});
    openWatches.add(view);
    view.whenComplete((v, e) -> openWatches.remove(view));
    if (client.isClosed()) {
      endWatches(); // closed before (or while) this watch was added: none outlives close()
      return view;
    }
    long now = client.time().nanoTime();
    long deadline = now + maxWait.toNanos();
    long giveUp = deadline + client.requestTimeout().toNanos();
    // Backstop: a leader that holds the call past its maximum wait (cut off, not yet deposed)
    // is abandoned for a plain read, which has a deadline of its own.
    TimeSource.Cancellable backstop =
        client
            .time()
            .schedule(
                maxWait.plus(client.requestTimeout().dividedBy(2)),
                () -> {
                  if (!out.isDone()) {
                    out.cancelInFlight();
                  }
                });
    out.whenComplete((v, e) -> backstop.cancel());
    attempt(knownVersion, deadline, giveUp, out, 0);
    return view;
  }

  /**
   * The client was closed: its watches end with CANCELLED rather than retrying against closed
   * connections until their deadline.
   */
  void endWatches() {
    for (CallFuture<RegistrySnapshot> w : List.copyOf(openWatches)) {
      w.completeExceptionally(
          new LockException(
              LockException.Code.CANCELLED,
              "the LockClient was closed, which ended its registry watch; watch from a client that"
                  + " is still open"));
      w.cancelInFlight();
    }
  }

  private void attempt(
      long known, long deadline, long giveUp, CallFuture<RegistrySnapshot> out, int n) {
    if (out.isDone()) {
      return;
    }
    long remaining = deadline - client.time().nanoTime();
    // Past the maximum wait, a plain linearizable read answers with the current registry.
    RegistryRequest request =
        remaining > 0
            ? new RegistryRequest(
                Optional.empty(), known, Math.max(1, TimeUnit.NANOSECONDS.toMillis(remaining)))
            : new RegistryRequest(Optional.empty(), -1, 0);
    CompletableFuture<RegistryReply> call;
    try {
      call = client.service().registry(request);
    } catch (RuntimeException e) {
      call = CompletableFuture.failedFuture(e);
    }
    out.setInFlight(call);
    call.whenComplete(
        (reply, error) -> {
          if (out.isDone()) {
            return;
          }
          Status status = error == null ? reply.status() : Status.UNAVAILABLE;
          if (status == Status.OK) {
            out.complete(snapshotOf(reply));
            return;
          }
          boolean cancelled = error instanceof CancellationException;
          if (!cancelled && !status.retryable()) {
            out.completeExceptionally(
                new LockException(
                    ClientSession.codeOf(status), "watch of the registry: " + reply.message()));
            return;
          }
          long backoff =
              cancelled ? 0 : Math.min(MAX_BACKOFF_NANOS, FIRST_BACKOFF_NANOS << Math.min(n, 6));
          if (client.time().nanoTime() + backoff - giveUp >= 0) {
            out.completeExceptionally(
                new LockException(
                    LockException.Code.UNAVAILABLE,
                    "no coordinator answered the registry watch: "
                        + (error != null ? error : reply.message())));
            return;
          }
          client
              .time()
              .schedule(
                  Duration.ofNanos(backoff), () -> attempt(known, deadline, giveUp, out, n + 1));
        });
  }

  private static RegistrySnapshot snapshotOf(RegistryReply reply) {
    if (reply.status() != Status.OK) {
      throw new LockException(
          ClientSession.codeOf(reply.status()), "could not read the registry: " + reply.message());
    }
    return new RegistrySnapshot(
        reply.version(), reply.entries().stream().map(RegistryEntry::of).toList());
  }
}
