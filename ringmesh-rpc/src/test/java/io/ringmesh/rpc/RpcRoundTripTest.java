package io.ringmesh.rpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ringmesh.rpc.TestServices.Calculator;
import io.ringmesh.rpc.TestServices.CalculatorImpl;
import io.ringmesh.rpc.TestServices.Color;
import io.ringmesh.rpc.TestServices.Point;
import io.ringmesh.rpc.TestServices.Shape;
import io.ringmesh.rpc.testing.Resources;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Calls of every shape, in both execution modes: values, futures, void, errors, metadata. */
class RpcRoundTripTest {
  private final Resources resources = new Resources();
  private final CalculatorImpl impl = new CalculatorImpl();

  @AfterEach
  void close() throws Exception {
    resources.close();
  }

  private Calculator start(boolean direct) {
    RpcServer.Builder b = RpcServer.builder().service(Calculator.class, impl);
    if (direct) {
      b.directExecution();
    }
    RpcServer server = resources.add(b.build().start());
    RpcClient client = resources.add(RpcClient.builder().build());
    return client.proxy(
        Calculator.class,
        Endpoint.of("127.0.0.1", server.port()),
        CallOptions.DEFAULT.withMetadata("tenant", "acme"));
  }

  @ParameterizedTest(name = "direct={0}")
  @ValueSource(booleans = {false, true})
  void blockingAsyncAndVoidMethodsReturnTheirResults(boolean direct) throws Exception {
    Calculator calc = start(direct);

    assertThat(calc.add(2, 3)).isEqualTo(5);
    CompletableFuture<Integer> sum = calc.addAsync(40, 2);
    assertThat(sum.get(5, TimeUnit.SECONDS)).isEqualTo(42);
    calc.record("hello");
    assertThat(impl.notes).containsExactly("hello");
    assertThat(calc.twice(4)).isEqualTo("local:8");
    assertThat(calc.toString()).contains(Calculator.class.getName()).contains("127.0.0.1");
  }

  @ParameterizedTest(name = "direct={0}")
  @ValueSource(booleans = {false, true})
  void recordsCollectionsNullsAndBytesSurviveTheTrip(boolean direct) {
    Calculator calc = start(direct);
    Shape shape =
        new Shape(
            "triangle",
            List.of(new Point(0, 0), new Point(3, 0), new Point(0, -4)),
            Map.of("edge", Color.RED, "fill", Color.GREEN),
            Optional.of(Instant.parse("2026-01-02T03:04:05.123456789Z")));

    assertThat(calc.echoShape(shape)).isEqualTo(shape);
    assertThat(calc.echoShape(new Shape("empty", List.of(), Map.of(), Optional.empty())))
        .isEqualTo(new Shape("empty", List.of(), Map.of(), Optional.empty()));
    assertThat(calc.maybe(null)).isNull();
    assertThat(calc.maybe("x")).isEqualTo("x");
    byte[] big = new byte[256 * 1024];
    big[12345] = 7;
    assertThat(calc.echoBytes(big)).isEqualTo(big);
  }

  @ParameterizedTest(name = "direct={0}")
  @ValueSource(booleans = {false, true})
  void applicationExceptionsArriveAsStatusTypeAndMessage(boolean direct) {
    Calculator calc = start(direct);

    assertThatThrownBy(() -> calc.fail("state"))
        .isInstanceOfSatisfying(
            RpcException.class,
            e -> {
              assertThat(e.status()).isEqualTo(Status.APPLICATION_ERROR);
              assertThat(e.errorType()).isEqualTo("java.lang.IllegalStateException");
              assertThat(e.getMessage()).isEqualTo("the calculator is out of paper");
              assertThat(e.notExecuted()).isFalse();
              assertThat(e.getStackTrace()[0].getClassName()).doesNotContain("netty");
            });
    assertThatThrownBy(() -> calc.fail("typed"))
        .isInstanceOfSatisfying(
            RpcException.class,
            e -> {
              assertThat(e.status()).isEqualTo(Status.APPLICATION_ERROR);
              assertThat(e.errorType()).isEqualTo("SESSION_EXPIRED");
              assertThat(e.getMessage()).isEqualTo("session 42 expired");
            });
    assertThatThrownBy(() -> calc.fail("denied"))
        .isInstanceOfSatisfying(
            RpcException.class,
            e -> {
              assertThat(e.status()).isEqualTo(Status.PERMISSION_DENIED);
              assertThat(e.getMessage()).contains("no sums for you").contains("fail");
            });
  }

  @ParameterizedTest(name = "direct={0}")
  @ValueSource(booleans = {false, true})
  void handlersSeeMetadataAndTheirDeadline(boolean direct) {
    Calculator calc = start(direct);

    assertThat(calc.metadata("tenant")).isEqualTo("acme");
    assertThat(calc.metadata("missing")).isEqualTo("<absent>");
    assertThat(calc.remainingMillis()).isBetween(1L, 1000L);
  }

  @ParameterizedTest(name = "direct={0}")
  @ValueSource(booleans = {false, true})
  void manyConcurrentCallsArePipelinedOnOneConnection(boolean direct) throws Exception {
    Calculator calc = start(direct);
    List<CompletableFuture<Integer>> calls = new java.util.ArrayList<>();
    for (int i = 0; i < 2_000; i++) {
      calls.add(calc.addAsync(i, 1));
    }
    for (int i = 0; i < calls.size(); i++) {
      assertThat(calls.get(i).get(10, TimeUnit.SECONDS)).isEqualTo(i + 1);
    }
  }

  @ParameterizedTest(name = "direct={0}")
  @ValueSource(booleans = {false, true})
  void perCallTimeoutComesFromTheOptions(boolean direct) {
    RpcServer.Builder b = RpcServer.builder().service(Calculator.class, impl);
    if (direct) {
      b.directExecution();
    }
    RpcServer server = resources.add(b.build().start());
    RpcClient client = resources.add(RpcClient.builder().build());
    Calculator calc =
        client.proxy(
            Calculator.class,
            Endpoint.of("127.0.0.1", server.port()),
            CallOptions.DEFAULT.withTimeout(Duration.ofSeconds(30)));
    assertThat(calc.remainingMillis()).isBetween(20_000L, 30_000L);
  }
}
