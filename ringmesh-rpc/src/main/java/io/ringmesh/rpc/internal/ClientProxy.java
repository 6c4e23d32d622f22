package io.ringmesh.rpc.internal;

import io.ringmesh.rpc.CallOptions;
import io.ringmesh.rpc.Endpoint;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import org.jspecify.annotations.Nullable;

/**
 * The invocation handler behind a client proxy: RPC methods become calls through the interface's
 * {@link ClientInvoker}; default methods run locally; {@code equals}, {@code hashCode} and {@code
 * toString} describe the proxy.
 *
 * <p>Immutable and thread-safe.
 */
final class ClientProxy implements InvocationHandler {
  private final ClientInvoker invoker;
  private final ServiceDescriptor service;
  private final Endpoint endpoint;
  private final CallOptions options;

  ClientProxy(ClientInvoker invoker, Endpoint endpoint, CallOptions options) {
    this.invoker = invoker;
    this.service = invoker.service();
    this.endpoint = endpoint;
    this.options = options;
  }

  @Override
  public @Nullable Object invoke(Object proxy, Method method, @Nullable Object[] args)
      throws Throwable {
    RpcMethod m = invoker.method(method);
    if (m == null) {
      return local(proxy, method, args);
    }
    return invoker.call(m, endpoint, options, args);
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
}
