package io.ringmesh.rpc.testing;

import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;

/**
 * A blocking call run on its own virtual thread, for tests that interrupt it or let it outlive a
 * server.
 *
 * @param thread the thread running the call
 * @param failure completes with what the call threw, or null if it returned normally
 */
public record Background(Thread thread, CompletableFuture<Throwable> failure) {
  /** Starts {@code call} on a new virtual thread. */
  public static Background run(Callable<?> call) {
    CompletableFuture<Throwable> failure = new CompletableFuture<>();
    Thread t =
        Thread.ofVirtual()
            .start(
                () -> {
                  try {
                    call.call();
                    failure.complete(null);
                  } catch (Throwable e) {
                    failure.complete(e);
                  }
                });
    return new Background(t, failure);
  }
}
