package io.ringmesh.coord.internal;

import io.ringmesh.coord.internal.Messages.AcquireReply;
import io.ringmesh.coord.internal.Messages.AcquireRequest;
import io.ringmesh.coord.internal.Messages.CloseSessionRequest;
import io.ringmesh.coord.internal.Messages.ClusterInfo;
import io.ringmesh.coord.internal.Messages.DeregisterRequest;
import io.ringmesh.coord.internal.Messages.GroupsReply;
import io.ringmesh.coord.internal.Messages.HeartbeatRequest;
import io.ringmesh.coord.internal.Messages.ListLocksReply;
import io.ringmesh.coord.internal.Messages.ListLocksRequest;
import io.ringmesh.coord.internal.Messages.LockInfoReply;
import io.ringmesh.coord.internal.Messages.LockInfoRequest;
import io.ringmesh.coord.internal.Messages.OpenSessionRequest;
import io.ringmesh.coord.internal.Messages.RegisterRequest;
import io.ringmesh.coord.internal.Messages.RegistryReply;
import io.ringmesh.coord.internal.Messages.RegistryRequest;
import io.ringmesh.coord.internal.Messages.RegistryWriteReply;
import io.ringmesh.coord.internal.Messages.ReleaseReply;
import io.ringmesh.coord.internal.Messages.ReleaseRequest;
import io.ringmesh.coord.internal.Messages.SessionReply;
import io.ringmesh.coord.internal.Messages.WithdrawRequest;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * A {@link CoordinatorService} whose futures complete on an executor: the view of the lock service
 * that in-process clients get. The coordinator's own service completes its futures on Ratis'
 * threads (no hop before an RPC reply leaves); an application's continuation there could block a
 * shard's apply thread, so in-process callers get one hop instead. Cancelling a future returned
 * here cancels the call it relays (an open acquire then withdraws its request).
 *
 * <p>Thread-safe.
 */
public final class OffloadingCoordinatorService implements CoordinatorService {
  private final CoordinatorService delegate;
  private final Executor executor;

  public OffloadingCoordinatorService(CoordinatorService delegate, Executor executor) {
    this.delegate = delegate;
    this.executor = executor;
  }

  private <T> CompletableFuture<T> relay(CompletableFuture<T> call) {
    CompletableFuture<T> relayed = new CompletableFuture<>();
    call.whenComplete(
        (value, error) -> {
          Runnable complete =
              () -> {
                if (error != null) {
                  relayed.completeExceptionally(error);
                } else {
                  relayed.complete(value);
                }
              };
          try {
            executor.execute(complete);
          } catch (RejectedExecutionException coordinatorClosed) {
            // The coordinator closed its executor: its answers (UNAVAILABLE, shut down) still
            // reach the caller, here, rather than leaving the call open for ever.
            complete.run();
          }
        });
    relayed.whenComplete(
        (value, error) -> {
          if (error instanceof CancellationException) {
            call.cancel(false);
          }
        });
    return relayed;
  }

  @Override
  public ClusterInfo clusterInfo() {
    return delegate.clusterInfo();
  }

  @Override
  public CompletableFuture<SessionReply> openSession(OpenSessionRequest request) {
    return relay(delegate.openSession(request));
  }

  @Override
  public CompletableFuture<SessionReply> heartbeat(HeartbeatRequest request) {
    // Answered at once from memory, on the caller's thread: nothing to move.
    return delegate.heartbeat(request);
  }

  @Override
  public CompletableFuture<SessionReply> closeSession(CloseSessionRequest request) {
    return relay(delegate.closeSession(request));
  }

  @Override
  public CompletableFuture<AcquireReply> acquire(AcquireRequest request) {
    return relay(ShardService.inProcess(() -> delegate.acquire(request)));
  }

  @Override
  public CompletableFuture<ReleaseReply> release(ReleaseRequest request) {
    return relay(delegate.release(request));
  }

  @Override
  public CompletableFuture<ReleaseReply> withdraw(WithdrawRequest request) {
    return relay(delegate.withdraw(request));
  }

  @Override
  public CompletableFuture<LockInfoReply> describe(LockInfoRequest request) {
    return relay(delegate.describe(request));
  }

  @Override
  public CompletableFuture<RegistryWriteReply> register(RegisterRequest request) {
    return relay(delegate.register(request));
  }

  @Override
  public CompletableFuture<RegistryWriteReply> deregister(DeregisterRequest request) {
    return relay(delegate.deregister(request));
  }

  @Override
  public CompletableFuture<RegistryReply> registry(RegistryRequest request) {
    return relay(delegate.registry(request));
  }

  @Override
  public CompletableFuture<ListLocksReply> listLocks(ListLocksRequest request) {
    return relay(delegate.listLocks(request));
  }

  @Override
  public CompletableFuture<GroupsReply> groups() {
    return delegate.groups();
  }
}
