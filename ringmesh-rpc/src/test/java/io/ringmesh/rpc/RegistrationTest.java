package io.ringmesh.rpc;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Date;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

/** Services that cannot be served are refused at build time, naming what is wrong. */
class RegistrationTest {
  /** Has a method with a type the codec cannot carry. */
  public interface Dated {
    String format(Date when);
  }

  /** Overloads a method. */
  public interface Overloaded {
    String f(int a);

    String f(String a);
  }

  /** A bad service name. */
  @RpcService("a/b")
  public interface Slashed {
    String f();
  }

  @Test
  void unsupportedParameterTypesAreNamedWithTheirMethod() {
    assertThatThrownBy(() -> RpcServer.builder().service(Dated.class, d -> d.toString()).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(Dated.class.getName() + ".format, parameter 0 (when)")
        .hasMessageContaining("java.util.Date cannot be carried by RPC");
    try (RpcClient client = RpcClient.builder().build()) {
      assertThatThrownBy(() -> client.proxy(Dated.class, Endpoint.of("127.0.0.1", 1)))
          .hasMessageContaining("java.util.Date");
    }
  }

  @Test
  void overloadsClassesAndNamesAreChecked() {
    assertThatThrownBy(
            () ->
                RpcServer.builder()
                    .service(
                        Overloaded.class,
                        new Overloaded() {
                          @Override
                          public String f(int a) {
                            return "";
                          }

                          @Override
                          public String f(String a) {
                            return a;
                          }
                        })
                    .build())
        .hasMessageContaining("overloads method f");
    assertThatThrownBy(() -> RpcServer.builder().service(Slashed.class, () -> "").build())
        .hasMessageContaining("@RpcService(\"a/b\")")
        .hasMessageContaining("contain no '/'");
    assertThatThrownBy(() -> RpcServer.builder().build()).hasMessageContaining("no services");
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      assertThatThrownBy(() -> RpcServer.builder().directExecution().executor(pool))
          .hasMessageContaining("exclude each other");
    }
  }
}
