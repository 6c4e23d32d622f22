package io.ringmesh.coord;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ringmesh.coord.internal.CoordinatorAdmin;
import io.ringmesh.coord.internal.CoordinatorAdmin.MembershipUpdate;
import io.ringmesh.coord.internal.Placement;
import io.ringmesh.coord.internal.RemoteCoordinatorService;
import io.ringmesh.rpc.Endpoint;
import io.ringmesh.rpc.RpcClient;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code coord add|remove} through {@link MembershipChange} on an in-JVM ensemble of 3 coordinators
 * with 16 shards: a 4th joins and leaves, moving only the groups whose preference list changes,
 * while a client holds a lock across both changes.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class EnsembleMembershipTest {
  private static final int SHARDS = 16;
  private static final int REPLICAS = 3;
  private static final List<String> OLD = List.of("c0", "c1", "c2");
  private static final List<String> NEW = List.of("c0", "c1", "c2", "c3");

  /** Long enough that no session lapses on the fake clock while groups move. */
  private static final Duration TTL = Duration.ofSeconds(60);

  @TempDir Path dataDir;
  private final FakeTimeSource clock = new FakeTimeSource();
  private final RpcClient rpc = RpcClient.builder().build();
  private final List<@Nullable Coordinator> coordinators = new ArrayList<>();
  private final List<Integer> rpcPorts = new ArrayList<>();
  private final List<String> raftAddresses = new ArrayList<>();
  private final List<LockClient> clients = new ArrayList<>();
  private @Nullable RemoteCoordinatorService remote;

  private String peers(int n) {
    StringBuilder p = new StringBuilder();
    for (int i = 0; i < n; i++) {
      p.append(i == 0 ? "" : ",").append("c").append(i).append('=').append(raftAddresses.get(i));
    }
    return p.toString();
  }

  private Coordinator startOne(int i, String peers, boolean join) throws IOException {
    return InJvmEnsemble.member(dataDir, peers, i, rpcPorts.get(i), clock)
        .replicas(REPLICAS)
        .shards(SHARDS)
        .join(join)
        .start();
  }

  @BeforeEach
  void start() throws Exception {
    List<Endpoint> endpoints = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      raftAddresses.add("127.0.0.1:" + FreePorts.next());
      rpcPorts.add(FreePorts.next());
      if (i < 3) {
        endpoints.add(Endpoint.of("127.0.0.1", rpcPorts.get(i)));
      }
    }
    coordinators.addAll(InJvmEnsemble.startTogether(3, n -> startOne(n, peers(3), false)));
    remote = new RemoteCoordinatorService(rpc, false, endpoints, Duration.ofSeconds(5));
    awaitEveryGroupLed();
  }

  @AfterEach
  void stop() {
    for (LockClient c : clients) {
      advanceUntilDone(CompletableFuture.runAsync(c::close));
    }
    InJvmEnsemble.closeTogether(coordinators);
    rpc.close();
  }

  @Test
  void aFourthCoordinatorTakesOnlyTheGroupsWhosePreferenceListNowIncludesItThenLeavesAgain()
      throws Exception {
    List<Integer> expectedMoves = new ArrayList<>();
    for (int g = 0; g <= SHARDS; g++) {
      if (Placement.replicas(g, NEW, REPLICAS).contains("c3")) {
        expectedMoves.add(g);
      }
    }
    assertThat(expectedMoves).as("R=3 of 4: some groups move, some stay").isNotEmpty();
    assertThat(expectedMoves.size()).isLessThan(SHARDS + 1);

    LockClient client = client();
    Placement placement = new Placement(SHARDS);
    String name = nameOnAMovedShard(placement, expectedMoves);
    Lease held = call(() -> client.acquire(name, Duration.ofSeconds(30)));
    long before = held.fencingToken();

    coordinators.add(startOne(3, peers(4), true));
    List<String> progress = new ArrayList<>();
    MembershipChange.Result added = change(progress, c -> c.add("c3"));

    assertThat(added.moved()).isEqualTo(expectedMoves);
    assertThat(added.members()).isEqualTo(NEW);
    assertThat(String.join("", progress))
        .contains("shard " + expectedMoves.get(0) + ": adding c3 ... caught up ... removed c")
        .contains("done: " + expectedMoves.size() + " group(s) moved");
    assertPlacement(client, NEW);

    assertThat(held.isValid()).as("the lease survives its shard's move").isTrue();
    LockInfo info = call(() -> client.holder(name));
    assertThat(info.holder()).contains(held.session());
    assertThat(info.fencingToken()).isEqualTo(before);
    call(
        () -> {
          held.close();
          return null;
        });
    Lease next = call(() -> client.acquire(name, Duration.ofSeconds(30)));
    assertThat(next.fencingToken()).as("tokens continue in the moved log").isGreaterThan(before);
    long afterAdd = next.fencingToken();

    MembershipChange.Result removed = change(progress, c -> c.remove("c3"));
    assertThat(removed.moved()).isEqualTo(expectedMoves);
    assertThat(removed.members()).isEqualTo(OLD);
    assertPlacement(client, OLD);
    assertThat(next.isValid()).isTrue();
    assertThat(call(() -> client.holder(name)).fencingToken()).isEqualTo(afterAdd);
    call(
        () -> {
          next.close();
          return null;
        });
    Lease last = call(() -> client.acquire(name, Duration.ofSeconds(30)));
    assertThat(last.fencingToken()).isGreaterThan(afterAdd);
    last.close();
    for (Coordinator c : coordinators.subList(0, 3)) {
      assertThat(Objects.requireNonNull(c).members()).isEqualTo(OLD);
    }
  }

  @Test
  void badRequestsAreRefusedNamingWhatWasWrongAndMoveNothing() {
    try (MembershipChange change = MembershipChange.builder().connect(endpoints(3)).build()) {
      assertThatThrownBy(() -> change.remove("c9"))
          .isInstanceOf(MembershipException.class)
          .hasMessageContaining("unknown coordinator id 'c9'")
          .hasMessageContaining("[c0, c1, c2]")
          .matches(e -> ((MembershipException) e).badRequest());
      assertThatThrownBy(() -> change.add("c1")).hasMessageContaining("'c1' is already a member");
      assertThatThrownBy(() -> change.add("c7"))
          .hasMessageContaining("no coordinator with id 'c7' answered")
          .hasMessageContaining("--join");
      assertThatThrownBy(() -> change.remove("c2"))
          .hasMessageContaining("would leave 2 coordinator(s) for 3 replicas");
    }
    try (MembershipChange nowhere =
        MembershipChange.builder()
            .connect("127.0.0.1:" + rpcPorts.get(3))
            .callTimeout(Duration.ofSeconds(1))
            .build()) {
      assertThatThrownBy(() -> nowhere.add("c3"))
          .hasMessageContaining("no coordinator answered")
          .hasMessageContaining("127.0.0.1:" + rpcPorts.get(3))
          .matches(e -> !((MembershipException) e).badRequest());
    }
    for (Coordinator c : coordinators) {
      assertThat(Objects.requireNonNull(c).members()).isEqualTo(OLD);
    }
  }

  @Test
  void aChangeInProgressIsFinishedOrUndoneFirstAndARacingChangeStopsBeforeMovingAnything()
      throws Exception {
    coordinators.add(startOne(3, peers(4), true));
    String cluster = admin(0).membership().clusterName();
    String rpcEndpoints = admin(0).membership().endpoints();
    // What an interrupted 'coord add c3' leaves behind: c3 recorded as pending everywhere, no group
    // moved yet.
    long interrupted = maxEpoch() + 1;
    for (int i = 0; i < 4; i++) {
      admin(i)
          .updateMembership(
              new MembershipUpdate(cluster, interrupted, peers(3), peers(4), rpcEndpoints));
    }
    try (MembershipChange change = MembershipChange.builder().connect(endpoints(4)).build()) {
      assertThatThrownBy(() -> change.remove("c1"))
          .isInstanceOf(MembershipException.class)
          .hasMessageContaining("another change is in progress: adding c3 (epoch " + interrupted)
          .hasMessageContaining("'bin/ringmesh coord add c3'")
          .hasMessageContaining("'bin/ringmesh coord remove c3'")
          .matches(e -> ((MembershipException) e).badRequest());
    }

    List<String> progress = new ArrayList<>();
    MembershipChange.Result undone = change(progress, c -> c.remove("c3"));
    assertThat(undone.moved()).as("no group had taken c3 in yet").isEmpty();
    assertThat(undone.members()).isEqualTo(OLD);
    assertThat(String.join("", progress)).contains("undoing the unfinished change (adding c3)");
    for (int i = 0; i < 4; i++) {
      assertThat(admin(i).membership().pending()).as("c%d's pending change", i).isEmpty();
    }

    // A second operator's change that recorded first on c1, between this one's survey and its
    // record: this one must stop before it moves a group.
    String rival =
        "c0="
            + raftAddresses.get(0)
            + ",c1="
            + raftAddresses.get(1)
            + ",c3="
            + raftAddresses.get(3);
    List<String> seen = new ArrayList<>();
    assertThatThrownBy(
            () ->
                change(
                    seen,
                    c -> c.add("c3"),
                    line -> {
                      if (line.startsWith("adding c3")) {
                        admin(1)
                            .updateMembership(
                                new MembershipUpdate(
                                    cluster, maxEpoch() + 1, peers(3), rival, rpcEndpoints));
                      }
                    }))
        .isInstanceOf(MembershipException.class)
        .hasMessageContaining(
            "another membership change started at the same time: coordinator c1 records adding"
                + " c3 and removing c2")
        .hasMessageContaining("no group was moved")
        .matches(e -> !((MembershipException) e).badRequest());
    assertThat(String.join("", seen)).doesNotContain("shard ");
    for (Coordinator c : coordinators.subList(0, 3)) {
      assertThat(Objects.requireNonNull(c).members()).isEqualTo(OLD);
    }
  }

  private CoordinatorAdmin admin(int i) {
    return rpc.proxy(CoordinatorAdmin.class, Endpoint.of("127.0.0.1", rpcPorts.get(i)));
  }

  private long maxEpoch() {
    long max = 0;
    for (int i = 0; i < coordinators.size(); i++) {
      max = Math.max(max, admin(i).membership().epoch());
    }
    return max;
  }

  // ---- helpers ----

  private String endpoints(int n) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < n; i++) {
      b.append(i == 0 ? "" : ",").append("127.0.0.1:").append(rpcPorts.get(i));
    }
    return b.toString();
  }

  private MembershipChange.Result change(
      List<String> progress,
      java.util.function.Function<MembershipChange, MembershipChange.Result> what) {
    return change(progress, what, line -> {});
  }

  private MembershipChange.Result change(
      List<String> progress,
      java.util.function.Function<MembershipChange, MembershipChange.Result> what,
      java.util.function.Consumer<String> onProgress) {
    try (MembershipChange change =
        MembershipChange.builder()
            .connect(endpoints(4))
            .progress(
                line -> {
                  progress.add(line);
                  onProgress.accept(line);
                })
            .build()) {
      return what.apply(change);
    }
  }

  /**
   * Every group's replicas, as the coordinators report them, are its placement over {@code ids}.
   */
  private void assertPlacement(LockClient client, List<String> ids) {
    Await.until(
        () -> {
          List<ShardInfo> shards = call(client::shards);
          for (ShardInfo s : shards) {
            if (!new HashSet<>(s.replicas())
                    .equals(new HashSet<>(Placement.replicas(s.shard(), ids, REPLICAS)))
                || s.leader().isEmpty()) {
              return false;
            }
          }
          return shards.size() == SHARDS + 1;
        },
        () ->
            "every group on its placement over " + ids + " with a leader; now " + client.shards());
  }

  private static String nameOnAMovedShard(Placement placement, List<Integer> moved) {
    for (int i = 0; ; i++) {
      String name = "order-" + i;
      if (moved.contains(placement.shardOf(name))) {
        return name;
      }
    }
  }

  private void awaitEveryGroupLed() {
    Await.until(
        () -> {
          int led = 0;
          boolean registry = false;
          for (Coordinator c : coordinators) {
            if (c != null) {
              led += c.ledShards().size();
              registry |= c.leadsRegistry();
            }
          }
          return led == SHARDS && registry;
        },
        () -> "a leader for every shard and the registry");
  }

  private LockClient client() {
    RemoteCoordinatorService r = Objects.requireNonNull(remote);
    LockClient c =
        call(() -> LockClient.builder().service(() -> r).timeSource(clock).sessionTtl(TTL).build());
    clients.add(c);
    return c;
  }

  /**
   * Runs a client call while moving the fake clock: a call that meets a leader change retries with
   * back-off on that clock.
   */
  private <T> T call(Supplier<T> body) {
    CompletableFuture<T> f = CompletableFuture.supplyAsync(body);
    advanceUntilDone(f);
    return f.join();
  }

  /** Moves the fake clock in small steps until {@code f} completes (bounded in real time). */
  private void advanceUntilDone(CompletableFuture<?> f) {
    clock.advanceUntilDone(f, Duration.ofSeconds(60));
  }
}
