package io.ringmesh.rpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ringmesh.rpc.TestServices.Calculator;
import io.ringmesh.rpc.TestServices.CalculatorImpl;
import io.ringmesh.rpc.TestServices.Gate;
import io.ringmesh.rpc.TestServices.GateImpl;
import io.ringmesh.rpc.internal.Frames;
import io.ringmesh.rpc.testing.Background;
import io.ringmesh.rpc.testing.Resources;
import java.io.DataInputStream;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Graceful and forced shutdown, reconnection with backoff, keepalive and idle timeouts. */
class LifecycleTest {
  private final Resources resources = new Resources();

  @AfterEach
  void close() {
    resources.close();
  }

  @Test
  void gracefulShutdownFinishesInFlightCallsAndRefusesNewOnes() throws Exception {
    GateImpl gate = new GateImpl(2);
    RpcServer server = RpcServer.builder().service(Gate.class, gate).build().start();
    resources.add(server);
    RpcClient client = resources.add(RpcClient.builder().build());
    Gate g =
        client.proxy(
            Gate.class,
            Endpoint.of("127.0.0.1", server.port()),
            CallOptions.DEFAULT.withTimeout(Duration.ofSeconds(20)));
    CompletableFuture<String> inFlight = g.passAsync("early").toCompletableFuture();
    CompletableFuture<String> blocking = CompletableFuture.supplyAsync(() -> g.pass("blocked"));
    assertThat(gate.entered.await(10, TimeUnit.SECONDS)).isTrue();

    server.shutdown();
    assertThat(server.awaitTermination(Duration.ofMillis(200))).isFalse(); // a call is in flight

    // New connections are refused: the listener is closed.
    try (RpcClient late = RpcClient.builder().build()) {
      Gate lg = late.proxy(Gate.class, Endpoint.of("127.0.0.1", server.port()));
      assertThatThrownBy(() -> lg.pass("late"))
          .isInstanceOfSatisfying(
              RpcException.class,
              e -> {
                assertThat(e.status()).isEqualTo(Status.UNAVAILABLE);
                assertThat(e.neverSent()).isTrue();
              });
    }

    gate.open.countDown();
    assertThat(blocking.get(10, TimeUnit.SECONDS)).isEqualTo("passed blocked");
    inFlight.cancel(true); // the async handler never completes by itself
    assertThat(server.awaitTermination(Duration.ofSeconds(10))).isTrue();
    assertThat(server.isTerminated()).isTrue();
  }

  @Test
  void closeCancelsCallsThatOutliveTheGracePeriod() throws Exception {
    GateImpl gate = new GateImpl();
    RpcServer server =
        RpcServer.builder()
            .service(Gate.class, gate)
            .shutdownGracePeriod(Duration.ofMillis(200))
            .build()
            .start();
    RpcClient client = resources.add(RpcClient.builder().build());
    Gate g =
        client.proxy(
            Gate.class,
            Endpoint.of("127.0.0.1", server.port()),
            CallOptions.DEFAULT.withTimeout(Duration.ofSeconds(20)));
    Background stuck = Background.run(() -> g.pass("stuck"));
    assertThat(gate.entered.await(10, TimeUnit.SECONDS)).isTrue();

    server.close();

    assertThat(server.isTerminated()).isTrue();
    assertThat(gate.interrupted.get()).isEqualTo(1);
    assertThat(stuck.failure().get(10, TimeUnit.SECONDS))
        .isInstanceOfSatisfying(
            RpcException.class,
            e -> {
              assertThat(e.status()).isEqualTo(Status.UNAVAILABLE);
              assertThat(e.getMessage()).contains("closed while").contains("/pass");
            });
  }

  @Test
  void theClientReconnectsAfterTheServerRestartsOnTheSamePort() throws Exception {
    CalculatorImpl impl = new CalculatorImpl();
    RpcServer first = RpcServer.builder().service(Calculator.class, impl).build().start();
    int port = first.port();
    RpcClient client =
        resources.add(
            RpcClient.builder()
                .reconnectBackoff(Duration.ofMillis(20), Duration.ofMillis(100))
                .build());
    Calculator calc = client.proxy(Calculator.class, Endpoint.of("127.0.0.1", port));
    assertThat(calc.add(1, 1)).isEqualTo(2);

    first.close();
    assertThatThrownBy(() -> calc.add(2, 2))
        .isInstanceOfSatisfying(
            RpcException.class,
            e -> {
              assertThat(e.status()).isEqualTo(Status.UNAVAILABLE);
              assertThat(e.neverSent()).isTrue();
              assertThat(e.getMessage()).contains("127.0.0.1:" + port);
            });

    RpcServer second =
        resources.add(
            RpcServer.builder().service(Calculator.class, impl).port(port).build().start());
    assertThat(second.port()).isEqualTo(port);
    io.ringmesh.rpc.testing.Poll.until(
        "the client reconnected",
        Duration.ofSeconds(10),
        () -> {
          try {
            return calc.add(3, 3) == 6;
          } catch (RpcException e) {
            return false;
          }
        });
  }

  @Test
  void failedConnectionAttemptsBackOffAndFailFast() throws Exception {
    int port = resources.add(new ClosedPorts()).port(); // bound, never listening: refuses
    RpcClient client =
        resources.add(
            RpcClient.builder()
                .reconnectBackoff(Duration.ofSeconds(30), Duration.ofSeconds(60))
                .build());
    Calculator calc = client.proxy(Calculator.class, Endpoint.of("127.0.0.1", port));

    assertThatThrownBy(() -> calc.add(1, 2))
        .isInstanceOfSatisfying(
            RpcException.class,
            e -> {
              assertThat(e.status()).isEqualTo(Status.UNAVAILABLE);
              assertThat(e.neverSent()).isTrue();
              assertThat(e.getMessage()).contains("could not connect to 127.0.0.1:" + port);
            });
    long started = System.nanoTime();
    assertThatThrownBy(() -> calc.add(1, 2))
        .isInstanceOfSatisfying(
            RpcException.class,
            e -> {
              assertThat(e.neverSent()).isTrue();
              assertThat(e.getMessage()).contains("next connection attempt in");
            });
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(1));
  }

  @Test
  void anUnansweredKeepalivePingClosesTheConnection() throws Exception {
    // A peer that completes the handshake, then never answers anything.
    try (ServerSocket silent = new ServerSocket(0)) {
      Thread acceptor =
          Thread.ofVirtual()
              .start(
                  () -> {
                    try (Socket s = silent.accept()) {
                      DataInputStream in = new DataInputStream(s.getInputStream());
                      in.readFully(new byte[Frames.CLIENT_HELLO_BYTES]);
                      s.getOutputStream()
                          .write(
                              java.nio.ByteBuffer.allocate(12)
                                  .putInt(Frames.MAGIC)
                                  .put((byte) 1)
                                  .put((byte) 1)
                                  .putShort((short) 0)
                                  .putInt(1 << 20)
                                  .array());
                      in.transferTo(java.io.OutputStream.nullOutputStream());
                    } catch (IOException e) {
                      // the client closed the connection: expected
                    }
                  });
      RpcClient client =
          resources.add(
              RpcClient.builder()
                  .keepAlive(Duration.ofMillis(100), Duration.ofMillis(100))
                  .defaultDeadline(Duration.ofSeconds(20))
                  .build());
      Calculator calc =
          client.proxy(Calculator.class, Endpoint.of("127.0.0.1", silent.getLocalPort()));

      assertThatThrownBy(() -> calc.add(1, 2))
          .isInstanceOfSatisfying(
              RpcException.class,
              e -> {
                assertThat(e.status()).isEqualTo(Status.UNAVAILABLE);
                assertThat(e.getMessage())
                    .contains("did not answer a keepalive ping within 100 ms");
              });
      acceptor.join(Duration.ofSeconds(10));
    }
  }

  @Test
  void callsAreSpreadOverThePoolsConnections() throws Exception {
    RpcServer server =
        resources.add(
            RpcServer.builder().service(Calculator.class, new CalculatorImpl()).build().start());
    RpcClient client = resources.add(RpcClient.builder().connectionsPerEndpoint(3).build());
    Calculator calc = client.proxy(Calculator.class, Endpoint.of("127.0.0.1", server.port()));

    for (int i = 0; i < 9; i++) {
      assertThat(calc.add(i, 1)).isEqualTo(i + 1);
    }

    assertThat(server.openConnections()).isEqualTo(3);
  }

  @Test
  void anIdleConnectionIsClosedByTheServerAndTheNextCallReconnects() throws Exception {
    RpcServer server =
        resources.add(
            RpcServer.builder()
                .service(Calculator.class, new CalculatorImpl())
                .idleTimeout(Duration.ofMillis(150))
                .build()
                .start());
    RpcClient client =
        resources.add(RpcClient.builder().keepAlive(Duration.ZERO, Duration.ofSeconds(1)).build());
    Calculator calc = client.proxy(Calculator.class, Endpoint.of("127.0.0.1", server.port()));
    assertThat(calc.add(1, 2)).isEqualTo(3);
    io.ringmesh.rpc.testing.Poll.until(
        "the idle connection was closed",
        Duration.ofSeconds(10),
        () -> server.openConnections() == 0);
    assertThat(calc.add(2, 2)).isEqualTo(4);
  }
}
