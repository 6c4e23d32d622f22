package io.ringmesh.rpc;

import io.ringmesh.rpc.internal.ClientInvoker;
import java.lang.reflect.Method;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;

/**
 * Calls the RPC methods of one service interface on any endpoint, each call with its own options,
 * without building a proxy per endpoint or per call: for layers that pick the target and the
 * deadline per attempt (routing, failover). Made by {@link RpcClient#invoker}.
 *
 * <p>Thread-safe; immutable.
 */
public interface MethodInvoker {

  /**
   * Calls {@code method} with {@code args} on {@code endpoint}, as a proxy of the interface would:
   * a blocking method returns its result or throws {@link RpcException}; a method returning {@code
   * CompletableFuture} returns the call's future at once.
   *
   * @throws IllegalArgumentException if {@code method} is not an RPC method of the interface
   */
  @Nullable Object invoke(
      Endpoint endpoint, CallOptions options, Method method, @Nullable Object @Nullable [] args);

  /**
   * Starts a call of {@code method} with {@code args} on {@code endpoint} without waiting, whatever
   * the method returns: the future completes with the result, or fails with {@link RpcException},
   * when the reply comes. Cancelling the future cancels the call, on the server too. For layers
   * that run several attempts of one call at once (hedging); never blocks.
   *
   * @throws IllegalArgumentException if {@code method} is not an RPC method of the interface
   */
  CompletableFuture<@Nullable Object> start(
      Endpoint endpoint, CallOptions options, Method method, @Nullable Object @Nullable [] args);

  /**
   * Refuses to block for the call named {@code call} when the current thread is an RPC I/O thread,
   * which may be the very thread that must complete the call: the wait would deadlock. A blocking
   * method of a proxy, or {@link #invoke}, checks this itself; a layer that {@link #start starts}
   * attempts and then waits for them must call it before waiting (and cancel its attempts if it
   * throws). Does nothing on any other thread.
   *
   * @param call the call waited for, named in the message
   * @throws RpcException {@link Status#INTERNAL} on an RPC I/O thread, saying what to do instead
   */
  static void checkMayBlock(String call) {
    ClientInvoker.checkMayBlock(call);
  }
}
