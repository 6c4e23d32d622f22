package io.ringmesh.coord.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.ringmesh.coord.internal.Messages.AcquireMode;
import io.ringmesh.coord.internal.Messages.AcquireReply;
import io.ringmesh.coord.internal.Messages.AcquireRequest;
import java.lang.reflect.Proxy;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * In-process callers see their futures completed on the coordinator's executor, never on the thread
 * that completed the shard's call (a Ratis thread in a coordinator), and cancelling their future
 * still cancels the call, so that an open acquire is withdrawn.
 */
@Timeout(30)
class OffloadingCoordinatorServiceTest {
  private final ExecutorService executor =
      Executors.newSingleThreadExecutor(r -> new Thread(r, "offload-executor"));
  private final CompletableFuture<AcquireReply> call = new CompletableFuture<>();
  private final CoordinatorService delegate =
      (CoordinatorService)
          Proxy.newProxyInstance(
              CoordinatorService.class.getClassLoader(),
              new Class<?>[] {CoordinatorService.class},
              (proxy, method, args) -> {
                if (method.getName().equals("acquire")) {
                  return call;
                }
                throw new UnsupportedOperationException(method.getName());
              });
  private final OffloadingCoordinatorService service =
      new OffloadingCoordinatorService(delegate, executor);

  @AfterEach
  void stop() {
    executor.shutdownNow();
  }

  private static AcquireRequest waitingAcquire() {
    return new AcquireRequest(UUID.randomUUID(), 1, 1, "lock", AcquireMode.WAIT, 0, false);
  }

  @Test
  void completesOnTheExecutorNotOnTheCompletingThread() throws Exception {
    CompletableFuture<String> completedOn = new CompletableFuture<>();
    service
        .acquire(waitingAcquire())
        .whenComplete((reply, error) -> completedOn.complete(Thread.currentThread().getName()));

    AcquireReply granted = new AcquireReply(Status.OK, "granted", Optional.empty(), 7, 7);
    Thread ratis = new Thread(() -> call.complete(granted), "ratis-apply");
    ratis.start();
    ratis.join();

    assertThat(completedOn.get(10, TimeUnit.SECONDS)).isEqualTo("offload-executor");
  }

  @Test
  void relaysTheReplyUnchanged() throws Exception {
    CompletableFuture<AcquireReply> relayed = service.acquire(waitingAcquire());
    AcquireReply granted = new AcquireReply(Status.OK, "granted", Optional.empty(), 7, 7);
    call.complete(granted);

    assertThat(relayed.get(10, TimeUnit.SECONDS)).isEqualTo(granted);
  }

  @Test
  void anAnswerAfterTheExecutorShutDownStillReachesTheCaller() throws Exception {
    CompletableFuture<AcquireReply> relayed = service.acquire(waitingAcquire());
    executor.shutdown(); // what Coordinator.close() does before its shards answer "shut down"
    AcquireReply shutDown =
        new AcquireReply(Status.UNAVAILABLE, "coordinator is shut down", Optional.empty(), 0, 0);
    call.complete(shutDown);

    assertThat(relayed).isCompletedWithValue(shutDown);
  }

  @Test
  void cancellingTheRelayedFutureCancelsTheCall() {
    CompletableFuture<AcquireReply> relayed = service.acquire(waitingAcquire());

    relayed.cancel(false);

    assertThat(call).isCancelled();
  }
}
