package io.ringmesh.rpc.internal;

import io.netty.buffer.ByteBuf;
import io.netty.util.concurrent.ScheduledFuture;
import io.ringmesh.rpc.RpcException;
import io.ringmesh.rpc.Status;
import java.util.List;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * A client call from the moment its frame is built until its response, error, timeout or
 * cancellation. Runs its own deadline timer ({@link #run}).
 *
 * <p>Built on the calling thread and then handed to the connection's event loop, which alone
 * touches the mutable fields; {@link #cancelByCaller} may be called from any thread.
 */
final class PendingCall implements Runnable {
  final ClientConnection connection;
  final int streamId;
  final RpcMethod method;
  final CallFuture future;
  final long deadlineNanos;

  /** When the call stops waiting for its connection; {@link #deadlineNanos} unless capped. */
  final long connectByNanos;

  final long timeoutNanos;
  private final @Nullable List<Consumer<Status>> listeners;

  /** Re-sends this call on another connection; set for a first attempt only. */
  volatile @Nullable Runnable redispatch;

  // Event loop only.
  @Nullable ByteBuf frame;

  /** The deadline timer, armed as soon as the call reaches its connection's event loop. */
  @Nullable ScheduledFuture<?> timer;

  /** The connect-wait timer, armed if the call must wait for a connection it may not wait out. */
  @Nullable ScheduledFuture<?> connectTimer;

  /** True once the request is on the wire, registered under its stream id. */
  boolean sent;

  PendingCall(
      ClientConnection connection,
      int streamId,
      RpcMethod method,
      CallFuture future,
      ByteBuf frame,
      long deadlineNanos,
      long connectByNanos,
      long timeoutNanos,
      @Nullable List<Consumer<Status>> listeners) {
    this.connection = connection;
    this.streamId = streamId;
    this.method = method;
    this.future = future;
    this.frame = frame;
    this.deadlineNanos = deadlineNanos;
    this.connectByNanos = connectByNanos;
    this.timeoutNanos = timeoutNanos;
    this.listeners = listeners;
  }

  /** The deadline timer fired (on the event loop). */
  @Override
  public void run() {
    timer = null;
    connection.deadlineExceeded(this);
  }

  void cancelByCaller() {
    connection.cancelByCaller(this);
  }

  /** Completes with a value; on the event loop. */
  void succeed(@Nullable Object value) {
    stopTimer();
    notifyListeners(Status.OK); // first, so that the outcome is recorded before the caller resumes
    future.complete(value);
  }

  /** Completes with a failure; on the event loop or, before sending, the calling thread. */
  void fail(RpcException e) {
    stopTimer();
    ByteBuf f = frame;
    if (f != null) {
      frame = null;
      f.release();
    }
    notifyListeners(e.status());
    future.completeExceptionally(e);
  }

  /**
   * Fails a call that never reached the wire because its connection closed or was told to go away,
   * unless it may be re-sent: then it is, once, on another connection.
   */
  void failUnsent(RpcException e) {
    Runnable again = redispatch;
    if (again != null && !future.isDone()) {
      redispatch = null;
      stopTimer();
      ByteBuf f = frame;
      if (f != null) {
        frame = null;
        f.release();
      }
      again.run();
      return;
    }
    fail(e);
  }

  private void stopTimer() {
    ScheduledFuture<?> t = timer;
    if (t != null) {
      timer = null;
      t.cancel(false);
    }
    stopConnectTimer();
  }

  /** The call was sent or ended: its connect wait no longer matters. On the event loop. */
  void stopConnectTimer() {
    ScheduledFuture<?> c = connectTimer;
    if (c != null) {
      connectTimer = null;
      c.cancel(false);
    }
  }

  void notifyListeners(Status status) {
    if (listeners != null) {
      for (Consumer<Status> l : listeners) {
        try {
          l.accept(status);
        } catch (RuntimeException e) {
          ClientConnection.LOG.log(
              System.Logger.Level.WARNING, "a completion listener of " + method + " failed", e);
        }
      }
    }
  }
}
