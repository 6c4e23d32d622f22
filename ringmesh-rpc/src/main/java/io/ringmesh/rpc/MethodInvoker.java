package io.ringmesh.rpc;

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
}
