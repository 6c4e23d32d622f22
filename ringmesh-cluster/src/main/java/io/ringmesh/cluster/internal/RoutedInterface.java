package io.ringmesh.cluster.internal;

import io.ringmesh.rpc.Endpoint;
import io.ringmesh.rpc.MethodInvoker;
import io.ringmesh.rpc.RpcClient;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.HashMap;
import java.util.Map;

/**
 * What every routed proxy of one service interface shares: the interface as checked by the RPC
 * layer, its methods' routing (key argument, idempotence) and the RPC invoker of its methods.
 * Reading them takes reflection over every method and parameter, microseconds that a proxy made per
 * request (the JSON gateway's {@code ?key=}, {@code proxyForKey}) should not pay each time.
 * Immutable.
 *
 * @param iface the service interface
 * @param invoker calls its methods on any endpoint
 * @param methods its RPC methods (neither default nor static) and their routing
 */
public record RoutedInterface(
    Class<?> iface, MethodInvoker invoker, Map<Method, RoutedMethod> methods) {

  /**
   * Reads {@code iface}.
   *
   * @throws IllegalArgumentException if it is not a valid service interface, or a method has more
   *     than one route key or a key of an unusable type; the message names the method
   */
  public static RoutedInterface of(Class<?> iface, RpcClient rpc) {
    // Validates the interface as the RPC layer sees it (types, overloads); connects nowhere.
    rpc.proxy(iface, Endpoint.of("127.0.0.1", 1));
    Map<Method, RoutedMethod> m = new HashMap<>();
    for (Method method : iface.getMethods()) {
      if (!method.isDefault() && !Modifier.isStatic(method.getModifiers())) {
        m.put(method, RoutedMethod.of(method));
      }
    }
    return new RoutedInterface(iface, rpc.invoker(iface), Map.copyOf(m));
  }
}
