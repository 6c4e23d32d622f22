package io.ringmesh.coord;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ringmesh.coord.internal.CoordinatorService;
import io.ringmesh.coord.internal.Messages.AcquireMode;
import io.ringmesh.coord.internal.Messages.AcquireRequest;
import io.ringmesh.coord.internal.RemoteCoordinatorService;
import io.ringmesh.rpc.Endpoint;
import io.ringmesh.rpc.RpcClient;
import io.ringmesh.rpc.testing.ResettingRelay;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The lock-service contract with every client call going over ringmesh-rpc to the coordinator's RPC
 * port: the real client, the real server, loopback TCP between them.
 */
class RemoteLockServiceTest extends LockServiceContract {
  @TempDir Path dataDir;
  private final RpcClient rpc = RpcClient.builder().build();
  private @Nullable Coordinator coordinator;
  private @Nullable RemoteCoordinatorService remote;

  private void startCoordinator() throws Exception {
    Coordinator c =
        Coordinator.builder()
            .dataDirectory(dataDir)
            .timeSource(clock)
            .sessionCheckInterval(CHECK_INTERVAL)
            .rpcPort(0)
            .start();
    coordinator = c;
    remote =
        new RemoteCoordinatorService(
            rpc, false, List.of(Endpoint.of("127.0.0.1", c.rpcPort())), Duration.ofSeconds(5));
  }

  @Override
  void startService() throws Exception {
    startCoordinator();
  }

  @Override
  CoordinatorService service() {
    RemoteCoordinatorService r = remote;
    if (r == null) {
      throw new IllegalStateException("no coordinator is running");
    }
    return r;
  }

  @Override
  void restartService() throws Exception {
    Coordinator c = coordinator;
    if (c != null) {
      c.close();
    }
    startCoordinator();
  }

  @Override
  void stopService() {
    Coordinator c = coordinator;
    if (c != null) {
      c.close();
    }
    rpc.close();
  }

  @Test
  void aWaitWhoseConnectionIsResetKeepsItsPlaceAndIsGrantedWhenTheClientSendsItAgain()
      throws Exception {
    Coordinator c = java.util.Objects.requireNonNull(coordinator);
    try (ResettingRelay relay = new ResettingRelay(c.rpcPort());
        RpcClient viaRelay = RpcClient.builder().build();
        RemoteCoordinatorService relayed =
            new RemoteCoordinatorService(
                viaRelay,
                false,
                List.of(Endpoint.of("127.0.0.1", relay.port())),
                Duration.ofSeconds(5))) {
      LockClient holder = client();
      LockClient waiter = track(clientBuilder().service(() -> relayed).build());
      Lease held = holder.acquire("reset", Duration.ofSeconds(5));
      CompletableFuture<Lease> waiting = waiter.acquireAsync("reset");
      Await.until(() -> holder.holder("reset").waiters() == 1, () -> "the waiter queued");

      // Neither end closed the connection: the coordinator must not take it for a cancel (it
      // used to withdraw the wait, and the client's retry was then answered CANCELLED).
      relay.resetAll();
      // The client reconnects and sends the acquire again after its backoff (10 ms), on the fake
      // clock; each step waits for the heartbeats, which also cross the relay.
      advanceSettled(CHECK_INTERVAL, 5);
      assertThat(waiting).as("still waiting after the reset").isNotDone();
      assertThat(holder.holder("reset").waiters()).as("the wait kept its place").isEqualTo(1);

      held.close();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
      while (!waiting.isDone() && System.nanoTime() - deadline < 0) {
        advanceSettled(CHECK_INTERVAL, 1);
      }
      Lease granted = await(waiting);
      assertThat(granted.fencingToken()).isGreaterThan(held.fencingToken());
      granted.close();
    }
  }

  @Test
  void aClientBuiltWithConnectTalksToTheCoordinatorOverRpc() {
    Coordinator c = coordinator;
    assertThat(c).isNotNull();
    try (LockClient a = LockClient.builder().connect("127.0.0.1:" + c.rpcPort()).build();
        LockClient b = LockClient.builder().connect("127.0.0.1:" + c.rpcPort()).build();
        Lease lease = a.acquire("over-the-wire", Duration.ofSeconds(5))) {
      assertThat(b.tryAcquire("over-the-wire")).isEmpty();
      LockInfo info = b.holder("over-the-wire");
      assertThat(info.holder()).contains(a.sessionId());
      assertThat(info.fencingToken()).isEqualTo(lease.fencingToken());
    }
  }

  @Test
  void aClientThatCannotReachAnyCoordinatorSaysWhichItTried() throws Exception {
    int closedPort = FreePorts.next(); // nothing listens here
    String where = "127.0.0.1:" + closedPort;
    assertThatThrownBy(
            () -> LockClient.builder().connect(where).requestTimeout(Duration.ofSeconds(2)).build())
        .isInstanceOf(LockException.class)
        .hasMessageContaining("UNAVAILABLE")
        .hasMessageContaining(where)
        .hasMessageContaining("check that a coordinator is running");
  }

  @Test
  void aBlockingCallOnAnRpcIoThreadIsRefusedNotHung() throws Exception {
    LockClient a = client();
    LockClient b = client();
    Lease held = a.acquire("x", Duration.ofSeconds(5));
    // A raw wait of b's session on x, over RPC: its future completes on the I/O thread that reads
    // the grant, and cannot complete before the continuation is attached, since a holds x.
    CompletableFuture<Object> continuation =
        service()
            .acquire(
                new AcquireRequest(b.sessionId(), 1_000_000, 1, "x", AcquireMode.WAIT, 0, false))
            .thenApply(
                reply -> {
                  try {
                    return Thread.currentThread().getName() + ": " + b.tryAcquire("y");
                  } catch (LockException e) {
                    return e;
                  }
                });
    Await.until(() -> a.holder("x").waiters() == 1, () -> "the raw wait queued on x");
    held.close();
    assertThat(continuation.get(20, TimeUnit.SECONDS))
        .isInstanceOfSatisfying(
            LockException.class,
            e -> {
              assertThat(e.code()).isEqualTo(LockException.Code.CANCELLED);
              assertThat(e).hasMessageContaining("RPC I/O thread").hasMessageContaining("Async");
            });
    assertThat(a.holder("y").isHeld()).as("the refused call sent nothing").isFalse();
    assertThat(b.tryAcquire("y")).as("the client still works off that thread").isPresent();
  }

  @Test
  void aMalformedCoordinatorListNamesTheBadEntry() {
    assertThatThrownBy(() -> LockClient.builder().connect("127.0.0.1:7400,nonsense"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'nonsense'");
    assertThatThrownBy(() -> LockClient.builder().connect("127.0.0.1:7400,"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("empty entry");
  }
}
