package io.ringmesh.rpc.internal;

import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;

/**
 * The future of one client call. Cancelling it cancels the call on the server (a CANCEL frame).
 *
 * <p>Thread-safe.
 */
final class CallFuture extends CompletableFuture<@Nullable Object> {
  private volatile @Nullable PendingCall call;

  void attach(PendingCall call) {
    this.call = call;
  }

  @Override
  public boolean cancel(boolean mayInterruptIfRunning) {
    boolean cancelled = super.cancel(mayInterruptIfRunning);
    PendingCall c = call;
    if (cancelled && c != null) {
      c.cancelByCaller();
    }
    return cancelled;
  }

  @Override
  public <U> CompletableFuture<U> newIncompleteFuture() {
    return new CompletableFuture<>(); // dependents are plain futures: cancelling them is local
  }
}
