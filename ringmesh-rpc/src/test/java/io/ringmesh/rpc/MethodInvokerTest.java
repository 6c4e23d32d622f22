package io.ringmesh.rpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Calls without a proxy: one invoker per interface, any endpoint and options per call. */
@Timeout(30)
class MethodInvokerTest {

  @Test
  void callsBlockingAndAsyncMethodsOnAnyEndpointWithOptionsPerCall() throws Exception {
    try (RpcServer a =
            RpcServer.builder()
                .port(0)
                .service(TestServices.Calculator.class, new TestServices.CalculatorImpl())
                .build()
                .start();
        RpcServer b =
            RpcServer.builder()
                .port(0)
                .service(TestServices.Calculator.class, new TestServices.CalculatorImpl())
                .build()
                .start();
        RpcClient client = RpcClient.builder().build()) {
      MethodInvoker invoker = client.invoker(TestServices.Calculator.class);
      assertThat(client.invoker(TestServices.Calculator.class)).isSameAs(invoker);
      var add = TestServices.Calculator.class.getMethod("add", int.class, int.class);
      var addAsync = TestServices.Calculator.class.getMethod("addAsync", int.class, int.class);
      var remaining = TestServices.Calculator.class.getMethod("remainingMillis");
      CallOptions shortDeadline = CallOptions.DEFAULT.withTimeout(Duration.ofSeconds(3));

      assertThat(
              invoker.invoke(
                  Endpoint.of("127.0.0.1", a.port()), shortDeadline, add, new Object[] {2, 3}))
          .isEqualTo(5);
      CompletableFuture<?> later =
          (CompletableFuture<?>)
              invoker.invoke(
                  Endpoint.of("127.0.0.1", b.port()), shortDeadline, addAsync, new Object[] {4, 5});
      assertThat(later.get(10, TimeUnit.SECONDS)).isEqualTo(9);
      long left =
          (Long) invoker.invoke(Endpoint.of("127.0.0.1", b.port()), shortDeadline, remaining, null);
      assertThat(left).isBetween(1L, 3_000L);

      // start() never blocks, for blocking methods too; a failure fails the future.
      CompletableFuture<?> started =
          invoker.start(
              Endpoint.of("127.0.0.1", a.port()), shortDeadline, add, new Object[] {6, 7});
      assertThat(started.get(10, TimeUnit.SECONDS)).isEqualTo(13);
      CompletableFuture<?> refused =
          invoker.start(Endpoint.of("127.0.0.1", 1), shortDeadline, add, new Object[] {1, 1});
      assertThatThrownBy(() -> refused.get(10, TimeUnit.SECONDS))
          .cause()
          .isInstanceOfSatisfying(
              RpcException.class, e -> assertThat(e.status()).isEqualTo(Status.UNAVAILABLE));
    }
  }

  @Test
  void aMethodThatIsNotAnRpcMethodIsNamed() throws Exception {
    try (RpcClient client = RpcClient.builder().build()) {
      MethodInvoker invoker = client.invoker(TestServices.Calculator.class);
      var twice = TestServices.Calculator.class.getMethod("twice", int.class);
      assertThatThrownBy(
              () ->
                  invoker.invoke(
                      Endpoint.of("127.0.0.1", 1), CallOptions.DEFAULT, twice, new Object[] {1}))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("twice")
          .hasMessageContaining("is not an RPC method of");
      assertThatThrownBy(
              () ->
                  invoker.start(
                      Endpoint.of("127.0.0.1", 1), CallOptions.DEFAULT, twice, new Object[] {1}))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("is not an RPC method of");
    }
  }
}
