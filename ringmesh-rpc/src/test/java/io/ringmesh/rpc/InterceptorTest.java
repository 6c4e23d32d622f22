package io.ringmesh.rpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ringmesh.rpc.TestServices.Calculator;
import io.ringmesh.rpc.TestServices.CalculatorImpl;
import io.ringmesh.rpc.testing.Poll;
import io.ringmesh.rpc.testing.Resources;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Interceptors for auth, metrics and tracing, on both sides. */
class InterceptorTest {
  private final Resources resources = new Resources();

  @AfterEach
  void close() {
    resources.close();
  }

  static final ThreadLocal<String> TRACE = new ThreadLocal<>();

  /** Echoes the trace id a server interceptor put in a thread-local. */
  public interface Traced {
    String traceSeenByHandler();
  }

  @Test
  void clientAddsCredentialsServerChecksThemAndBothSeeOutcomes() {
    List<String> serverLog = new CopyOnWriteArrayList<>();
    List<String> clientLog = new CopyOnWriteArrayList<>();
    ServerInterceptor auth =
        call -> {
          if (!"Bearer s3cret".equals(call.metadata().get("authorization"))) {
            throw new RpcException(
                Status.UNAUTHENTICATED, "missing or wrong authorization for " + call.method());
          }
        };
    ServerInterceptor metrics =
        call -> call.onComplete(status -> serverLog.add(call.method() + " " + status));
    RpcServer server =
        resources.add(
            RpcServer.builder()
                .service(Calculator.class, new CalculatorImpl())
                .interceptor(metrics)
                .interceptor(auth)
                .build()
                .start());
    Endpoint endpoint = Endpoint.of("127.0.0.1", server.port());

    RpcClient anonymous = resources.add(RpcClient.builder().build());
    assertThatThrownBy(() -> anonymous.proxy(Calculator.class, endpoint).add(1, 2))
        .isInstanceOfSatisfying(
            RpcException.class,
            e -> {
              assertThat(e.status()).isEqualTo(Status.UNAUTHENTICATED);
              assertThat(e.getMessage()).contains("missing or wrong authorization");
            });

    RpcClient authed =
        resources.add(
            RpcClient.builder()
                .interceptor(call -> call.putMetadata("authorization", "Bearer s3cret"))
                .interceptor(
                    call -> call.onComplete(status -> clientLog.add(call.method() + " " + status)))
                .build());
    Calculator calc = authed.proxy(Calculator.class, endpoint);
    assertThat(calc.add(1, 2)).isEqualTo(3);
    assertThat(calc.metadata("authorization")).isEqualTo("Bearer s3cret");
    assertThatThrownBy(() -> calc.fail("state")).isInstanceOf(RpcException.class);

    String add = Calculator.class.getName() + "/add";
    String fail = Calculator.class.getName() + "/fail";
    assertThat(clientLog).contains(add + " OK", fail + " APPLICATION_ERROR");
    assertThat(serverLog).contains(add + " UNAUTHENTICATED", add + " OK");
  }

  @Test
  void serverInterceptorsRunOnTheHandlersThread() {
    RpcServer server =
        resources.add(
            RpcServer.builder()
                .service(Traced.class, () -> TRACE.get())
                .interceptor(call -> TRACE.set(call.metadata().getOrDefault("trace-id", "none")))
                .build()
                .start());
    RpcClient client = resources.add(RpcClient.builder().build());
    Traced traced =
        client.proxy(
            Traced.class,
            Endpoint.of("127.0.0.1", server.port()),
            CallOptions.DEFAULT.withMetadata("trace-id", "abc123"));

    assertThat(traced.traceSeenByHandler()).isEqualTo("abc123");
  }

  @Test
  void aClientInterceptorCanRefuseACallBeforeItIsSent() throws Exception {
    CalculatorImpl impl = new CalculatorImpl();
    RpcServer server =
        resources.add(RpcServer.builder().service(Calculator.class, impl).build().start());
    RpcClient client =
        resources.add(
            RpcClient.builder()
                .interceptor(
                    call -> {
                      if (call.method().endsWith("/record")) {
                        throw new RpcException(Status.PERMISSION_DENIED, "read-only client");
                      }
                    })
                .build());
    Calculator calc = client.proxy(Calculator.class, Endpoint.of("127.0.0.1", server.port()));

    assertThatThrownBy(() -> calc.record("x"))
        .isInstanceOfSatisfying(
            RpcException.class,
            e -> {
              assertThat(e.status()).isEqualTo(Status.PERMISSION_DENIED);
              assertThat(e.neverSent()).isTrue();
              assertThat(e.getMessage()).isEqualTo("read-only client");
            });
    assertThat(calc.add(2, 2)).isEqualTo(4);
    Poll.until("no note was recorded", Duration.ofMillis(50), () -> true);
    assertThat(impl.notes).isEmpty();
  }
}
