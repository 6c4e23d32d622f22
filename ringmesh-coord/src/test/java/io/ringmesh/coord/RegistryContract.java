package io.ringmesh.coord;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ringmesh.coord.internal.CoordinatorService;
import io.ringmesh.coord.internal.Messages.RegisterRequest;
import io.ringmesh.coord.internal.Messages.RegistryWriteReply;
import io.ringmesh.coord.internal.Messages.ServiceEntry;
import io.ringmesh.coord.internal.Status;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What the service registry must do, through {@link LockClient#registry()} against real Ratis on
 * real disk; subclassed per deployment (in-process, over RPC). Time is a {@link FakeTimeSource}
 * shared by the coordinator and the clients: expiry and watch timeouts happen when a test advances
 * it.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
abstract class RegistryContract {
  static final Duration TTL = Duration.ofSeconds(3);
  static final Duration HEARTBEAT = TTL.dividedBy(3);
  static final Duration CHECK_INTERVAL = Duration.ofMillis(100);

  protected final FakeTimeSource clock = new FakeTimeSource();
  private final List<LockClient> clients = new ArrayList<>();

  abstract void startService() throws Exception;

  abstract CoordinatorService service();

  abstract void restartService() throws Exception;

  abstract void stopService() throws Exception;

  /** Checks that the registry group wrote a snapshot, where the deployment can tell. */
  void assertRegistrySnapshotted() throws Exception {}

  @BeforeEach
  void start() throws Exception {
    startService();
  }

  @AfterEach
  void stop() throws Exception {
    for (LockClient c : clients) {
      CompletableFuture<Void> closing =
          CompletableFuture.runAsync(
              () -> {
                try {
                  c.close();
                } catch (LockException ignored) {
                  // best effort: the session may be gone already
                }
              });
      for (int i = 0; i < 600 && !closing.isDone(); i++) {
        try {
          closing.get(50, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException stillClosing) {
          clock.advance(CHECK_INTERVAL);
        }
      }
    }
    stopService();
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

  /** Advances the clock step by step, letting every tracked client's heartbeat be answered. */
  void advanceSettled(Duration step, int times) {
    for (int i = 0; i < times; i++) {
      clock.advance(step);
      Await.until(
          () -> clients.stream().allMatch(LockClient::heartbeatsSettled),
          () -> "every client's heartbeat answered");
    }
  }

  /** Moves the clock in small steps until {@code f} completes (bounded in real time). */
  void advanceUntilDone(CompletableFuture<?> f) throws Exception {
    for (int i = 0; i < 400 && !f.isDone(); i++) {
      try {
        f.get(50, TimeUnit.MILLISECONDS);
      } catch (java.util.concurrent.TimeoutException notYet) {
        clock.advance(Duration.ofMillis(20));
      }
    }
  }

  static RegistryEntry entry(String service, String node, int port) {
    return new RegistryEntry(
        service, node, "10.0.0." + port % 250, port, 1.5, "2.1", Map.of("zone", "eu-1"));
  }

  static <T> T await(CompletableFuture<T> f) throws Exception {
    return f.get(30, TimeUnit.SECONDS);
  }

  // ---- register, deregister, list ----

  @Test
  void registeredEntriesAreListedAndDeregisterRemovesThem() {
    Registry registry = client().registry();
    long before = registry.snapshot().version();
    registry.register(entry("kv", "n1", 7001));
    registry.register(entry("kv", "n2", 7002));
    registry.register(entry("web", "n1", 8001));

    RegistrySnapshot all = registry.snapshot();
    assertThat(all.version()).isGreaterThan(before);
    assertThat(all.entries())
        .containsExactly(
            entry("kv", "n1", 7001), entry("kv", "n2", 7002), entry("web", "n1", 8001));
    assertThat(registry.snapshot("kv").entries())
        .containsExactly(entry("kv", "n1", 7001), entry("kv", "n2", 7002));
    assertThat(registry.snapshot("kv").version()).isEqualTo(all.version());

    assertThat(registry.deregister("kv", "n1")).isTrue();
    assertThat(registry.deregister("kv", "n1")).as("a second deregister finds nothing").isFalse();
    RegistrySnapshot after = registry.snapshot();
    assertThat(after.version()).isGreaterThan(all.version());
    assertThat(after.entries("kv")).containsExactly(entry("kv", "n2", 7002));
  }

  @Test
  void reRegisteringReplacesTheEntry() {
    Registry registry = client().registry();
    registry.register(entry("kv", "n1", 7001));
    registry.register(entry("kv", "n1", 7009));
    assertThat(registry.snapshot("kv").entries()).containsExactly(entry("kv", "n1", 7009));
  }

  @Test
  void closingTheClientRemovesItsEntries() {
    LockClient node = clientBuilder().build();
    node.registry().register(entry("kv", "n1", 7001));
    Registry observer = client().registry();
    long version = observer.snapshot().version();
    node.close();
    RegistrySnapshot after = observer.snapshot();
    assertThat(after.entries()).isEmpty();
    assertThat(after.version()).isGreaterThan(version);
  }

  // ---- expiry ----

  @Test
  void anExpiredSessionsEntriesGoAndTheVersionMoves() {
    FakeTimeSource frozen = new FakeTimeSource(); // the dead node's clock never moves
    LockClient dead = track(clientBuilder().timeSource(frozen).build());
    dead.registry().register(entry("kv", "n1", 7001));
    LockClient observer = client();
    observer.registry().register(entry("kv", "n2", 7002));
    long version = observer.registry().snapshot().version();

    // Until the TTL passes, the silent node's entry stays.
    advanceSettled(CHECK_INTERVAL, (int) (TTL.toMillis() / CHECK_INTERVAL.toMillis()) - 2);
    assertThat(observer.registry().snapshot("kv").entries()).hasSize(2);
    // Within one more heartbeat interval, the registry's leader expires it.
    advanceSettled(CHECK_INTERVAL, (int) (HEARTBEAT.toMillis() / CHECK_INTERVAL.toMillis()) + 2);
    Await.until(
        () -> observer.registry().snapshot("kv").entries().size() == 1,
        () -> "the dead node's entry to expire");
    RegistrySnapshot after = observer.registry().snapshot();
    assertThat(after.entries()).containsExactly(entry("kv", "n2", 7002));
    assertThat(after.version()).isGreaterThan(version);
  }

  @Test
  void aRestartedNodesNewRegistrationSurvivesTheExpiryOfItsOldSession() {
    FakeTimeSource frozen = new FakeTimeSource();
    LockClient oldIncarnation = track(clientBuilder().timeSource(frozen).build());
    oldIncarnation.registry().register(entry("kv", "n1", 7001));
    // The node restarts before its old session expires: same node id, new session, new port.
    LockClient newIncarnation = client();
    newIncarnation.registry().register(entry("kv", "n1", 7002));
    assertThat(newIncarnation.registry().snapshot("kv").entries())
        .containsExactly(entry("kv", "n1", 7002));

    advanceSettled(CHECK_INTERVAL, (int) (TTL.plus(HEARTBEAT).toMillis() / 100) + 4);
    // The old session is gone (its deregister now fails), and the new entry stayed.
    Await.until(
        () -> {
          try {
            oldIncarnation.registry().deregister("kv", "n1");
            return false;
          } catch (LockException e) {
            return e.code() == LockException.Code.SESSION_EXPIRED;
          }
        },
        () -> "the old incarnation's session to expire");
    assertThat(newIncarnation.registry().snapshot("kv").entries())
        .containsExactly(entry("kv", "n1", 7002));
  }

  @Test
  void aClientWhoseSessionExpiredWhileAliveRegistersAgainOnANewSession() throws Exception {
    LockClient node = client();
    node.registry().register(entry("kv", "n1", 7001));
    LockClient observer = client();
    java.util.UUID old = node.sessionId();
    int shards = service().clusterInfo().shards();
    List<Integer> groups = java.util.stream.IntStream.rangeClosed(0, shards).boxed().toList();
    // The coordinator ends the session behind the client's back (as an expiry would).
    await(
        service()
            .closeSession(
                new io.ringmesh.coord.internal.Messages.CloseSessionRequest(old, groups)));
    assertThat(observer.registry().snapshot("kv").entries()).isEmpty();
    // The next heartbeat learns of it; the entry comes back under a new session.
    clock.advance(HEARTBEAT);
    Await.until(
        () -> observer.registry().snapshot("kv").entries().size() == 1,
        () -> "n1 registered again");
    assertThat(node.sessionId()).isNotEqualTo(old);
    assertThat(observer.registry().snapshot("kv").entries())
        .containsExactly(entry("kv", "n1", 7001));
    // A deregistered entry is not renewed.
    assertThat(node.registry().deregister("kv", "n1")).isTrue();
    assertThat(observer.registry().snapshot("kv").entries()).isEmpty();
  }

  @Test
  void aDeregisterDuringARenewalIsNotUndoneByIt() throws Exception {
    java.util.concurrent.atomic.AtomicBoolean holdRegisters =
        new java.util.concurrent.atomic.AtomicBoolean();
    CompletableFuture<Void> renewalArrived = new CompletableFuture<>();
    CompletableFuture<Void> letRenewalThrough = new CompletableFuture<>();
    LockClient node =
        track(
            clientBuilder()
                .service(
                    () ->
                        LockServiceContract.answering(
                            service(),
                            "register",
                            (real, args) -> {
                              RegisterRequest r = (RegisterRequest) args[0];
                              if (!holdRegisters.get()) {
                                return real.register(r);
                              }
                              renewalArrived.complete(null);
                              return letRenewalThrough.thenCompose(v -> real.register(r));
                            }))
                .build());
    node.registry().register(entry("kv", "n1", 7001));
    LockClient observer = client();
    int shards = service().clusterInfo().shards();
    List<Integer> groups = java.util.stream.IntStream.rangeClosed(0, shards).boxed().toList();
    holdRegisters.set(true);
    // The coordinator ends the session behind the client's back; the next heartbeat learns of it
    // and the renewal's write of n1 is held on its way.
    await(
        service()
            .closeSession(
                new io.ringmesh.coord.internal.Messages.CloseSessionRequest(
                    node.sessionId(), groups)));
    clock.advance(HEARTBEAT);
    await(renewalArrived);
    CompletableFuture<Boolean> deregistered =
        CompletableFuture.supplyAsync(
            () -> node.registry().deregister("kv", "n1"), r -> Thread.ofPlatform().start(r));
    // Give a deregister that does not wait for the renewal time to be applied first (with the
    // renewal's write serialised, it waits and this times out).
    try {
      deregistered.get(2, TimeUnit.SECONDS);
    } catch (java.util.concurrent.TimeoutException waitsForTheRenewal) {
      // expected
    }
    letRenewalThrough.complete(null);
    await(deregistered);
    assertThat(observer.registry().snapshot("kv").entries()).as("n1 stays deregistered").isEmpty();
  }

  // ---- watch ----

  @Test
  void aWatchCompletesWhenTheRegistryChanges() throws Exception {
    Registry registry = client().registry();
    RegistrySnapshot now = registry.snapshot();
    CompletableFuture<RegistrySnapshot> watch =
        registry.watch(now.version(), Duration.ofMinutes(5));
    assertThat(watch).isNotDone();
    registry.register(entry("kv", "n1", 7001));
    RegistrySnapshot changed = await(watch);
    assertThat(changed.version()).isGreaterThan(now.version());
    assertThat(changed.entries()).containsExactly(entry("kv", "n1", 7001));
  }

  @Test
  void aWatchOfAnOlderVersionCompletesAtOnce() throws Exception {
    Registry registry = client().registry();
    registry.register(entry("kv", "n1", 7001));
    RegistrySnapshot now = registry.snapshot();
    RegistrySnapshot seen = await(registry.watch(0, Duration.ofMinutes(5)));
    assertThat(seen).isEqualTo(now);
  }

  @Test
  void aWatchCompletesUnchangedAtItsMaximumWait() throws Exception {
    Registry registry = client().registry();
    registry.register(entry("kv", "n1", 7001));
    RegistrySnapshot now = registry.snapshot();
    CompletableFuture<RegistrySnapshot> watch =
        registry.watch(now.version(), Duration.ofSeconds(2));
    // The watch is open on the leader: nothing answers it until its wait has passed.
    advanceSettled(CHECK_INTERVAL, 19);
    assertThat(watch).isNotDone();
    // The leader started the wait when the call arrived, which over a network may be a few fake
    // steps after it was sent: keep time moving until it answers.
    advanceUntilDone(watch);
    RegistrySnapshot same = await(watch);
    assertThat(same).isEqualTo(now);
  }

  @Test
  void closingTheClientEndsItsOpenWatchesAtOnce() throws Exception {
    LockClient watcher = client();
    RegistrySnapshot now = watcher.registry().snapshot();
    CompletableFuture<RegistrySnapshot> watch =
        watcher.registry().watch(now.version(), Duration.ofMinutes(5));
    assertThat(watch).isNotDone();
    watcher.close();
    // Done when close() returns, not when its maximum wait or retries run out.
    assertThat(watch).isCompletedExceptionally();
    assertThatThrownBy(watch::join)
        .cause()
        .isInstanceOfSatisfying(
            LockException.class, e -> assertThat(e.code()).isEqualTo(LockException.Code.CANCELLED))
        .hasMessageContaining("LockClient was closed");
    CompletableFuture<RegistrySnapshot> late =
        watcher.registry().watch(now.version(), Duration.ofMinutes(5));
    assertThat(late).isCompletedExceptionally();
    assertThatThrownBy(late::join).cause().hasMessageContaining("LockClient was closed");
  }

  @Test
  void aWatchEndsWithTheLeaderAndIsReissuedToTheRestartedOne() throws Exception {
    LockClient watcher = client();
    RegistrySnapshot now = watcher.registry().snapshot();
    CompletableFuture<RegistrySnapshot> watch =
        watcher.registry().watch(now.version(), Duration.ofMinutes(5));
    restartService();
    assertThat(watch).isNotDone();
    LockClient node = client();
    node.registry().register(entry("kv", "n1", 7001));
    // The re-issued watch may need the client's backoff, which runs on the fake clock.
    advanceUntilDone(watch);
    assertThat(await(watch).entries()).containsExactly(entry("kv", "n1", 7001));
  }

  // ---- restart ----

  @Test
  void theRegistrySurvivesACoordinatorRestart() throws Exception {
    LockClient node = client();
    for (int i = 0; i < 12; i++) {
      node.registry().register(entry("kv", "n" + i, 7000 + i));
    }
    node.registry().deregister("kv", "n0");
    RegistrySnapshot before = node.registry().snapshot();
    assertRegistrySnapshotted();
    restartService();
    RegistrySnapshot after = client().registry().snapshot();
    assertThat(after).isEqualTo(before);
    // Ownership survived too: the node's session still owns its entries.
    assertThat(node.registry().deregister("kv", "n1")).isTrue();
    assertThat(node.registry().snapshot().version()).isGreaterThan(before.version());
  }

  // ---- bad input ----

  @Test
  void badEntriesAreRefusedWithTheFieldNamed() throws Exception {
    assertThatThrownBy(() -> entry("", "n1", 7001))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("service must not be empty");
    assertThatThrownBy(() -> entry("kv", "n1", 70_000))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("port must be in [1, 65535]");
    assertThatThrownBy(() -> new RegistryEntry("kv", "n1", "h", 1, 0, "", Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("weight must be positive");
    assertThatThrownBy(() -> new RegistryEntry("kv", "n1", "h", 1, -2, "", Map.of()))
        .hasMessageContaining("weight");
    LockClient c = client();
    assertThatThrownBy(() -> c.registry().deregister("", "n1"))
        .isInstanceOfSatisfying(
            LockException.class,
            e -> assertThat(e.code()).isEqualTo(LockException.Code.INVALID_ARGUMENT))
        .hasMessageContaining("service");

    // A client that skips the checks meets the coordinator's, with the same words.
    RegistryWriteReply reply =
        await(
            service()
                .register(
                    new RegisterRequest(
                        c.sessionId(),
                        1000,
                        1000,
                        new ServiceEntry("kv", "n1", "h", 0, 1, "", Map.of()))));
    assertThat(reply.status()).isEqualTo(Status.INVALID_ARGUMENT);
    assertThat(reply.message()).contains("port");
  }

  // ---- listings ----

  @Test
  void locksListsHeldLocksAcrossShardsWithHoldersAndWaiters() throws Exception {
    LockClient a = client();
    LockClient b = client();
    Lease l1 = a.acquire("alpha", Duration.ofSeconds(5));
    Lease l2 = a.acquire("beta", Duration.ofSeconds(5));
    Lease l3 = b.acquire("gamma", Duration.ofSeconds(5));
    CompletableFuture<Lease> waiting = b.acquireAsync("alpha");
    Await.until(() -> a.holder("alpha").waiters() == 1, () -> "b queued on alpha");

    List<LockInfo> locks = a.locks(10);
    assertThat(locks)
        .containsExactly(
            new LockInfo("alpha", java.util.Optional.of(a.sessionId()), l1.fencingToken(), 1),
            new LockInfo("beta", java.util.Optional.of(a.sessionId()), l2.fencingToken(), 0),
            new LockInfo("gamma", java.util.Optional.of(b.sessionId()), l3.fencingToken(), 0));
    assertThat(a.locks(2)).extracting(LockInfo::name).containsExactly("alpha", "beta");
    waiting.cancel(false);
  }

  @Test
  void shardsNamesEveryGroupItsReplicasAndLeader() {
    LockClient a = client();
    List<ShardInfo> shards = a.shards();
    int count = service().clusterInfo().shards();
    assertThat(shards).hasSize(count + 1);
    for (int i = 0; i < shards.size(); i++) {
      ShardInfo s = shards.get(i);
      assertThat(s.shard()).isEqualTo(i);
      assertThat(s.registry()).isEqualTo(i == count);
      assertThat(s.replicas()).isNotEmpty();
      assertThat(s.leader()).isPresent();
      assertThat(s.replicas()).contains(s.leader().get());
    }
  }
}
