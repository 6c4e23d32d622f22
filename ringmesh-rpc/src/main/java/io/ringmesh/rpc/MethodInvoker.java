package io.ringmesh.rpc;

import java.lang.reflect.Method;
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
}
