package io.ringmesh.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.ringmesh.ring.HashRing;
import io.ringmesh.rpc.CallOptions;
import io.ringmesh.rpc.Endpoint;
import io.ringmesh.rpc.RpcClient;
import io.ringmesh.rpc.RpcException;
import io.ringmesh.rpc.RpcServer;
import io.ringmesh.rpc.Status;
import io.ringmesh.rpc.testing.ResettingRelay;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Routed calls over real loopback sockets to in-process nodes. */
@Timeout(30)
class ClusterClientTest extends RoutedCallsTestBase {

  /** The tests' defaults: a long deadline, and rebuilds on the thread that changes discovery. */
  private static ClusterClient.Builder base() {
    return ClusterClient.builder()
        .defaultDeadline(Duration.ofSeconds(5))
        .rebuildExecutor(Runnable::run);
  }

  private ClusterClient client(TestCluster c, ClusterClient.Builder b) {
    ClusterClient client = b.discovery(c.discovery).build();
    closeLater(client);
    return client;
  }

  private ClusterClient client(TestCluster c) {
    return client(c, base());
  }

  private static HashRing<Void> ring(TestCluster c) {
    return c.ring();
  }

  private static String keyOn(TestCluster c, String id) {
    return c.keyOn(id);
  }

  @Test
  void aKeyGoesWhereTheRingByNodeIdSendsIt() {
    TestCluster c = cluster(3);
    Kv kv = client(c).proxy(Kv.class);
    HashRing<Void> ring = ring(c);
    for (int i = 0; i < 200; i++) {
      String key = "user:" + i;
      assertThat(kv.owner(key)).isEqualTo(ring.route(key).id());
      assertThat(kv.ownerAsync(key).join()).isEqualTo(ring.route(key).id());
    }
  }

  @Test
  void aNodeRestartedOnANewPortKeepsItsKeys() {
    TestCluster c = cluster(3);
    Kv kv = client(c).proxy(Kv.class);
    Map<String, String> before = owners(kv, 300);
    int oldPort = c.port("node-1");
    c.start("node-1"); // a new server on a new port, same id; discovery updated
    assertThat(c.port("node-1")).isNotEqualTo(oldPort);
    assertThat(owners(kv, 300)).isEqualTo(before);
  }

  @Test
  void aRemovedNodeMovesOnlyItsOwnKeys() {
    TestCluster c = cluster(4);
    Kv kv = client(c).proxy(Kv.class);
    Map<String, String> before = owners(kv, 400);
    c.discovery.remove(TestCluster.SERVICE, "node-2");
    Map<String, String> after = owners(kv, 400);
    before.forEach(
        (key, owner) -> {
          if (!owner.equals("node-2")) {
            assertThat(after.get(key)).as(key).isEqualTo(owner);
          }
        });
    assertThat(after).doesNotContainValue("node-2");
  }

  @Test
  void aRingIsRebuiltOffTheRequestPathAndSwappedWhenReady() {
    TestCluster c = cluster(2);
    List<Runnable> pending = new ArrayList<>();
    ClusterClient client = client(c, base().rebuildExecutor(pending::add)); // rebuilds wait
    Kv kv = client.proxy(Kv.class);
    String key = keyOn(c, "node-0");
    c.discovery.remove(TestCluster.SERVICE, "node-0");
    // The change is known, the rebuild has not run: calls go on with the old snapshot.
    assertThat(pending).hasSize(1);
    c.server("node-0").shutdownNow();
    assertThat(kv.owner(key)).isEqualTo("node-1"); // failed over: node-0 refused the connection
    pending.remove(0).run();
    assertThat(kv.owner(key)).isEqualTo("node-1");
  }

  @Test
  void aServiceWithoutInstancesFailsAtOnceNamingTheService() {
    TestCluster c = cluster(1);
    Kv kv = client(c).proxy(Kv.class);
    c.discovery.update(TestCluster.SERVICE, List.of());
    long start = System.nanoTime();
    assertThatThrownBy(() -> kv.owner("k"))
        .isInstanceOfSatisfying(
            RpcException.class, e -> assertThat(e.status()).isEqualTo(Status.UNAVAILABLE))
        .hasMessageContaining("no live instance of service " + TestCluster.SERVICE);
    assertThat(kv.ownerAsync("k"))
        .failsWithin(Duration.ofSeconds(1))
        .withThrowableOfType(ExecutionException.class)
        .withMessageContaining("no live instance");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(1));
  }

  @Test
  void aNullRouteKeyIsInvalidArgument() {
    TestCluster c = cluster(1);
    Kv kv = client(c).proxy(Kv.class);
    assertThatThrownBy(() -> kv.owner(null))
        .isInstanceOfSatisfying(
            RpcException.class, e -> assertThat(e.status()).isEqualTo(Status.INVALID_ARGUMENT))
        .hasMessageContaining("@RouteKey argument 0 of " + Kv.class.getName() + ".owner is null");
  }

  /** Two keys on one method. */
  public interface TwoKeys {
    String get(@RouteKey String a, @RouteKey String b);
  }

  /** A key whose toString is not stable. */
  public interface ObjectKey {
    record Id(long value) {}

    String get(@RouteKey Id id);
  }

  @Test
  void badRouteKeysFailAtProxyCreationNamingTheMethod() {
    TestCluster c = cluster(1);
    ClusterClient client = client(c);
    assertThatThrownBy(() -> client.proxy(TwoKeys.class))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(TwoKeys.class.getName() + ".get has more than one @RouteKey");
    assertThatThrownBy(() -> client.proxy(ObjectKey.class))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(ObjectKey.class.getName() + ".get has a @RouteKey of type");
  }

  @Test
  void keylessCallsGoToTheLessLoadedOfTwoNodes() throws Exception {
    TestCluster c = cluster(2);
    Kv kv = client(c).proxy(Kv.class);
    // Hold 4 calls open; power of two choices over 2 nodes must split them 2 and 2, since each
    // new call sees both nodes and takes the one with fewer in flight.
    List<CompletableFuture<String>> held = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      int expected = i + 1;
      held.add(CompletableFuture.supplyAsync(kv::hold));
      waitUntil(() -> c.held.get() == expected);
    }
    c.releaseHeld.countDown();
    Map<String, Integer> count = new HashMap<>();
    for (CompletableFuture<String> f : held) {
      count.merge(f.get(10, TimeUnit.SECONDS), 1, Integer::sum);
    }
    assertThat(count).containsEntry("node-0", 2).containsEntry("node-1", 2);
  }

  /**
   * Starts four calls that the nodes hold open, each once the last is held, then lets them all
   * answer: which node served each, in order.
   */
  private static List<String> fourHeldCalls(
      TestCluster c, java.util.function.Supplier<CompletableFuture<String>> call) throws Exception {
    List<CompletableFuture<String>> held = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      int expected = i + 1;
      held.add(call.get());
      waitUntil(() -> c.held.get() == expected);
    }
    c.releaseHeld.countDown();
    List<String> servedBy = new ArrayList<>();
    for (CompletableFuture<String> f : held) {
      servedBy.add(f.get(10, TimeUnit.SECONDS));
    }
    return servedBy;
  }

  @Test
  void boundedLoadsSpillAKeyToTheNextNodeWhenItsOwnerIsFull() throws Exception {
    TestCluster c = cluster(2);
    Kv kv = client(c, base().boundedLoads(Kv.class, 0.25)).proxy(Kv.class);
    String key = keyOn(c, "node-0");
    // Four calls held open, all for node-0's key; with m in flight each node may hold
    // ceil(1.25 * m / 2): 1, 2, 2, 3. So the third call finds node-0 full and spills to node-1.
    assertThat(fourHeldCalls(c, () -> CompletableFuture.supplyAsync(() -> kv.holdKey(key))))
        .containsExactly("node-0", "node-0", "node-1", "node-0");
    // Without load the key is back on its owner: places were released.
    assertThat(kv.owner(key)).isEqualTo("node-0");
  }

  @Test
  void anAsyncCallUnderBoundedLoadsFreesItsPlaceWhenItEnds() throws Exception {
    TestCluster c = cluster(2);
    Kv kv = client(c, base().boundedLoads(Kv.class, 0.25)).proxy(Kv.class);
    String key = keyOn(c, "node-0");
    assertThat(fourHeldCalls(c, () -> kv.holdKeyAsync(key)))
        .containsExactly("node-0", "node-0", "node-1", "node-0");
    // Calls one at a time stay on the owner: a place kept after its call ended would count as in
    // flight, and by the tenth call node-0 would be over ceil(1.25 * m / 2) and spill.
    for (int i = 0; i < 10; i++) {
      assertThat(kv.ownerAsync(key).get(10, TimeUnit.SECONDS)).as("call %d", i).isEqualTo("node-0");
    }
  }

  @Test
  void withoutBoundedLoadsAKeyStaysOnItsOwnerHoweverBusy() throws Exception {
    TestCluster c = cluster(2);
    Kv kv = client(c).proxy(Kv.class);
    String key = keyOn(c, "node-0");
    assertThat(fourHeldCalls(c, () -> CompletableFuture.supplyAsync(() -> kv.holdKey(key))))
        .containsOnly("node-0");
  }

  @Test
  void aCallThatNeverLeftMovesToTheNextNodeEvenIfNotIdempotent() {
    TestCluster c = cluster(3);
    Kv kv = client(c).proxy(Kv.class);
    String key = keyOn(c, "node-0");
    c.server("node-0").shutdownNow(); // connection refused: the request is never sent
    String second = kv.owner(key);
    assertThat(second).isNotEqualTo("node-0");
    assertThat(kv.ownerAsync(key).join()).isEqualTo(second);
  }

  @Test
  void aCallTheDeadNodeMayHaveRunFailsUnlessIdempotent() {
    TestCluster c = cluster(3);
    Kv kv = client(c).proxy(Kv.class);
    String key = keyOn(c, "node-0");
    c.crashOnNextCall("node-0");
    assertThatThrownBy(() -> kv.crash(key))
        .isInstanceOfSatisfying(
            RpcException.class,
            e -> {
              assertThat(e.status()).isEqualTo(Status.UNAVAILABLE);
              assertThat(e.notExecuted()).isFalse();
            });
  }

  @Test
  void anIdempotentCallMovesOnWhenTheNodeDiesUnderIt() {
    TestCluster c = cluster(3);
    Kv kv = client(c).proxy(Kv.class);
    String key = keyOn(c, "node-0");
    c.crashOnNextCall("node-0");
    assertThat(kv.crashIdem(key)).isNotEqualTo("node-0");
  }

  @Test
  void anIdempotentAsyncCallMovesOnWhenTheNodeDiesUnderIt() throws Exception {
    TestCluster c = cluster(3);
    Kv kv = client(c).proxy(Kv.class);
    String key = keyOn(c, "node-0");
    c.crashOnNextCall("node-0");
    assertThat(kv.crashIdemAsync(key).get(10, TimeUnit.SECONDS)).isNotEqualTo("node-0");
  }

  @Test
  void cancellingAnAsyncCallCancelsItOnTheServer() {
    TestCluster c = cluster(2);
    Kv kv = client(c).proxy(Kv.class);
    String key = keyOn(c, "node-0");
    c.stall("node-0");
    CompletableFuture<String> call = kv.ownerIdemAsync(key);
    waitUntil(() -> c.held.get() == 1);
    assertThat(call.cancel(true)).isTrue();
    waitUntil(() -> c.cancelled.get() == 1);
    assertThat(call).isCancelled();
  }

  @Test
  void attemptsStopAtTheCallsDeadline() {
    TestCluster c = cluster(3);
    for (String id : c.ids()) {
      c.server(id).shutdownNow();
    }
    // Every attempt takes 600 ms of the fake clock: with a deadline of 1 s the second attempt
    // gets the 400 ms left, and there is no time for a third.
    FakeTicker ticker = new FakeTicker();
    RpcClient rpc =
        RpcClient.builder().interceptor(call -> ticker.advance(Duration.ofMillis(600))).build();
    closeLater(rpc);
    Kv kv =
        client(c, base().rpcClient(rpc).ticker(ticker).defaultDeadline(Duration.ofSeconds(1)))
            .proxy(Kv.class);
    assertThatThrownBy(() -> kv.owner("k"))
        .isInstanceOfSatisfying(
            RpcException.class, e -> assertThat(e.status()).isEqualTo(Status.DEADLINE_EXCEEDED))
        .hasMessageContaining("passed after 2 attempt(s)");
  }

  @Test
  void withoutRetryBudgetACallTriesOneNode() {
    TestCluster c = cluster(3);
    Kv kv = client(c, base().retryBudget(0, 0)).proxy(Kv.class);
    String key = keyOn(c, "node-0");
    c.server("node-0").shutdownNow();
    assertThatThrownBy(() -> kv.owner(key))
        .isInstanceOfSatisfying(
            RpcException.class, e -> assertThat(e.status()).isEqualTo(Status.UNAVAILABLE));
  }

  @Test
  void aNodeFailingRepeatedlyIsEjectedAndProbedWithAGrowingBackoff() {
    TestCluster c = cluster(3);
    FakeTicker ticker = new FakeTicker();
    String key = keyOn(c, "node-0");
    int deadPort = c.port("node-0");
    AtomicInteger attemptsOnDead = new AtomicInteger();
    RpcClient rpc =
        RpcClient.builder()
            .interceptor(
                call -> {
                  if (call.endpoint().port() == deadPort) {
                    attemptsOnDead.incrementAndGet();
                  }
                })
            .build();
    closeLater(rpc);
    Kv kv =
        client(
                c,
                base()
                    .rpcClient(rpc)
                    .ticker(ticker)
                    .outlierEjection(2, Duration.ofSeconds(10), Duration.ofSeconds(60)))
            .proxy(Kv.class);
    c.server("node-0").shutdownNow();
    String next = kv.owner(key); // failure 1, moved on
    assertThat(kv.owner(key)).isEqualTo(next); // failure 2: ejected for 10 s
    assertThat(attemptsOnDead).hasValue(2);
    for (int i = 0; i < 20; i++) {
      assertThat(kv.owner(key)).isEqualTo(next); // node-0 is not tried while ejected
    }
    assertThat(attemptsOnDead).hasValue(2);

    ticker.advance(Duration.ofSeconds(10)); // back: the next call is the probe, which fails
    assertThat(kv.owner(key)).isEqualTo(next);
    assertThat(attemptsOnDead).hasValue(3);
    ticker.advance(Duration.ofSeconds(19)); // ejected again, now for 20 s
    assertThat(kv.owner(key)).isEqualTo(next);
    assertThat(attemptsOnDead).hasValue(3);
    ticker.advance(Duration.ofSeconds(1));
    assertThat(kv.owner(key)).isEqualTo(next); // the second probe
    assertThat(attemptsOnDead).hasValue(4);

    c.start("node-0"); // back on a new port: a new endpoint starts with a clean record
    assertThat(kv.owner(key)).isEqualTo("node-0");
  }

  @Test
  void aNodeThatNeverCompletesTheHandshakeIsEjected() throws Exception {
    TestCluster c = cluster(3);
    String key = keyOn(c, "node-0");
    // node-0 moves to a socket that takes TCP connects and never says hello: calls to it wait for
    // the handshake until their deadline, never sent, and never fail with UNAVAILABLE.
    ServerSocket silent = closeLater(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()));
    c.discovery.add(
        TestCluster.SERVICE,
        ServiceInstance.of("node-0", Endpoint.of("127.0.0.1", silent.getLocalPort())));
    Kv kv =
        client(
                c,
                base()
                    .maxAttempts(1) // no next node: each call waits out its deadline on node-0
                    .ticker(new FakeTicker()) // ejections never end by themselves
                    .outlierEjection(2, Duration.ofSeconds(10), Duration.ofSeconds(60)))
            .proxy(Kv.class, CallOptions.DEFAULT.withTimeout(Duration.ofMillis(200)));
    List<RpcException> failures = new ArrayList<>();
    long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    String owner = null;
    while (owner == null) {
      try {
        owner = kv.owner(key);
      } catch (RpcException e) {
        assertThat(e.status()).isEqualTo(Status.DEADLINE_EXCEEDED);
        assertThat(e.neverSent()).isTrue();
        failures.add(e);
        assertThat(System.nanoTime() - giveUp).as("node-0 ejected within 10 s").isNegative();
      }
    }
    // node-0 is ejected, and its keys go to the next node; the two failures that ejected it came
    // once its connection had been coming up for a SYN retransmission (1 s), none before.
    assertThat(owner).isEqualTo(c.ring().preferenceList(key, 2).get(1).id());
    assertThat(failures).hasSizeGreaterThanOrEqualTo(3);
    Duration unreachableAfter = Duration.ofSeconds(1);
    assertThat(failures.subList(failures.size() - 2, failures.size()))
        .allSatisfy(
            e ->
                assertThat(e.connectingFor().orElseThrow())
                    .isGreaterThanOrEqualTo(unreachableAfter));
    assertThat(failures.get(failures.size() - 3).connectingFor().orElseThrow())
        .isLessThan(unreachableAfter);
  }

  @Test
  void shortDeadlinesOnAConnectionStillComingUpDoNotEjectTheNode() throws Exception {
    TestCluster c = cluster(3);
    String key = keyOn(c, "node-0");
    // node-0 is healthy, behind a relay that holds its handshake back, as a slow network would.
    ResettingRelay relay = closeLater(new ResettingRelay(c.port("node-0")));
    relay.hold();
    c.discovery.add(
        TestCluster.SERVICE, ServiceInstance.of("node-0", Endpoint.of("127.0.0.1", relay.port())));
    ClusterClient client =
        client(
            c,
            base()
                .maxAttempts(1)
                .ticker(new FakeTicker()) // an ejection would outlast the test
                .outlierEjection(2, Duration.ofSeconds(10), Duration.ofSeconds(60)));
    Kv hasty = client.proxy(Kv.class, CallOptions.DEFAULT.withTimeout(Duration.ofMillis(20)));
    for (int i = 0; i < 3; i++) {
      assertThatThrownBy(() -> hasty.owner(key))
          .isInstanceOfSatisfying(
              RpcException.class,
              e -> {
                assertThat(e.status()).isEqualTo(Status.DEADLINE_EXCEEDED);
                assertThat(e.neverSent()).isTrue();
                assertThat(e.connectingFor().orElseThrow())
                    .isPositive()
                    .isLessThan(Duration.ofSeconds(1));
              });
    }
    relay.release();
    // Three failures against a threshold of two, yet node-0 still has its keys: a deadline
    // shorter than the handshake says nothing of the node.
    assertThat(client.proxy(Kv.class).owner(key)).isEqualTo("node-0");
  }

  @Test
  void aCallToANodeThatNeverCompletesTheHandshakeMovesOnInTimeEvenIfNotIdempotent()
      throws Exception {
    TestCluster c = cluster(3);
    String key = keyOn(c, "node-0");
    String next = c.ring().preferenceList(key, 2).get(1).id();
    ServerSocket silent = closeLater(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()));
    c.discovery.add(
        TestCluster.SERVICE,
        ServiceInstance.of("node-0", Endpoint.of("127.0.0.1", silent.getLocalPort())));
    // The RPC client's connect timeout (5 s) outlasts the call: only a capped wait moves on.
    Kv kv = client(c, base().defaultDeadline(Duration.ofSeconds(3))).proxy(Kv.class);

    assertThat(kv.owner(key)).isEqualTo(next);
    assertThat(kv.ownerAsync(key).get(10, TimeUnit.SECONDS)).isEqualTo(next);
  }

  /** A front-end service whose handler makes a routed call. */
  public interface Relay {
    String relay(String key);
  }

  @Test
  void aRetryOnAnotherThreadKeepsTheEnclosingHandlersDeadline() throws Exception {
    TestCluster c = cluster(3);
    String key = keyOn(c, "node-0");
    c.server("node-0").shutdownNow(); // refused: the retry runs on the I/O thread that saw it
    c.stall(c.ring().preferenceList(key, 2).get(1).id()); // and waits on the next node
    Kv kv = client(c, base().defaultDeadline(Duration.ofSeconds(20))).proxy(Kv.class);
    CompletableFuture<CompletableFuture<String>> routed = new CompletableFuture<>();
    RpcServer front =
        closeLater(
            RpcServer.builder()
                .port(0)
                .service(
                    Relay.class,
                    k -> {
                      routed.complete(kv.ownerIdemAsync(k));
                      return "started";
                    })
                .build()
                .start());
    RpcClient rpc = closeLater(RpcClient.builder().build());
    Relay relay =
        rpc.proxy(
            Relay.class,
            Endpoint.of("127.0.0.1", front.port()),
            CallOptions.DEFAULT.withTimeout(Duration.ofMillis(500)));

    assertThat(relay.relay(key)).isEqualTo("started");
    // The routed call ends by the handler's 500 ms deadline, not by the proxy's 20 s.
    CompletableFuture<String> call = routed.get(5, TimeUnit.SECONDS);
    assertThatThrownBy(() -> call.get(5, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .cause()
        .isInstanceOfSatisfying(
            RpcException.class, e -> assertThat(e.status()).isEqualTo(Status.DEADLINE_EXCEEDED));
    assertThat(c.held).hasValue(1); // the retry did reach the stalled node
  }

  @Test
  void aKeyExtractorRoutesMethodsWithoutARouteKeyAndTheAnnotationWins() {
    TestCluster c = cluster(3);
    String owner = c.ring().route("tenant-7").id();
    Kv kv =
        client(c)
            .proxy(
                Kv.class,
                io.ringmesh.rpc.CallOptions.DEFAULT,
                (method, args) -> method.getName().equals("any") ? "tenant-7" : "ignored");
    for (int i = 0; i < 20; i++) {
      assertThat(kv.any()).isEqualTo(owner);
    }
    String key = keyOn(c, "node-2");
    assertThat(kv.owner(key)).as("@RouteKey takes precedence").isEqualTo("node-2");
  }

  @Test
  void aProxyForAKeyRoutesEveryCallByItWhateverItsRouteKey() {
    TestCluster c = cluster(3);
    ClusterClient client = client(c);
    String owner = c.ring().route("tenant-7").id();
    Kv kv = client.proxyForKey(Kv.class, "tenant-7");
    for (int i = 0; i < 20; i++) {
      assertThat(kv.owner("user:" + i)).isEqualTo(owner);
    }
    assertThat(kv.any()).isEqualTo(owner);
    assertThatThrownBy(() -> client.proxyForKey(Kv.class, new Object()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("a routing key of type java.lang.Object has no stable encoding");
  }

  @Test
  void aNullKeyFromTheExtractorRoutesWithoutAKey() {
    TestCluster c = cluster(3);
    Kv kv = client(c).proxy(Kv.class, io.ringmesh.rpc.CallOptions.DEFAULT, (method, args) -> null);
    java.util.Set<String> servedBy = new java.util.HashSet<>();
    for (int i = 0; i < 200 && servedBy.size() < 3; i++) {
      servedBy.add(kv.any());
    }
    assertThat(servedBy).containsExactlyInAnyOrder("node-0", "node-1", "node-2");
  }

  @Test
  void aBadKeyFromTheExtractorIsInvalidArgumentNamingTheTypeAndMethod() {
    TestCluster c = cluster(2);
    ClusterClient client = client(c);
    Kv wrongType =
        client.proxy(Kv.class, io.ringmesh.rpc.CallOptions.DEFAULT, (method, args) -> List.of(1));
    assertThatThrownBy(wrongType::any)
        .isInstanceOfSatisfying(
            RpcException.class, e -> assertThat(e.status()).isEqualTo(Status.INVALID_ARGUMENT))
        .hasMessageContaining("key extractor gave a key of type java.util.")
        .hasMessageContaining(Kv.class.getName() + ".any");
    Kv throwing =
        client.proxy(
            Kv.class,
            io.ringmesh.rpc.CallOptions.DEFAULT,
            (method, args) -> {
              throw new IllegalStateException("no tenant in the request");
            });
    assertThatThrownBy(throwing::any)
        .isInstanceOfSatisfying(
            RpcException.class, e -> assertThat(e.status()).isEqualTo(Status.INVALID_ARGUMENT))
        .hasMessageContaining("key extractor failed on a call of " + Kv.class.getName() + ".any")
        .hasMessageContaining("no tenant in the request");
  }

  /** Not public: the routed proxy must not need reflective access to it. */
  interface PackagePrivateKv {
    String owner(@RouteKey String key);
  }

  @Test
  void aPackagePrivateInterfaceCanBeRouted() {
    PackagePrivateKv impl = key -> "hidden:" + key;
    RpcServer server =
        RpcServer.builder().port(0).service(PackagePrivateKv.class, impl).build().start();
    closeLater(server::shutdownNow);
    StaticDiscovery discovery = new StaticDiscovery();
    discovery.update(
        ClusterClient.serviceName(PackagePrivateKv.class),
        List.of(ServiceInstance.of("n", Endpoint.of("127.0.0.1", server.port()))));
    ClusterClient client = base().discovery(discovery).build();
    closeLater(client);
    assertThat(client.proxy(PackagePrivateKv.class).owner("k")).isEqualTo("hidden:k");
  }

  private static Map<String, String> owners(Kv kv, int keys) {
    Map<String, String> owners = new HashMap<>();
    for (int i = 0; i < keys; i++) {
      owners.put("k" + i, kv.owner("k" + i));
    }
    return owners;
  }

  @Test
  void aCallThroughAProxyAfterTheClientClosedFailsAtOnceSayingSo() {
    TestCluster c = cluster(2);
    // An RPC client of the caller's, which stays open: the calls must not reach the nodes anyway.
    RpcClient rpc = closeLater(RpcClient.builder().build());
    ClusterClient client = client(c, base().rpcClient(rpc));
    Kv kv = client.proxy(Kv.class);
    assertThat(kv.owner("k")).isNotNull();

    client.close();

    assertThatThrownBy(() -> kv.owner("k"))
        .isInstanceOfSatisfying(RpcException.class, ClusterClientTest::saysTheClientWasClosed);
    assertThatThrownBy(kv::any)
        .isInstanceOfSatisfying(RpcException.class, ClusterClientTest::saysTheClientWasClosed);
    assertThat(kv.ownerAsync("k"))
        .failsWithin(Duration.ZERO)
        .withThrowableOfType(ExecutionException.class)
        .havingCause()
        .isInstanceOfSatisfying(RpcException.class, ClusterClientTest::saysTheClientWasClosed);
  }

  @Test
  void aCallInFlightWhenTheClientClosesIsNotRetriedAfterIt() throws Exception {
    TestCluster c = cluster(2);
    RpcClient rpc = closeLater(RpcClient.builder().build()); // the caller's: stays open
    ClusterClient client = client(c, base().rpcClient(rpc));
    Kv kv = client.proxy(Kv.class);
    String key = keyOn(c, "node-0");
    c.stall("node-0");
    CompletableFuture<String> call = kv.ownerIdemAsync(key);
    waitUntil(() -> c.held.get() == 1);

    client.close();
    c.server("node-0").shutdownNow(); // the attempt fails; a retry would go to node-1

    assertThat(call)
        .failsWithin(Duration.ofSeconds(10))
        .withThrowableOfType(ExecutionException.class)
        .havingCause()
        .isInstanceOfSatisfying(RpcException.class, ClusterClientTest::saysTheClientWasClosed);
  }

  @Test
  void aProxyMadeWhileTheClientClosesLeavesNoRouterBehind() throws Exception {
    StaticDiscovery inner = new StaticDiscovery();
    inner.update(
        TestCluster.SERVICE, List.of(ServiceInstance.of("node-0", Endpoint.of("127.0.0.1", 1))));
    CountDownLatch subscribing = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger subscribed = new AtomicInteger();
    Discovery discovery =
        new Discovery() {
          @Override
          public List<ServiceInstance> instances(String service) {
            return inner.instances(service);
          }

          @Override
          public Subscription subscribe(String service, Listener listener) {
            subscribing.countDown();
            try {
              release.await(); // proxy() is now making the service's router
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
            Subscription s = inner.subscribe(service, listener);
            subscribed.incrementAndGet();
            AtomicBoolean closed = new AtomicBoolean();
            return () -> {
              if (closed.compareAndSet(false, true)) {
                subscribed.decrementAndGet();
              }
              s.close();
            };
          }
        };
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    ClusterClient client = closeLater(base().discovery(discovery).meterRegistry(registry).build());

    CompletableFuture<Kv> proxy = new CompletableFuture<>();
    Thread.ofPlatform()
        .start(
            () -> {
              try {
                proxy.complete(client.proxy(Kv.class));
              } catch (Throwable t) {
                proxy.completeExceptionally(t);
              }
            });
    assertThat(subscribing.await(10, TimeUnit.SECONDS)).isTrue();
    Thread closing = Thread.ofPlatform().start(client::close);
    // close() either waits for the router being made, or (as it used to) finishes without it.
    waitUntil(
        () ->
            closing.getState() == Thread.State.BLOCKED
                || closing.getState() == Thread.State.WAITING
                || closing.getState() == Thread.State.TERMINATED);
    release.countDown();
    closing.join(TimeUnit.SECONDS.toMillis(10));
    assertThat(closing.isAlive()).isFalse();
    proxy.handle((kv, t) -> null).get(10, TimeUnit.SECONDS); // proxy() has returned or thrown

    assertThat(subscribed.get()).as("routers still subscribed to discovery").isZero();
    assertThat(registry.getMeters()).as("meters left in the registry").isEmpty();
    // The proxy made in the race, if proxy() returned one, does not route either.
    if (!proxy.isCompletedExceptionally()) {
      Kv kv = proxy.get(10, TimeUnit.SECONDS);
      assertThatThrownBy(() -> kv.owner("k"))
          .isInstanceOfSatisfying(RpcException.class, ClusterClientTest::saysTheClientWasClosed);
    }
  }

  private static void saysTheClientWasClosed(RpcException e) {
    assertThat(e.status()).isEqualTo(Status.UNAVAILABLE);
    assertThat(e.neverSent()).isTrue();
    assertThat(e.getMessage())
        .contains("the ClusterClient was closed")
        .contains("create a new ClusterClient");
  }

  static void waitUntil(java.util.function.BooleanSupplier condition) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("condition not met within 10 s");
      }
      Thread.onSpinWait();
      Thread.yield();
    }
  }
}
