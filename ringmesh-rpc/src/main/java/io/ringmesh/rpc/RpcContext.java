package io.ringmesh.rpc;

import io.ringmesh.rpc.internal.ServerCallContext;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The call a handler is serving: its method, deadline, metadata and cancellation. Get it with
 * {@link #current()} on the thread that runs the handler; an async handler that needs it later
 * captures it before returning its future. A call made through an {@link RpcClient} proxy on that
 * thread inherits the remaining deadline.
 *
 * <p>Implemented by the RPC layer only. Thread-safe: a captured context may be read from any
 * thread.
 */
public interface RpcContext {

  /**
   * The context of the call this thread is serving.
   *
   * @throws IllegalStateException if this thread is not running an RPC handler
   */
  static RpcContext current() {
    RpcContext c = ServerCallContext.currentOrNull();
    if (c == null) {
      throw new IllegalStateException(
          "RpcContext.current() was called outside an RPC handler (thread "
              + Thread.currentThread().getName()
              + "); capture the context in the handler and pass it along");
    }
    return c;
  }

  /**
   * The context of the call this thread is serving, or null if it is not running an RPC handler:
   * for layers that must work both inside and outside handlers, such as a routing client that keeps
   * the enclosing deadline across retries made on other threads.
   */
  static @Nullable RpcContext currentOrNull() {
    return ServerCallContext.currentOrNull();
  }

  /** The method being called, as {@code service/method}. */
  String method();

  /** The request metadata (string headers); unmodifiable. */
  Map<String, String> metadata();

  /** Time left before the call's deadline; zero or negative once it has passed. */
  Duration timeRemaining();

  /** True once the deadline has passed. */
  boolean isDeadlineExpired();

  /** True once the call was cancelled: by the caller, its deadline, or the server stopping. */
  boolean isCancelled();

  /**
   * True if the call was cancelled because its connection closed before the call completed (the
   * network between, the caller's process, or this server stopping), not because the caller
   * cancelled it. Such a caller may still want the call's effect and send it again on another
   * connection, so a handler that undoes work on cancel can leave that work in place here. Set
   * before the cancel listeners run.
   */
  boolean isConnectionLost();

  /**
   * Runs {@code listener} once when the call is cancelled (at once if it already was), on the
   * transport's thread: the listener must not block.
   */
  void onCancel(Runnable listener);

  /** The caller's address. */
  SocketAddress remoteAddress();
}
