package io.ringmesh.rpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ringmesh.rpc.TestServices.Calculator;
import io.ringmesh.rpc.internal.Frames;
import io.ringmesh.rpc.testing.Resources;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Every call completes by its deadline, whatever its connection does: also while the connection is
 * still in its handshake, with a server that took the TCP connection and never answers.
 */
class ConnectionDeadlineTest {
  private final Resources resources = new Resources();

  @AfterEach
  void close() {
    resources.close();
  }

  /**
   * A client whose connect timeout and keepalive are far beyond the test: only a call's own
   * deadline (or connect wait) can end it.
   */
  private RpcClient patientClient() {
    return resources.add(
        RpcClient.builder()
            .connectTimeout(Duration.ofMinutes(5))
            .keepAlive(Duration.ofMinutes(5), Duration.ofMinutes(5))
            .build());
  }

  /** A listening socket that completes TCP connects (the kernel does) and never says a word. */
  private ServerSocket silentServer() throws Exception {
    return resources.add(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()));
  }

  @Test
  @Timeout(value = 30, unit = TimeUnit.SECONDS)
  void aBlockingCallWaitingForTheHandshakeFailsByItsDeadline() throws Exception {
    ServerSocket silent = silentServer();
    // Neither the connect timeout nor keepalive may end the call first: only its deadline can.
    RpcClient client = patientClient();
    Calculator calc =
        client.proxy(
            Calculator.class,
            Endpoint.of("127.0.0.1", silent.getLocalPort()),
            CallOptions.DEFAULT.withTimeout(Duration.ofMillis(300)));

    long started = System.nanoTime();
    assertThatThrownBy(() -> calc.add(1, 2))
        .isInstanceOfSatisfying(
            RpcException.class,
            e -> {
              assertThat(e.status()).isEqualTo(Status.DEADLINE_EXCEEDED);
              assertThat(e.getMessage())
                  .contains("deadline of 300 ms exceeded calling")
                  .contains("before it could be sent");
              assertThat(e.neverSent()).isTrue();
            });
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(10));

    // The next call on the same stuck connection is bounded the same way.
    assertThatThrownBy(() -> calc.add(3, 4))
        .isInstanceOfSatisfying(
            RpcException.class, e -> assertThat(e.status()).isEqualTo(Status.DEADLINE_EXCEEDED));
  }

  @Test
  @Timeout(value = 30, unit = TimeUnit.SECONDS)
  void aCallWithAConnectWaitFailsUnsentWhenItPassesLongBeforeItsDeadline() throws Exception {
    ServerSocket silent = silentServer();
    RpcClient client = patientClient();
    Calculator calc =
        client.proxy(
            Calculator.class,
            Endpoint.of("127.0.0.1", silent.getLocalPort()),
            CallOptions.DEFAULT
                .withTimeout(Duration.ofMinutes(1))
                .withConnectWait(Duration.ofMillis(200)));

    long started = System.nanoTime();
    assertThatThrownBy(() -> calc.add(1, 2))
        .isInstanceOfSatisfying(
            RpcException.class,
            e -> {
              assertThat(e.status()).isEqualTo(Status.UNAVAILABLE);
              assertThat(e.getMessage()).contains("within the connect wait of 200 ms");
              assertThat(e.neverSent()).isTrue();
              // How long the connection had been coming up (callers such as outlier ejection
              // weigh it): about the wait, which began a moment before the connection was made,
              // and no longer than the call took.
              assertThat(e.connectingFor())
                  .hasValueSatisfying(
                      d ->
                          assertThat(d)
                              .isGreaterThan(Duration.ofMillis(100))
                              .isLessThanOrEqualTo(Duration.ofNanos(System.nanoTime() - started)));
            });
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(20));
  }

  @Test
  @Timeout(value = 30, unit = TimeUnit.SECONDS)
  void anAsyncCallWaitingForTheHandshakeFailsByItsDeadline() throws Exception {
    ServerSocket silent = silentServer();
    RpcClient client = patientClient();
    Calculator calc =
        client.proxy(
            Calculator.class,
            Endpoint.of("127.0.0.1", silent.getLocalPort()),
            CallOptions.DEFAULT.withTimeout(Duration.ofMillis(200)));

    CompletableFuture<Integer> call = calc.addAsync(1, 2).toCompletableFuture();

    assertThat(call)
        .failsWithin(Duration.ofSeconds(10))
        .withThrowableOfType(java.util.concurrent.ExecutionException.class)
        .havingCause()
        .isInstanceOfSatisfying(
            RpcException.class, e -> assertThat(e.status()).isEqualTo(Status.DEADLINE_EXCEEDED));
  }

  @Test
  @Timeout(value = 30, unit = TimeUnit.SECONDS)
  void aServerThatStopsMidHandshakeIsDroppedAfterTheConnectTimeout() throws Exception {
    ServerSocket server = silentServer();
    CompletableFuture<Socket> accepted = new CompletableFuture<>();
    Thread acceptor =
        Thread.ofVirtual()
            .start(
                () -> {
                  try {
                    Socket s = server.accept();
                    accepted.complete(s);
                    new DataInputStream(s.getInputStream()).readInt(); // the client's magic
                    new DataOutputStream(s.getOutputStream()).writeInt(Frames.MAGIC); // then stop
                  } catch (Exception e) {
                    accepted.completeExceptionally(e);
                  }
                });
    RpcClient client =
        resources.add(
            RpcClient.builder()
                .connectTimeout(Duration.ofMillis(300))
                .keepAlive(Duration.ofMinutes(5), Duration.ofMinutes(5))
                .build());
    Calculator calc =
        client.proxy(
            Calculator.class,
            Endpoint.of("127.0.0.1", server.getLocalPort()),
            CallOptions.DEFAULT.withTimeout(Duration.ofMinutes(1)));

    long started = System.nanoTime();
    try {
      assertThatThrownBy(() -> calc.add(1, 2))
          .isInstanceOfSatisfying(
              RpcException.class,
              e -> {
                assertThat(e.status()).isEqualTo(Status.UNAVAILABLE);
                assertThat(e.getMessage()).contains("did not complete the handshake within 300 ms");
                assertThat(e.neverSent()).isTrue();
              });
      assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(20));
    } finally {
      acceptor.join();
      accepted.get(10, TimeUnit.SECONDS).close();
    }
  }
}
