package io.ringmesh.rpc.internal;

import io.ringmesh.rpc.CallOptions;
import io.ringmesh.rpc.Endpoint;
import io.ringmesh.rpc.MethodInvoker;
import io.ringmesh.rpc.RpcException;
import io.ringmesh.rpc.Status;
import java.lang.reflect.Method;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.jspecify.annotations.Nullable;

/**
 * Calls one service interface's RPC methods on any endpoint: the method table is built once per
 * interface, so a call costs a map lookup and the call itself, with no proxy per endpoint or per
 * call. Client proxies and routing layers both call through it.
 *
 * <p>Immutable and thread-safe.
 */
public final class ClientInvoker implements MethodInvoker {
  private final NettyClient client;
  private final ServiceDescriptor service;
  private final Map<Method, RpcMethod> methods = new HashMap<>();

  ClientInvoker(NettyClient client, ServiceDescriptor service) {
    this.client = client;
    this.service = service;
    for (RpcMethod m : service.methods()) {
      methods.put(m.method(), m);
    }
  }

  ServiceDescriptor service() {
    return service;
  }

  /** The RPC method behind {@code method}, or null if it is not one. */
  @Nullable RpcMethod method(Method method) {
    return methods.get(method);
  }

  @Override
  public @Nullable Object invoke(
      Endpoint endpoint, CallOptions options, Method method, @Nullable Object @Nullable [] args) {
    RpcMethod m = methods.get(method);
    if (m == null) {
      throw new IllegalArgumentException(
          method + " is not an RPC method of " + service.iface().getName());
    }
    return call(m, endpoint, options, args);
  }

  @Override
  public CompletableFuture<@Nullable Object> start(
      Endpoint endpoint, CallOptions options, Method method, @Nullable Object @Nullable [] args) {
    RpcMethod m = methods.get(method);
    if (m == null) {
      throw new IllegalArgumentException(
          method + " is not an RPC method of " + service.iface().getName());
    }
    return client.call(m, endpoint, options, args);
  }

  @Nullable Object call(
      RpcMethod m, Endpoint endpoint, CallOptions options, @Nullable Object @Nullable [] args) {
    CallFuture future = client.call(m, endpoint, options, args);
    if (m.kind() == RpcMethod.Kind.ASYNC) {
      return future;
    }
    return await(m, future);
  }

  private @Nullable Object await(RpcMethod m, CallFuture future) {
    if (!future.isDone()) {
      try {
        checkMayBlock(m.fullName());
      } catch (RpcException e) {
        future.cancel(false);
        throw e;
      }
    }
    try {
      return future.get();
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RpcException re) {
        throw re.withCallerStackTrace();
      }
      throw new RpcException(Status.INTERNAL, m.fullName() + " failed: " + cause, cause);
    } catch (InterruptedException e) {
      future.cancel(true);
      Thread.currentThread().interrupt();
      throw RpcException.of(
          Status.CANCELLED,
          "interrupted while waiting for " + m.fullName() + "; the call was cancelled",
          null,
          false,
          false,
          e);
    }
  }

  /**
   * Refuses a blocking wait for {@code call} on an RPC I/O thread, which may be the very thread
   * that must complete it: the wait would deadlock. Virtual handler threads share the name prefix
   * but are not FastThreadLocalThreads, so they may block. Behind {@link
   * MethodInvoker#checkMayBlock}.
   */
  public static void checkMayBlock(String call) {
    if (io.netty.util.concurrent.FastThreadLocalThread.currentThreadHasFastThreadLocal()
        && Thread.currentThread().getName().startsWith("ringmesh-rpc-")) {
      throw new RpcException(
          Status.INTERNAL,
          "blocking call to "
              + call
              + " made on an RPC I/O thread ("
              + Thread.currentThread().getName()
              + "), which would deadlock; declare the method to return CompletableFuture,"
              + " or continue with thenApplyAsync/thenComposeAsync");
    }
  }
}
