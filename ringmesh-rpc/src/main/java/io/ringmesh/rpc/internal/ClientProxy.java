package io.ringmesh.rpc.internal;

import io.ringmesh.rpc.CallOptions;
import io.ringmesh.rpc.Endpoint;
import io.ringmesh.rpc.RpcException;
import io.ringmesh.rpc.Status;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.jspecify.annotations.Nullable;

/**
 * The invocation handler behind a client proxy: RPC methods become calls; default methods run
 * locally; {@code equals}, {@code hashCode} and {@code toString} describe the proxy.
 *
 * <p>Immutable and thread-safe.
 */
final class ClientProxy implements InvocationHandler {
  private final NettyClient client;
  private final ServiceDescriptor service;
  private final Endpoint endpoint;
  private final CallOptions options;
  private final Map<Method, RpcMethod> methods = new HashMap<>();

  ClientProxy(
      NettyClient client, ServiceDescriptor service, Endpoint endpoint, CallOptions options) {
    this.client = client;
    this.service = service;
    this.endpoint = endpoint;
    this.options = options;
    for (RpcMethod m : service.methods()) {
      methods.put(m.method(), m);
    }
  }

  @Override
  public @Nullable Object invoke(Object proxy, Method method, @Nullable Object[] args)
      throws Throwable {
    RpcMethod m = methods.get(method);
    if (m == null) {
      return local(proxy, method, args);
    }
    CallFuture future = client.call(m, endpoint, options, args);
    if (m.kind() == RpcMethod.Kind.ASYNC) {
      return future;
    }
    return await(m, future);
  }

  private @Nullable Object await(RpcMethod m, CallFuture future) {
    if (!future.isDone()) {
      PendingCallCheck.notOnEventLoop(m, future);
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

  private @Nullable Object local(Object proxy, Method method, @Nullable Object[] args)
      throws Throwable {
    if (method.getDeclaringClass() == Object.class) {
      return switch (method.getName()) {
        case "equals" -> args != null && proxy == args[0];
        case "hashCode" -> System.identityHashCode(proxy);
        case "toString" -> "RpcProxy[" + service.iface().getName() + " -> " + endpoint + "]";
        default -> throw new UnsupportedOperationException(method.toString());
      };
    }
    if (method.isDefault()) {
      try {
        return InvocationHandler.invokeDefault(proxy, method, args);
      } catch (IllegalAccessException e) {
        throw new UnsupportedOperationException(
            "default method "
                + method.getName()
                + " of "
                + service.iface().getName()
                + " cannot run in the proxy: the interface is not public (make it public to use"
                + " default methods)",
            e);
      }
    }
    throw new UnsupportedOperationException(
        method + " is not an RPC method of " + service.iface().getName());
  }

  /** Refuses a blocking wait on the event loop that would complete the call. */
  private static final class PendingCallCheck {
    private PendingCallCheck() {}

    static void notOnEventLoop(RpcMethod m, CallFuture future) {
      if (io.netty.util.concurrent.FastThreadLocalThread.currentThreadHasFastThreadLocal()
          && Thread.currentThread().getName().startsWith("ringmesh-rpc-")) {
        future.cancel(false);
        throw new RpcException(
            Status.INTERNAL,
            "blocking call to "
                + m.fullName()
                + " made on an RPC I/O thread ("
                + Thread.currentThread().getName()
                + "), which would deadlock; declare the method to return CompletableFuture,"
                + " or continue with thenApplyAsync/thenComposeAsync");
      }
    }
  }
}
