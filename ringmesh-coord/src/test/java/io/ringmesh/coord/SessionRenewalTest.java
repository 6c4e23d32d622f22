package io.ringmesh.coord;

import static org.assertj.core.api.Assertions.assertThat;

import io.ringmesh.coord.internal.CoordinatorService;
import io.ringmesh.coord.internal.Messages.HeartbeatRequest;
import io.ringmesh.coord.internal.Messages.OpenSessionRequest;
import io.ringmesh.coord.internal.Messages.SessionReply;
import io.ringmesh.coord.internal.Messages.ShardOutcome;
import io.ringmesh.coord.internal.Placement;
import io.ringmesh.coord.internal.Status;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A session is renewed group by group: each shard (and the registry) that acknowledges a heartbeat
 * renews the session there, a group that fails is re-sent its heartbeat alone at once, and the
 * session is in jeopardy (its leases invalid) when some group has gone a whole TTL without an
 * acknowledgement, and lost only when that lasts a grace period of one more TTL. This is what lets
 * a client keep its locks while one coordinator of an ensemble is dead or paused and the groups it
 * led are re-elected one by one.
 *
 * <p>The embedded coordinator serves the session; a wrapper in front of it fails chosen groups'
 * heartbeats the way an ensemble without a leader for them would (UNAVAILABLE, not forwarded).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SessionRenewalTest {
  private static final Duration TTL = Duration.ofSeconds(3);
  private static final Duration STEP = Duration.ofMillis(50);

  @TempDir Path dataDir;
  private final FakeTimeSource clock = new FakeTimeSource();
  private @Nullable Coordinator coordinator;
  private @Nullable LockClient client;

  /** Decides, per heartbeat call (numbered from 0) and group, whether that group fails. */
  private interface Failures {
    boolean fails(int call, int group);
  }

  private volatile Failures failures = (call, group) -> false;

  /**
   * Whether a failing group's heartbeat still reaches the coordinator (only its answer is lost).
   */
  private volatile boolean heardAnyway;

  /** How many more session opens are answered UNAVAILABLE on every group, as in an election. */
  private final AtomicInteger opensToFail = new AtomicInteger();

  private final AtomicInteger heartbeatCalls = new AtomicInteger();
  private final List<List<Integer>> heartbeats = new CopyOnWriteArrayList<>();

  @BeforeEach
  void start() throws Exception {
    coordinator =
        Coordinator.builder()
            .dataDirectory(dataDir)
            .timeSource(clock)
            .sessionCheckInterval(Duration.ofMillis(100))
            .start();
  }

  @AfterEach
  void stop() {
    LockClient c = client;
    if (c != null) {
      failures = (call, group) -> false;
      c.close();
    }
    Coordinator co = coordinator;
    if (co != null) {
      co.close();
    }
  }

  /** The coordinator's service, with heartbeats of failing groups answered UNAVAILABLE. */
  private CoordinatorService flaky() {
    CoordinatorService real = java.util.Objects.requireNonNull(coordinator).service();
    return (CoordinatorService)
        Proxy.newProxyInstance(
            CoordinatorService.class.getClassLoader(),
            new Class<?>[] {CoordinatorService.class},
            (proxy, method, args) -> {
              if (method.getName().equals("heartbeat")) {
                return heartbeat(real, (HeartbeatRequest) args[0]);
              }
              if (method.getName().equals("openSession") && opensToFail.getAndDecrement() > 0) {
                List<ShardOutcome> none = new ArrayList<>();
                for (int g : ((OpenSessionRequest) args[0]).shards()) {
                  none.add(
                      new ShardOutcome(
                          g,
                          Status.UNAVAILABLE,
                          "no leader for group " + g + " (test)",
                          Optional.empty()));
                }
                return CompletableFuture.completedFuture(new SessionReply(none));
              }
              try {
                return method.invoke(real, args);
              } catch (InvocationTargetException e) {
                throw e.getCause();
              }
            });
  }

  private CompletableFuture<SessionReply> heartbeat(CoordinatorService real, HeartbeatRequest r) {
    int call = heartbeatCalls.getAndIncrement();
    heartbeats.add(r.shards());
    List<Integer> forwarded = new ArrayList<>();
    List<ShardOutcome> failed = new ArrayList<>();
    for (int g : r.shards()) {
      if (failures.fails(call, g)) {
        if (heardAnyway) {
          real.heartbeat(new HeartbeatRequest(r.session(), List.of(g)));
        }
        failed.add(
            new ShardOutcome(
                g, Status.UNAVAILABLE, "no leader for group " + g + " (test)", Optional.empty()));
      } else {
        forwarded.add(g);
      }
    }
    CompletableFuture<SessionReply> answered =
        forwarded.isEmpty()
            ? CompletableFuture.completedFuture(new SessionReply(List.of()))
            : real.heartbeat(new HeartbeatRequest(r.session(), forwarded));
    return answered.thenApply(
        reply -> {
          List<ShardOutcome> all = new ArrayList<>(reply.shards());
          all.addAll(failed);
          return new SessionReply(all);
        });
  }

  private LockClient newClient() {
    CoordinatorService service = flaky();
    LockClient c =
        LockClient.builder().service(() -> service).timeSource(clock).sessionTtl(TTL).build();
    client = c;
    return c;
  }

  /** Moves the fake clock by {@code total} in steps, letting each step's heartbeats be answered. */
  private void pass(Duration total, LockClient c) {
    for (long i = 0; i < total.toMillis() / STEP.toMillis(); i++) {
      clock.advance(STEP);
      Await.until(c::heartbeatsSettled, () -> "the client's heartbeats answered");
    }
  }

  private static String nameOnShard(int shard) {
    Placement placement = new Placement(Coordinator.DEFAULT_SHARDS);
    for (int i = 0; ; i++) {
      if (placement.shardOf("lock-" + i) == shard) {
        return "lock-" + i;
      }
    }
  }

  @Test
  void noBeatAckedByEveryGroupStillKeepsTheSessionWhileEachGroupIsRenewedWithinTheTtl() {
    LockClient c = newClient();
    Lease lease = c.acquire(nameOnShard(3), Duration.ofSeconds(5));
    AtomicReference<@Nullable LockException> lost = new AtomicReference<>();
    lease.onLost(lost::set);

    // Every call fails on half the groups, alternating: no single heartbeat is acknowledged by
    // every group, yet each group answers every other call.
    failures = (call, group) -> (call + group) % 2 == 0;
    int before = heartbeatCalls.get();
    pass(TTL.multipliedBy(4), c);

    assertThat(heartbeatCalls.get() - before).as("heartbeats sent").isGreaterThan(12);
    assertThat(lost.get()).as("why the lease was lost").isNull();
    assertThat(lease.isValid()).isTrue();
    assertThat(c.holder(lease.name()).holder()).contains(c.sessionId());
  }

  @Test
  void aSessionWhoseOpenWasRetriedForLongerThanItsTtlStartsValid() throws Exception {
    // Enough failed attempts that the retries (10 ms doubling to 500 ms) outlast the TTL.
    opensToFail.set(14);
    long start = clock.nanoTime();
    // Building the client opens its session.
    CompletableFuture<LockClient> built = CompletableFuture.supplyAsync(this::newClient);
    Await.until(() -> opensToFail.get() < 14, () -> "the first attempt to open the session");
    // Each retry falls due on this clock and fails at once. The clock moves a step at a time and
    // waits (a little real time) for the opener's next retry before the next step: moving it on
    // regardless once ran it past the open's deadline, and the loop then never ended.
    long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (opensToFail.get() > 0) {
      int before = opensToFail.get();
      clock.advance(STEP);
      long paced = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(20);
      while (opensToFail.get() == before && System.nanoTime() - paced < 0) {
        Thread.onSpinWait();
      }
      assertThat(System.nanoTime() - giveUp)
          .as("the failed opens retried within 30 s")
          .isNegative();
    }
    clock.advanceUntilDone(built, Duration.ofSeconds(20)); // to the attempt that goes through
    LockClient c = built.get(20, TimeUnit.SECONDS);
    java.util.UUID session = c.sessionId();
    assertThat(Duration.ofNanos(clock.nanoTime() - start))
        .as("time the open took, on the fake clock")
        .isGreaterThan(TTL);

    Lease lease = c.acquire(nameOnShard(2), Duration.ofSeconds(5));
    AtomicReference<@Nullable LockException> lost = new AtomicReference<>();
    lease.onLost(lost::set);
    assertThat(lease.isValid()).as("a lease of the session just opened is valid").isTrue();
    pass(TTL.multipliedBy(2), c);
    assertThat(lost.get()).as("why the lease was lost").isNull();
    assertThat(lease.isValid()).isTrue();
    assertThat(c.sessionId()).isEqualTo(session);
  }

  @Test
  void aFailedGroupIsResentAloneWellBeforeTheNextBeat() {
    LockClient c = newClient();
    int first = heartbeatCalls.get();
    failures = (call, group) -> call == first && group == 7;
    // Up to the first beat (TTL/3), and 200 ms more: far less than a second beat's interval.
    pass(TTL.dividedBy(3).plus(Duration.ofMillis(200)), c);

    assertThat(heartbeats.subList(first, heartbeats.size()))
        .as("heartbeats after the session opened")
        .hasSize(2)
        .element(1)
        .isEqualTo(List.of(7));
  }

  @Test
  void aSessionInJeopardyIsValidAgainOnceTheSilentGroupAnswersAndStillHasIt() {
    LockClient c = newClient();
    Lease lease = c.acquire(nameOnShard(5), Duration.ofSeconds(5));
    AtomicReference<@Nullable LockException> lost = new AtomicReference<>();
    lease.onLost(lost::set);

    // Shard 5's answers are lost for longer than the TTL, but the coordinator hears the
    // heartbeats (as when a slow re-election leaves a group answering nothing the client can use
    // while its new leader counts the TTL afresh): the client cannot know the session is alive.
    heardAnyway = true;
    failures = (call, group) -> group == 5;
    pass(TTL.plus(Duration.ofMillis(500)), c);
    assertThat(lease.isValid()).as("in jeopardy").isFalse();
    assertThat(lost.get()).as("lost only after the grace period").isNull();

    failures = (call, group) -> false;
    pass(Duration.ofMillis(600), c);
    assertThat(lease.isValid()).as("valid again once shard 5 answered").isTrue();
    assertThat(lost.get()).isNull();
    assertThat(c.holder(lease.name()).holder()).contains(c.sessionId());
  }

  @Test
  void jeopardyListenersHearTheJeopardyBeginAndEndInOrder() {
    LockClient c = newClient();
    Lease lease = c.acquire(nameOnShard(5), Duration.ofSeconds(5));
    List<String> events = new CopyOnWriteArrayList<>();
    lease.onJeopardy(
        () -> events.add("in jeopardy, valid=" + lease.isValid()),
        () -> events.add("valid again, valid=" + lease.isValid()));
    lease.onLost(e -> events.add("lost"));

    heardAnyway = true; // the coordinator keeps the session; only its answers are lost
    failures = (call, group) -> group == 5;
    pass(TTL.minus(Duration.ofMillis(500)), c);
    // Listener calls are posted synchronously by the clock's timers: none queued, none ran.
    assertThat(lease.listenerCallsPending()).isFalse();
    assertThat(events).as("nothing before the TTL has passed").isEmpty();
    pass(Duration.ofSeconds(1), c);
    Await.until(() -> !events.isEmpty(), () -> "the jeopardy reported");
    assertThat(events).containsExactly("in jeopardy, valid=false");

    // A listener added during the jeopardy hears of it at once.
    List<String> late = new CopyOnWriteArrayList<>();
    lease.onJeopardy(() -> late.add("in jeopardy"), () -> late.add("valid again"));
    Await.until(() -> !late.isEmpty(), () -> "the jeopardy reported to a late listener");

    failures = (call, group) -> false;
    pass(Duration.ofMillis(600), c);
    Await.until(() -> events.size() == 2 && late.size() == 2, () -> "the end reported");
    assertThat(events).containsExactly("in jeopardy, valid=false", "valid again, valid=true");
    assertThat(late).containsExactly("in jeopardy", "valid again");

    // A released lease hears no more. A lease still held hears the next jeopardy; the released
    // one's calls, had any been made, were posted in the same step, so they would be queued or
    // done by then.
    lease.close();
    Lease other = c.acquire(nameOnShard(3), Duration.ofSeconds(5));
    List<String> others = new CopyOnWriteArrayList<>();
    other.onJeopardy(() -> others.add("in jeopardy"), () -> others.add("valid again"));
    failures = (call, group) -> group == 5;
    pass(TTL.plus(Duration.ofMillis(500)), c);
    Await.until(() -> !others.isEmpty(), () -> "the next jeopardy reported to the held lease");
    assertThat(lease.listenerCallsPending()).isFalse();
    assertThat(events).hasSize(2);
  }

  @Test
  void aJeopardyThatEndsInALossIsReportedBeforeTheLossAndNeverAsValidAgain() {
    LockClient c = newClient();
    Lease lease = c.acquire(nameOnShard(3), Duration.ofSeconds(5));
    List<String> events = new CopyOnWriteArrayList<>();
    lease.onJeopardy(() -> events.add("in jeopardy"), () -> events.add("valid again"));
    lease.onLost(e -> events.add("lost"));

    failures = (call, group) -> group == 5;
    pass(TTL.plus(TTL).plus(Duration.ofMillis(200)), c);
    Await.until(() -> events.contains("lost"), () -> "the lease lost");
    assertThat(events).containsExactly("in jeopardy", "lost");
  }

  @Test
  void aGroupSilentForTheTtlAndTheGraceEndsTheSessionAndTheErrorNamesTheGroupAndItsLastAnswer() {
    LockClient c = newClient();
    Lease lease = c.acquire(nameOnShard(3), Duration.ofSeconds(5));
    AtomicReference<@Nullable LockException> lost = new AtomicReference<>();
    lease.onLost(lost::set);

    failures = (call, group) -> group == 5;
    pass(TTL.minus(Duration.ofMillis(500)), c);
    assertThat(lease.isValid()).as("valid before shard 5's TTL has passed").isTrue();
    long resends = heartbeats.stream().filter(List.of(5)::equals).count();
    assertThat(resends).as("re-sends of shard 5 alone").isGreaterThan(2);

    pass(Duration.ofSeconds(1), c);
    assertThat(lease.isValid()).as("in jeopardy past the TTL").isFalse();
    assertThat(lost.get()).as("not lost during the grace period").isNull();

    pass(TTL, c);
    Await.until(() -> lost.get() != null, () -> "the lease lost");
    assertThat(lease.isValid()).isFalse();
    assertThat(java.util.Objects.requireNonNull(lost.get()))
        .hasMessageContaining("shard 5")
        .hasMessageContaining("no leader for group 5 (test)")
        .hasMessageContaining("TTL");
  }
}
