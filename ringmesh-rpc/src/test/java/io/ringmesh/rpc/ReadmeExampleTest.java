package io.ringmesh.rpc;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The README's RPC example, verbatim, so that the README stays true. */
class ReadmeExampleTest {
  /** A greeting service. */
  public interface Greeter {
    record Greeting(String text, int length) {}

    Greeting greet(String name);

    CompletableFuture<Greeting> greetAsync(String name);
  }

  @Test
  void readmeExampleWorksAsDescribed() throws Exception {
    Greeter impl =
        new Greeter() {
          public Greeting greet(String name) {
            String text = "hello, " + name;
            return new Greeting(text, text.length());
          }

          public CompletableFuture<Greeting> greetAsync(String name) {
            return CompletableFuture.completedFuture(greet(name));
          }
        };

    try (RpcServer server =
            RpcServer.builder().port(0).service(Greeter.class, impl).build().start();
        RpcClient client = RpcClient.builder().defaultDeadline(Duration.ofSeconds(1)).build()) {
      Greeter greeter = client.proxy(Greeter.class, Endpoint.of("127.0.0.1", server.port()));
      Greeter.Greeting hi = greeter.greet("ada"); // blocks; RpcException on failure
      CompletableFuture<Greeter.Greeting> later = greeter.greetAsync("grace"); // holds no thread

      assertThat(hi).isEqualTo(new Greeter.Greeting("hello, ada", 10));
      assertThat(later.get().text()).isEqualTo("hello, grace");
    }
  }
}
