package io.ringmesh.coord;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ringmesh.coord.internal.CoordinatorService;
import io.ringmesh.coord.internal.Messages.AcquireMode;
import io.ringmesh.coord.internal.Messages.AcquireReply;
import io.ringmesh.coord.internal.Messages.AcquireRequest;
import io.ringmesh.coord.internal.Messages.CloseSessionRequest;
import io.ringmesh.coord.internal.Messages.HeartbeatRequest;
import io.ringmesh.coord.internal.Messages.OpenSessionRequest;
import io.ringmesh.coord.internal.Messages.ReleaseReply;
import io.ringmesh.coord.internal.Messages.ReleaseRequest;
import io.ringmesh.coord.internal.Messages.SessionReply;
import io.ringmesh.coord.internal.Messages.ShardOutcome;
import io.ringmesh.coord.internal.Status;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every deployment of the lock service must do, through the client and the service seam
 * against real Ratis on real disk. Subclassed per deployment: the embedded coordinator here, a
 * replicated ensemble in issue #6.
 *
 * <p>Time is a {@link FakeTimeSource} shared by the service and the clients, so expiry and timeouts
 * happen when a test advances it, never by sleeping.
 */
abstract class LockServiceContract {
  static final Duration TTL = Duration.ofSeconds(3);
  static final Duration HEARTBEAT = TTL.dividedBy(3);
  static final Duration CHECK_INTERVAL = Duration.ofMillis(100);
  static final long WAIT_SECONDS = 20;

  protected final FakeTimeSource clock = new FakeTimeSource();
  private final List<LockClient> clients = new ArrayList<>();

  /** Starts the service on fresh storage, on {@link #clock}, checking sessions every 100 ms. */
  abstract void startService() throws Exception;

  /** The service as clients reach it now (after a restart, the restarted one). */
  abstract CoordinatorService service();

  /** Stops every coordinator and starts them again on the same storage. */
  abstract void restartService() throws Exception;

  /** Stops and cleans up everything. */
  abstract void stopService() throws Exception;

  @BeforeEach
  void start() throws Exception {
    startService();
  }

  @AfterEach
  void stop() throws Exception {
    for (LockClient c : clients) {
      closeLettingTimePass(c);
    }
    stopService();
  }

  /**
   * Closes a client while moving the fake clock on, so that a close that meets an unavailable shard
   * (a leader change in an ensemble) gets its retries, which wait on that clock, instead of
   * hanging.
   */
  private void closeLettingTimePass(LockClient c) throws Exception {
    CompletableFuture<Void> closing =
        CompletableFuture.runAsync(
            () -> {
              try {
                c.close();
              } catch (LockException ignored) {
                // the service may be down in this test; closing is best effort
              }
            });
    for (int i = 0; i < 600 && !closing.isDone(); i++) {
      try {
        closing.get(50, TimeUnit.MILLISECONDS);
      } catch (java.util.concurrent.TimeoutException stillClosing) {
        clock.advance(CHECK_INTERVAL);
      }
    }
    closing.get(5, TimeUnit.SECONDS);
  }

  LockClient.Builder clientBuilder() {
    return LockClient.builder().service(this::service).timeSource(clock).sessionTtl(TTL);
  }

  LockClient client() {
    return track(clientBuilder().build());
  }

  LockClient track(LockClient c) {
    clients.add(c);
    return c;
  }

  static <T> T await(CompletableFuture<T> f) throws Exception {
    return f.get(WAIT_SECONDS, TimeUnit.SECONDS);
  }

  /**
   * Advances the clock {@code times} steps, after each waiting until every client's heartbeat has
   * been answered, as real time would let it be before the next heartbeat is due. Over the network
   * a reply is not instant, and a burst of fake time would otherwise outrun it.
   */
  void advanceSettled(Duration step, int times) {
    for (int i = 0; i < times; i++) {
      clock.advance(step);
      Await.until(
          () -> clients.stream().allMatch(LockClient::heartbeatsSettled),
          () -> "every client's heartbeat answered");
    }
  }

  /** Runs the leader's periodic checks once, without moving time past any TTL. */
  void tick() {
    clock.advance(CHECK_INTERVAL);
  }

  // ---- acquire and release ----

  @Test
  void acquireReleaseAndReacquireGiveStrictlyIncreasingTokens() {
    LockClient a = client();
    long previous = 0;
    for (int i = 0; i < 5; i++) {
      try (Lease lease = a.acquire("orders", Duration.ofSeconds(5))) {
        assertThat(lease.fencingToken()).isGreaterThan(previous);
        assertThat(lease.isValid()).isTrue();
        LockInfo info = a.holder("orders");
        assertThat(info.holder()).contains(a.sessionId());
        assertThat(info.fencingToken()).isEqualTo(lease.fencingToken());
        previous = lease.fencingToken();
      }
      assertThat(a.holder("orders").isHeld()).isFalse();
    }
  }

  @Test
  void tryAcquireReturnsEmptyWhileAnotherSessionHolds() {
    LockClient a = client();
    LockClient b = client();
    try (Lease held = a.tryAcquire("x").orElseThrow()) {
      assertThat(b.tryAcquire("x")).isEmpty();
      assertThat(held.isValid()).isTrue();
    }
    assertThat(b.tryAcquire("x")).isPresent();
  }

  @Test
  void reacquireByTheHolderFailsFastWithAClearError() {
    LockClient a = client();
    try (Lease held = a.acquire("x", Duration.ofSeconds(5))) {
      assertThatThrownBy(() -> a.acquire("x", Duration.ofSeconds(5)))
          .isInstanceOfSatisfying(
              LockException.class,
              e -> assertThat(e.code()).isEqualTo(LockException.Code.ALREADY_HELD))
          .hasMessageContaining("already holds lock 'x'")
          .hasMessageContaining("token " + held.fencingToken());
      assertThat(held.isValid()).isTrue();
    }
  }

  @Test
  void reentrantClientCountsHoldsAndKeepsTheToken() {
    LockClient a = track(clientBuilder().reentrant(true).build());
    LockClient b = client();
    Lease outer = a.acquire("x", Duration.ofSeconds(5));
    Lease inner = a.acquire("x", Duration.ofSeconds(5));
    assertThat(inner.fencingToken()).isEqualTo(outer.fencingToken());
    inner.close();
    assertThat(b.tryAcquire("x")).isEmpty();
    outer.close();
    assertThat(b.tryAcquire("x")).isPresent();
  }

  @Test
  void releaseByANonHolderIsPermissionDeniedAndLeavesTheLockUntouched() throws Exception {
    LockClient a = client();
    LockClient b = client();
    Lease held = a.acquire("x", Duration.ofSeconds(5));
    ReleaseReply reply =
        await(
            service()
                .release(new ReleaseRequest(b.sessionId(), 1000, 1000, "x", held.fencingToken())));
    assertThat(reply.status()).isEqualTo(Status.PERMISSION_DENIED);
    assertThat(reply.message()).contains("lock 'x' is held with token " + held.fencingToken());
    LockInfo info = a.holder("x");
    assertThat(info.holder()).contains(a.sessionId());
    assertThat(info.fencingToken()).isEqualTo(held.fencingToken());
    held.close();
  }

  // ---- FIFO, timeouts, cancellation ----

  @Test
  void waitersAreGrantedInArrivalOrderAndOnlyTheHeadIsWoken() throws Exception {
    LockClient holder = client();
    Lease first = holder.acquire("q", Duration.ofSeconds(5));
    List<LockClient> waiters = List.of(client(), client(), client());
    List<CompletableFuture<Lease>> futures = new ArrayList<>();
    for (int i = 0; i < waiters.size(); i++) {
      futures.add(waiters.get(i).acquireAsync("q"));
      int expected = i + 1;
      Await.until(() -> holder.holder("q").waiters() == expected, () -> expected + " waiters on q");
    }
    Lease previous = first;
    for (int i = 0; i < futures.size(); i++) {
      previous.close();
      Lease granted = await(futures.get(i));
      assertThat(granted.session()).isEqualTo(waiters.get(i).sessionId());
      assertThat(granted.fencingToken()).isGreaterThan(previous.fencingToken());
      for (int j = i + 1; j < futures.size(); j++) {
        assertThat(futures.get(j)).as("waiter %d after granting %d", j, i).isNotDone();
      }
      previous = granted;
    }
    previous.close();
  }

  @Test
  void aWaitTimeoutIsDeadlineExceededAndTheWaiterLeavesTheQueue() throws Exception {
    LockClient a = client();
    LockClient b = client();
    Lease held = a.acquire("t", Duration.ofSeconds(5));
    CompletableFuture<Lease> waiting = b.acquireAsync("t", Duration.ofSeconds(2));
    Await.until(() -> a.holder("t").waiters() == 1, () -> "b queued on t");
    advanceSettled(Duration.ofMillis(500), 5); // past 2 s; heartbeats keep both sessions alive
    assertThatThrownBy(() -> await(waiting))
        .isInstanceOf(ExecutionException.class)
        .cause()
        .isInstanceOfSatisfying(
            LockException.class,
            e -> assertThat(e.code()).isEqualTo(LockException.Code.DEADLINE_EXCEEDED))
        .hasMessageContaining("lock 't'");
    assertThat(a.holder("t").waiters()).isZero();
    held.close();
    assertThat(a.holder("t").isHeld()).as("no leaked waiter was granted").isFalse();
  }

  @Test
  void cancellingAnAsyncAcquireWithdrawsIt() throws Exception {
    LockClient a = client();
    LockClient b = client();
    Lease held = a.acquire("c", Duration.ofSeconds(5));
    CompletableFuture<Lease> waiting = b.acquireAsync("c");
    Await.until(() -> a.holder("c").waiters() == 1, () -> "b queued on c");
    assertThat(waiting.cancel(false)).isTrue();
    Await.until(() -> a.holder("c").waiters() == 0, () -> "b's wait withdrawn");
    held.close();
    assertThat(a.holder("c").isHeld()).isFalse();
    assertThat(b.tryAcquire("c")).as("b's session is still usable").isPresent();
  }

  @Test
  void aContinuationOfAnAsyncAcquireMayBlockOnTheClient() throws Exception {
    LockClient a = client();
    LockClient b = client();
    Lease held = a.acquire("k", Duration.ofSeconds(5));
    // The grant arrives on whatever thread read the reply; a continuation that releases the lease
    // and reads the lock blocks on calls whose replies that thread must read, so it must not run
    // there.
    CompletableFuture<LockInfo> afterRelease =
        b.acquireAsync("k")
            .thenApply(
                lease -> {
                  lease.close();
                  return b.holder("k");
                });
    Await.until(() -> a.holder("k").waiters() == 1, () -> "b queued on k");
    held.close();
    assertThat(afterRelease.get(20, TimeUnit.SECONDS).isHeld()).isFalse();
  }

  @Test
  void aWaitGivenUpBetweenRetriesIsWithdrawn() throws Exception {
    LockClient a = client();
    Lease held = a.acquire("w", Duration.ofSeconds(5));
    // The coordinator queues b's wait, but the call is lost on the way back (as when the one
    // holding it dies): b sees UNAVAILABLE and waits out its backoff, which runs on the fake
    // clock, so no call of b's is open when b gives up.
    LockClient b =
        track(
            clientBuilder()
                .service(
                    () ->
                        answering(
                            service(),
                            "acquire",
                            (real, args) -> {
                              real.acquire((AcquireRequest) args[0]);
                              return CompletableFuture.completedFuture(
                                  new AcquireReply(
                                      Status.UNAVAILABLE,
                                      "test: the call was lost",
                                      java.util.Optional.empty(),
                                      0,
                                      0));
                            }))
                .build());
    CompletableFuture<Lease> waiting = b.acquireAsync("w");
    Await.until(() -> a.holder("w").waiters() == 1, () -> "b queued on w");
    assertThat(waiting.cancel(false)).isTrue();
    Await.until(() -> a.holder("w").waiters() == 0, () -> "b's abandoned wait withdrawn");
    held.close();
    assertThat(a.holder("w").isHeld()).as("nobody holds what b gave up").isFalse();
  }

  @Test
  void aReleaseNotConfirmedInTimeIsSentUntilItIsAndIsNotALoss() throws Exception {
    AtomicBoolean cut = new AtomicBoolean(true);
    LockClient a =
        track(
            clientBuilder()
                .requestTimeout(Duration.ofMillis(500))
                .service(
                    () ->
                        answering(
                            service(),
                            "release",
                            (real, args) ->
                                cut.get()
                                    ? CompletableFuture.completedFuture(
                                        new ReleaseReply(
                                            Status.UNAVAILABLE,
                                            "test: shard cut off",
                                            java.util.Optional.empty()))
                                    : real.release((ReleaseRequest) args[0])))
                .build());
    LockClient b = client();
    Lease lease = a.acquire("r", Duration.ofSeconds(5));
    List<LockException> lost = new CopyOnWriteArrayList<>();
    lease.onLost(lost::add);
    // A thread of its own: the common pool may be busy (it has one thread on two cores).
    CompletableFuture<Void> closing =
        CompletableFuture.runAsync(lease::close, r -> Thread.ofPlatform().start(r));
    // The release's retries and its request timeout run on the fake clock: move it until the
    // close returns (bounded in real time, not in steps: the close may start late).
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
    while (!closing.isDone() && System.nanoTime() - until < 0) {
      advanceSettled(Duration.ofMillis(50), 1);
    }
    assertThatThrownBy(() -> closing.get(5, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .cause()
        .isInstanceOfSatisfying(
            LockException.class,
            e -> assertThat(e.code()).isEqualTo(LockException.Code.UNAVAILABLE))
        .hasMessageContaining("could not confirm the release of 'r'")
        .hasMessageContaining("keeps sending it");
    assertThat(b.holder("r").isHeld()).as("the release has not reached the shard").isTrue();

    cut.set(false);
    until = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
    while (b.holder("r").isHeld() && System.nanoTime() - until < 0) {
      advanceSettled(Duration.ofMillis(50), 1);
    }
    assertThat(b.holder("r").isHeld()).as("released once the shard answers").isFalse();
    assertThat(lost).as("a late release is not a loss").isEmpty();
    assertThat(lease.lostBecause()).isEmpty();
    assertThat(b.tryAcquire("r")).isPresent();
  }

  /**
   * {@code real} with {@code method} answered by {@code answer} (given the real service and the
   * arguments); every other method passes through.
   */
  static CoordinatorService answering(
      CoordinatorService real,
      String method,
      java.util.function.BiFunction<CoordinatorService, Object[], Object> answer) {
    return (CoordinatorService)
        java.lang.reflect.Proxy.newProxyInstance(
            CoordinatorService.class.getClassLoader(),
            new Class<?>[] {CoordinatorService.class},
            (proxy, m, args) -> {
              if (m.getName().equals(method)) {
                return answer.apply(real, args);
              }
              try {
                return m.invoke(real, args);
              } catch (java.lang.reflect.InvocationTargetException e) {
                throw e.getCause();
              }
            });
  }

  // ---- sessions and expiry ----

  @Test
  void aHolderThatStopsHeartbeatingLosesItsLocksWithinTtlPlusOneHeartbeat() throws Exception {
    FakeTimeSource frozen = new FakeTimeSource(); // the crashed holder's clock never moves
    LockClient crashed = track(clientBuilder().timeSource(frozen).build());
    UUID crashedSession = crashed.sessionId();
    LockClient next = client();
    Lease lost = crashed.acquire("job", Duration.ofSeconds(5));
    CompletableFuture<Lease> waiting = next.acquireAsync("job");
    Await.until(() -> next.holder("job").waiters() == 1, () -> "next queued on job");

    // Until the TTL has passed, the lock stays with the silent holder.
    advanceSettled(CHECK_INTERVAL, (int) (TTL.toMillis() / CHECK_INTERVAL.toMillis()) - 2);
    assertThat(waiting).isNotDone();
    assertThat(next.holder("job").holder()).contains(crashedSession);
    // Within one more heartbeat interval, the leader expires it and the waiter is granted.
    advanceSettled(CHECK_INTERVAL, (int) (HEARTBEAT.toMillis() / CHECK_INTERVAL.toMillis()) + 2);
    Lease granted = await(waiting);
    assertThat(granted.fencingToken()).isGreaterThan(lost.fencingToken());
    assertThat(next.holder("job").holder()).contains(next.sessionId());
  }

  @Test
  void onLostFiresWhenTheCoordinatorExpiresTheSession() throws Exception {
    LockClient a = client();
    Lease lease = a.acquire("l", Duration.ofSeconds(5));
    AtomicReference<LockException> lostWith = new AtomicReference<>();
    lease.onLost(lostWith::set);
    UUID old = a.sessionId();
    // The coordinator ends the session behind the client's back (as a leader expiring it would).
    await(service().closeSession(new CloseSessionRequest(old, allShards())));
    clock.advance(HEARTBEAT);
    Await.until(() -> lostWith.get() != null, () -> "onLost after the next heartbeat");
    assertThat(lostWith.get().code()).isEqualTo(LockException.Code.SESSION_EXPIRED);
    assertThat(lostWith.get()).hasMessageContaining(old.toString());
    assertThat(lease.isValid()).isFalse();
    lease.close(); // a lost lease closes quietly: its loss was reported
    assertThat(a.sessionId()).as("a new session replaces the expired one").isNotEqualTo(old);
    assertThat(a.tryAcquire("l")).isPresent();
  }

  @Test
  void aClientThatCannotRenewStopsTrustingItsLeaseAtTheTtlAndGivesItUpAfterTheGrace() {
    AtomicBoolean partitioned = new AtomicBoolean();
    LockClient a =
        track(
            clientBuilder()
                .service(() -> partitioned.get() ? Partitioned.of(service()) : service())
                .build());
    Lease lease = a.acquire("p", Duration.ofSeconds(5));
    List<LockException> lost = new CopyOnWriteArrayList<>();
    lease.onLost(lost::add);
    partitioned.set(true);
    clock.advance(TTL.minusMillis(100));
    assertThat(lease.isValid()).isTrue();
    clock.advance(Duration.ofMillis(200));
    assertThat(lease.isValid()).as("in jeopardy past the TTL").isFalse();
    assertThat(lost).as("not lost before the grace period ends").isEmpty();
    clock.advance(TTL);
    Await.until(() -> !lost.isEmpty(), () -> "onLost at the end of the grace period");
    assertThat(lost.get(0)).hasMessageContaining("within its TTL").hasMessageContaining("grace");
    partitioned.set(false);
  }

  /**
   * A session call names every shard, and each shard gets its own outcome, in request order, even
   * where several shards share one Raft group and so one session table. A shared group must be
   * asked once: asked once per shard, the second close of the same session would find it gone.
   */
  @Test
  void aSessionOpensAndClosesOnEveryShardWithOneOutcomeEach() throws Exception {
    UUID session = UUID.randomUUID();
    List<Integer> shards = allShards();
    SessionReply opened =
        await(service().openSession(new OpenSessionRequest(session, TTL.toMillis(), shards)));
    assertThat(opened.shards()).extracting(ShardOutcome::shard).isEqualTo(shards);
    assertThat(opened.shards())
        .allSatisfy(
            o -> assertThat(o.status()).as("open on shard %d", o.shard()).isEqualTo(Status.OK));
    SessionReply closed = await(service().closeSession(new CloseSessionRequest(session, shards)));
    assertThat(closed.shards()).extracting(ShardOutcome::shard).isEqualTo(shards);
    assertThat(closed.shards())
        .allSatisfy(
            o ->
                assertThat(o.status())
                    .as("close on shard %d: %s", o.shard(), o.message())
                    .isEqualTo(Status.OK));
    SessionReply again = await(service().closeSession(new CloseSessionRequest(session, shards)));
    assertThat(again.shards())
        .as("the first close ended the session everywhere")
        .allSatisfy(o -> assertThat(o.status()).isEqualTo(Status.SESSION_EXPIRED));
  }

  @Test
  void anUnknownSessionIsSessionExpired() throws Exception {
    UUID stranger = UUID.randomUUID();
    AcquireReply reply =
        await(
            service().acquire(new AcquireRequest(stranger, 1, 1, "x", AcquireMode.TRY, 0, false)));
    assertThat(reply.status()).isEqualTo(Status.SESSION_EXPIRED);
    assertThat(reply.message()).contains(stranger.toString()).contains("open a new one");
    SessionReply hb = await(service().heartbeat(new HeartbeatRequest(stranger, List.of(0))));
    assertThat(hb.shards().get(0).status()).isEqualTo(Status.SESSION_EXPIRED);
  }

  // ---- bad input ----

  @Test
  void badLockNamesAreInvalidArgument() {
    LockClient a = client();
    assertThatThrownBy(() -> a.tryAcquire(""))
        .isInstanceOfSatisfying(
            LockException.class,
            e -> assertThat(e.code()).isEqualTo(LockException.Code.INVALID_ARGUMENT))
        .hasMessageContaining("lock name must not be empty");
    String tooLong = "é".repeat(513); // 1,026 bytes in UTF-8
    assertThatThrownBy(() -> a.acquire(tooLong, Duration.ofSeconds(1)))
        .isInstanceOfSatisfying(
            LockException.class,
            e -> assertThat(e.code()).isEqualTo(LockException.Code.INVALID_ARGUMENT))
        .hasMessageContaining("1026 bytes in UTF-8; the limit is 1024");
    assertThat(a.tryAcquire("é".repeat(512))).as("exactly 1,024 bytes is allowed").isPresent();
  }

  @Test
  void ttlsOutsideOneSecondToOneHourAreInvalidArgument() throws Exception {
    for (Duration ttl : List.of(Duration.ofMillis(999), Duration.ofHours(1).plusMillis(1))) {
      assertThatThrownBy(() -> track(clientBuilder().sessionTtl(ttl).build()))
          .isInstanceOfSatisfying(
              LockException.class,
              e -> assertThat(e.code()).isEqualTo(LockException.Code.INVALID_ARGUMENT))
          .hasMessageContaining(
              "session TTL " + ttl + " is outside the allowed range [PT1S, PT1H]");
    }
    SessionReply reply =
        await(service().openSession(new OpenSessionRequest(UUID.randomUUID(), 500, List.of(0, 1))));
    assertThat(reply.shards())
        .allSatisfy(o -> assertThat(o.status()).isEqualTo(Status.INVALID_ARGUMENT));
    track(clientBuilder().sessionTtl(Duration.ofSeconds(1)).build());
  }

  @Test
  void aRetriedRequestIsAnsweredWithTheOriginalResult() throws Exception {
    LockClient a = client();
    UUID session = a.sessionId();
    AcquireRequest request =
        new AcquireRequest(session, 1_000_000, 1_000_000, "d", AcquireMode.TRY, 0, false);
    AcquireReply first = await(service().acquire(request));
    AcquireReply retry = await(service().acquire(request));
    assertThat(first.status()).isEqualTo(Status.OK);
    assertThat(retry).isEqualTo(first);
    ReleaseRequest release =
        new ReleaseRequest(session, 1_000_001, 1_000_001, "d", first.fencingToken());
    assertThat(await(service().release(release)).status()).isEqualTo(Status.OK);
    assertThat(await(service().release(release)).status())
        .as("a retried release is not applied twice")
        .isEqualTo(Status.OK);
  }

  // ---- restart ----

  @Test
  void aRestartKeepsLocksWaitersSessionsAndTokensThenExpiresSilentSessions() throws Exception {
    LockClient holder = client();
    LockClient waiter = client();
    // 'silent' stops heartbeating, as a client that died with the old coordinator would.
    LockClient silent = track(clientBuilder().timeSource(new FakeTimeSource()).build());
    Lease held = holder.acquire("r", Duration.ofSeconds(5));
    Lease silentLease = silent.acquire("s", Duration.ofSeconds(5));
    CompletableFuture<Lease> waiting = waiter.acquireAsync("r");
    Await.until(() -> holder.holder("r").waiters() == 1, () -> "waiter queued on r");

    restartService();
    LockClient observer = client();
    LockInfo r = observer.holder("r");
    assertThat(r.holder()).contains(holder.sessionId());
    assertThat(r.fencingToken()).isEqualTo(held.fencingToken());
    assertThat(r.waiters()).isEqualTo(1);
    LockInfo s = observer.holder("s");
    assertThat(s.holder()).contains(silentLease.session());
    assertThat(s.fencingToken()).isEqualTo(silentLease.fencingToken());

    // The holder and the waiter reach the restarted service and keep heartbeating; after a
    // TTL and a heartbeat interval, only the silent session has expired.
    advanceSettled(CHECK_INTERVAL, (int) (TTL.plus(HEARTBEAT).toMillis() / 100) + 2);
    Await.until(() -> !observer.holder("s").isHeld(), () -> "the silent session's expiry");
    assertThat(held.isValid()).isTrue();
    assertThat(observer.holder("r").holder()).contains(holder.sessionId());
    assertThat(observer.holder("r").waiters()).isEqualTo(1);
    held.close();
    Lease granted = await(waiting);
    assertThat(granted.fencingToken()).isGreaterThan(held.fencingToken());
    granted.close();
  }

  // ---- concurrency ----

  /** One critical section as its thread saw it, in real time. */
  record Section(String name, long token, long ticket, long enteredNanos, long leftNanos) {}

  @Test
  @org.junit.jupiter.api.Timeout(150)
  void concurrentHoldersAreMutuallyExclusiveFencedAndFifo() throws Exception {
    int threads = 16;
    int operations = 2_000;
    List<String> names = List.of("alpha", "beta", "gamma", "delta");
    java.util.Map<String, FencedResource<List<Long>>> resources = new java.util.HashMap<>();
    for (String n : names) {
      resources.put(n, new FencedResource<>(new ArrayList<>()));
    }
    List<LockClient> holders = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      holders.add(client()); // one session per thread, as separate processes would have
    }
    List<Section> history = new CopyOnWriteArrayList<>();
    java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.atomic.AtomicInteger remaining =
        new java.util.concurrent.atomic.AtomicInteger(operations);
    List<CompletableFuture<Void>> workers = new ArrayList<>();
    java.util.concurrent.ExecutorService pool =
        java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor();
    for (int t = 0; t < threads; t++) {
      LockClient c = holders.get(t);
      java.util.Random random = new java.util.Random(t);
      workers.add(
          CompletableFuture.runAsync(
              () -> {
                try {
                  go.await();
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                  return;
                }
                while (remaining.getAndDecrement() > 0) {
                  String name = names.get(random.nextInt(names.size()));
                  try (Lease lease = c.acquire(name, Duration.ofSeconds(60))) {
                    long entered = System.nanoTime();
                    resources
                        .get(name)
                        .accept(lease.fencingToken(), l -> l.add(lease.fencingToken()));
                    history.add(
                        new Section(
                            name,
                            lease.fencingToken(),
                            lease.ticket(),
                            entered,
                            System.nanoTime()));
                  }
                }
              },
              pool));
    }
    go.countDown();
    try {
      CompletableFuture.allOf(workers.toArray(CompletableFuture<?>[]::new))
          .get(140, TimeUnit.SECONDS);
    } finally {
      pool.shutdownNow();
    }

    assertThat(history).hasSize(operations);
    for (String name : names) {
      List<Section> sections =
          history.stream()
              .filter(h -> h.name().equals(name))
              .sorted(java.util.Comparator.comparingLong(Section::enteredNanos))
              .toList();
      // (1) Mutual exclusion: no two critical sections of one lock overlap in time.
      for (int i = 1; i < sections.size(); i++) {
        assertThat(sections.get(i).enteredNanos())
            .as("%s: section %s overlaps %s", name, sections.get(i), sections.get(i - 1))
            .isGreaterThan(sections.get(i - 1).leftNanos());
      }
      // (2) The resource accepted every write, with strictly increasing tokens.
      List<Long> accepted = resources.get(name).apply(Long.MAX_VALUE, List::copyOf);
      assertThat(accepted).hasSize(sections.size());
      for (int i = 1; i < accepted.size(); i++) {
        assertThat(accepted.get(i)).as("%s token %d", name, i).isGreaterThan(accepted.get(i - 1));
      }
      // (3) FIFO: with no expiry, grants follow the order in which requests were queued.
      List<Section> byGrant =
          sections.stream().sorted(java.util.Comparator.comparingLong(Section::token)).toList();
      for (int i = 1; i < byGrant.size(); i++) {
        assertThat(byGrant.get(i).ticket())
            .as(
                "%s: grant %s came after %s but was queued earlier",
                name, byGrant.get(i), byGrant.get(i - 1))
            .isGreaterThan(byGrant.get(i - 1).ticket());
      }
    }
  }

  List<Integer> allShards() {
    int n = service().clusterInfo().shards();
    List<Integer> shards = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      shards.add(i);
    }
    return shards;
  }
}
