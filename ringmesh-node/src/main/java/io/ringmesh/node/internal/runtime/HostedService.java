package io.ringmesh.node.internal.runtime;

import io.ringmesh.rpc.RpcServer;
import io.ringmesh.rpc.RpcService;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A service implementation the node hosts, made from a class named in the node's config file (an
 * operator's file, never network input), with the {@code @RpcService} interfaces it serves.
 *
 * @param implementation the instance
 * @param interfaces every interface of it marked {@code @RpcService}, each served and registered
 * @param weight its weight in each service's ring
 */
public record HostedService(Object implementation, List<Class<?>> interfaces, double weight) {

  /** Instantiates {@code settings.className}; errors name the class and what to fix. */
  static HostedService create(NodeConfig.ServiceSettings settings, String nodeId) {
    String name = settings.className;
    Class<?> type;
    try {
      type = Class.forName(name, true, HostedService.class.getClassLoader());
    } catch (ClassNotFoundException | LinkageError e) {
      throw new NodeConfig.ConfigException(
          "services: class '" + name + "' is not on the class path (" + e + ")");
    }
    if (!Modifier.isPublic(type.getModifiers())
        || type.isInterface()
        || Modifier.isAbstract(type.getModifiers())) {
      throw new NodeConfig.ConfigException(
          "services: '" + name + "' must be a public, concrete class");
    }
    List<Class<?>> ifaces = new ArrayList<>();
    collect(type, ifaces);
    if (ifaces.isEmpty()) {
      throw new NodeConfig.ConfigException(
          "services: '" + name + "' implements no interface marked @RpcService; nothing to serve");
    }
    Map<String, String> s = new LinkedHashMap<>(settings.settings);
    s.put("node.id", nodeId);
    Object impl;
    try {
      Constructor<?> withSettings = find(type, Map.class);
      impl =
          withSettings != null
              ? withSettings.newInstance(Map.copyOf(s))
              : noArg(type).newInstance();
    } catch (InvocationTargetException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      throw new NodeConfig.ConfigException(
          "services: '" + name + "' failed to start: " + cause.getMessage());
    } catch (ReflectiveOperationException e) {
      throw new NodeConfig.ConfigException("services: cannot instantiate '" + name + "': " + e);
    }
    return new HostedService(impl, List.copyOf(ifaces), settings.weight);
  }

  /** Adds this service's interfaces to {@code server}. */
  void addTo(RpcServer.Builder server) {
    for (Class<?> iface : interfaces) {
      add(server, iface, implementation);
    }
  }

  @SuppressWarnings("unchecked")
  private static <T> void add(RpcServer.Builder server, Class<T> iface, Object impl) {
    server.service(iface, (T) impl);
  }

  private static void collect(Class<?> type, List<Class<?>> out) {
    for (Class<?> i : type.getInterfaces()) {
      if (i.isAnnotationPresent(RpcService.class) && !out.contains(i)) {
        out.add(i);
      }
      collect(i, out);
    }
    if (type.getSuperclass() != null) {
      collect(type.getSuperclass(), out);
    }
  }

  private static @Nullable Constructor<?> find(Class<?> type, Class<?> param) {
    try {
      return type.getConstructor(param);
    } catch (NoSuchMethodException e) {
      return null;
    }
  }

  private static Constructor<?> noArg(Class<?> type) {
    try {
      return type.getConstructor();
    } catch (NoSuchMethodException e) {
      throw new NodeConfig.ConfigException(
          "services: '"
              + type.getName()
              + "' needs a public constructor taking Map<String, String> settings, or none");
    }
  }
}
