package io.ringmesh.rpc.internal;

import io.ringmesh.rpc.RpcService;
import io.ringmesh.rpc.internal.codec.Codec;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The RPC methods of one service interface, validated: every abstract method is an RPC method;
 * default and static methods stay local. Immutable and thread-safe.
 *
 * @param iface the interface
 * @param methods its RPC methods, sorted by name
 */
public record ServiceDescriptor(Class<?> iface, List<RpcMethod> methods) {

  /**
   * Describes {@code iface}, preparing every method's codec.
   *
   * @throws IllegalArgumentException naming the interface, method and type when {@code iface} is
   *     not a valid service interface
   */
  public static ServiceDescriptor of(Class<?> iface, Codec codec) {
    if (!iface.isInterface()) {
      throw new IllegalArgumentException(
          iface.getName() + " is not an interface; services are declared as interfaces");
    }
    if (iface.getTypeParameters().length > 0) {
      throw new IllegalArgumentException(
          "service interface " + iface.getName() + " is generic; declare concrete types");
    }
    Map<String, Method> byName = new HashMap<>();
    List<Method> rpc = new ArrayList<>();
    for (Method m : iface.getMethods()) {
      if (!Modifier.isAbstract(m.getModifiers()) || isObjectMethod(m)) {
        continue;
      }
      Method clash = byName.putIfAbsent(m.getName(), m);
      if (clash != null) {
        throw new IllegalArgumentException(
            "service "
                + iface.getName()
                + " overloads method "
                + m.getName()
                + "; RPC methods are identified by name, so give each overload its own name");
      }
      if (m.getTypeParameters().length > 0) {
        throw new IllegalArgumentException(
            "method "
                + iface.getName()
                + "."
                + m.getName()
                + " is generic; declare concrete types");
      }
      rpc.add(m);
    }
    if (rpc.isEmpty()) {
      throw new IllegalArgumentException(
          "service interface " + iface.getName() + " declares no abstract methods to call");
    }
    rpc.sort(Comparator.comparing(Method::getName));
    String serviceName = serviceName(iface);
    List<RpcMethod> methods = new ArrayList<>();
    for (Method m : rpc) {
      m.setAccessible(true);
      String fullName = serviceName + "/" + m.getName();
      methods.add(
          new RpcMethod(
              RpcMethod.idOf(fullName), fullName, m, RpcMethod.kindOf(m), codec.forMethod(m)));
    }
    return new ServiceDescriptor(iface, List.copyOf(methods));
  }

  /** The name of the service on the wire: {@link RpcService#value()} or the binary name. */
  public static String serviceName(Class<?> iface) {
    RpcService named = iface.getAnnotation(RpcService.class);
    if (named == null) {
      return iface.getName();
    }
    if (named.value().isBlank() || named.value().indexOf('/') >= 0) {
      throw new IllegalArgumentException(
          "@RpcService(\""
              + named.value()
              + "\") on "
              + iface.getName()
              + " is not a valid service name: it must be non-blank and contain no '/'");
    }
    return named.value();
  }

  private static boolean isObjectMethod(Method m) {
    try {
      Object.class.getMethod(m.getName(), m.getParameterTypes());
      return true;
    } catch (NoSuchMethodException e) {
      return false;
    }
  }

  @Override
  public String toString() {
    return iface.getName() + Arrays.toString(methods.stream().map(RpcMethod::id).toArray());
  }
}
