package io.ringmesh.rpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ringmesh.rpc.TestServices.Gate;
import io.ringmesh.rpc.TestServices.GateImpl;
import io.ringmesh.rpc.testing.Background;
import io.ringmesh.rpc.testing.Poll;
import io.ringmesh.rpc.testing.Resources;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Deadlines end calls on both sides; cancellation reaches the handler; deadlines propagate. */
class DeadlineAndCancelTest {
  private final Resources resources = new Resources();
  private final GateImpl gate = new GateImpl();

  @AfterEach
  void close() {
    gate.open.countDown();
    resources.close();
  }

  private RpcServer server(boolean direct) {
    RpcServer.Builder b = RpcServer.builder().service(Gate.class, gate);
    if (direct) {
      b.directExecution();
    }
    return resources.add(b.build().start());
  }

  private Gate client(RpcServer server, Duration timeout) {
    RpcClient client = resources.add(RpcClient.builder().build());
    return client.proxy(
        Gate.class,
        Endpoint.of("127.0.0.1", server.port()),
        CallOptions.DEFAULT.withTimeout(timeout));
  }

  @Test
  void aBlockingHandlerIsInterruptedWhenTheCallerTimesOut() throws Exception {
    Gate g = client(server(false), Duration.ofMillis(300));

    long started = System.nanoTime();
    assertThatThrownBy(() -> g.pass("slow"))
        .isInstanceOfSatisfying(
            RpcException.class,
            e -> {
              assertThat(e.status()).isEqualTo(Status.DEADLINE_EXCEEDED);
              assertThat(e.getMessage())
                  .contains("deadline of 300 ms exceeded calling")
                  .contains(Gate.class.getName() + "/pass");
              assertThat(e.neverSent()).isFalse();
              assertThat(e.connectingFor()).isEmpty(); // it did not wait for its connection
            });
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
    // The server interrupts the handler's thread, then runs the onCancel listeners: the two are
    // seen in either order by this thread, so wait for both.
    Poll.until(
        "the handler was interrupted", Duration.ofSeconds(10), () -> gate.interrupted.get() == 1);
    Poll.until(
        "the handler's onCancel listener ran",
        Duration.ofSeconds(10),
        () -> gate.contextCancelled.get() == 1);
  }

  @Test
  void anAsyncHandlersFutureIsCancelledWhenTheCallerCancels() throws Exception {
    Gate g = client(server(true), Duration.ofSeconds(10));

    CompletableFuture<String> call = g.passAsync("x");
    assertThat(gate.entered.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(call.cancel(true)).isTrue();

    Poll.until(
        "the handler's future was cancelled",
        Duration.ofSeconds(10),
        () -> gate.futuresCancelled.get() == 1);
    assertThat(gate.cancelledOnConnectionLoss.get())
        .as("the caller cancelled; the connection stayed up")
        .isZero();
  }

  @Test
  void aCallWhoseConnectionIsDroppedIsCancelledAsAConnectionLossNotAsTheCallersCancel()
      throws Exception {
    RpcServer server = server(true);
    Gate g = client(server, Duration.ofSeconds(30));
    CompletableFuture<String> call = g.passAsync("x");
    assertThat(gate.entered.await(10, TimeUnit.SECONDS)).isTrue();

    server.shutdownNow(); // drops every connection with its calls, as a reset connection does

    Poll.until(
        "the handler's future was cancelled",
        Duration.ofSeconds(10),
        () -> gate.futuresCancelled.get() == 1);
    assertThat(gate.cancelledOnConnectionLoss.get()).isEqualTo(1);
    assertThat(call).failsWithin(Duration.ofSeconds(10));
  }

  @Test
  void aCallerInterruptedWhileBlockedCancelsTheCall() throws Exception {
    Gate g = client(server(false), Duration.ofSeconds(10));
    Background caller = Background.run(() -> g.pass("me"));
    assertThat(gate.entered.await(10, TimeUnit.SECONDS)).isTrue();
    caller.thread().interrupt();

    assertThat(caller.failure().get(10, TimeUnit.SECONDS))
        .isInstanceOfSatisfying(
            RpcException.class,
            e -> {
              assertThat(e.status()).isEqualTo(Status.CANCELLED);
              assertThat(e.getMessage()).contains("interrupted while waiting for");
            });
    Poll.until(
        "the handler was interrupted", Duration.ofSeconds(10), () -> gate.interrupted.get() == 1);
  }

  /** A front service that calls the gate from inside its handler. */
  public interface Front {
    long nestedRemainingMillis();

    String callGate();
  }

  @Test
  void aCallMadeInsideAHandlerInheritsTheRemainingDeadline() {
    RpcServer back =
        resources.add(
            RpcServer.builder().service(Front.class, new FrontImpl(null)).build().start());
    RpcClient inner =
        resources.add(RpcClient.builder().defaultDeadline(Duration.ofMinutes(5)).build());
    Front backProxy = inner.proxy(Front.class, Endpoint.of("127.0.0.1", back.port()));
    RpcServer front =
        resources.add(
            RpcServer.builder().service(Front.class, new FrontImpl(backProxy)).build().start());
    RpcClient outer = resources.add(RpcClient.builder().build());
    Front f =
        outer.proxy(
            Front.class,
            Endpoint.of("127.0.0.1", front.port()),
            CallOptions.DEFAULT.withTimeout(Duration.ofMillis(2_000)));

    // The inner client's default is five minutes, but the nested call gets what is left of 2 s.
    assertThat(f.nestedRemainingMillis()).isBetween(1L, 2_000L);
  }

  @Test
  void aNestedCallAfterTheEnclosingDeadlineFailsWithoutBeingSent() throws Exception {
    RpcServer gateServer = server(false);
    RpcClient inner = resources.add(RpcClient.builder().build());
    Gate gateProxy = inner.proxy(Gate.class, Endpoint.of("127.0.0.1", gateServer.port()));
    FrontImpl impl = new FrontImpl(null);
    impl.gate = gateProxy;
    RpcServer front = resources.add(RpcServer.builder().service(Front.class, impl).build().start());
    RpcClient outer = resources.add(RpcClient.builder().build());
    Front f =
        outer.proxy(
            Front.class,
            Endpoint.of("127.0.0.1", front.port()),
            CallOptions.DEFAULT.withTimeout(Duration.ofMillis(200)));

    assertThatThrownBy(f::callGate).isInstanceOf(RpcException.class);
    Poll.until("the nested call failed", Duration.ofSeconds(10), () -> impl.nestedFailure != null);
    assertThat(impl.nestedFailure.status()).isEqualTo(Status.DEADLINE_EXCEEDED);
    assertThat(impl.nestedFailure.neverSent()).isTrue();
    assertThat(impl.nestedFailure.getMessage()).contains("deadline of the enclosing call");
  }

  static final class FrontImpl implements Front {
    private final Front back;
    volatile Gate gate;
    volatile RpcException nestedFailure;

    FrontImpl(Front back) {
      this.back = back;
    }

    @Override
    public long nestedRemainingMillis() {
      if (back == null) {
        return RpcContext.current().timeRemaining().toMillis();
      }
      return back.nestedRemainingMillis();
    }

    @Override
    public String callGate() {
      // Wait past our own deadline (the caller has given up), then try a nested call.
      while (!RpcContext.current().isDeadlineExpired()) {
        Thread.onSpinWait();
      }
      try {
        return gate.pass("late");
      } catch (RpcException e) {
        nestedFailure = e;
        throw e;
      }
    }
  }
}
