package io.ringmesh.cluster.internal;

import io.ringmesh.cluster.Idempotent;
import io.ringmesh.cluster.RouteKey;
import java.lang.reflect.Method;
import java.lang.reflect.Parameter;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;

/**
 * How a client routes calls to one method: which argument is the key (if any), whether the method
 * is {@link Idempotent}, and whether it returns a {@code CompletableFuture}. Validated when the
 * proxy is created, so that a mistake fails at start-up naming the method. Immutable.
 *
 * @param method the interface method
 * @param keyIndex index of the {@link RouteKey} argument, or -1 for key-less calls
 * @param idempotent whether a call that may have run can move on to the next node
 * @param async whether the method returns {@code CompletableFuture}
 */
public record RoutedMethod(Method method, int keyIndex, boolean idempotent, boolean async) {

  private static final Set<Class<?>> KEY_TYPES =
      Set.of(
          byte[].class,
          UUID.class,
          int.class,
          long.class,
          short.class,
          byte.class,
          char.class,
          boolean.class,
          Integer.class,
          Long.class,
          Short.class,
          Byte.class,
          Character.class,
          Boolean.class);

  /**
   * Reads the annotations of {@code method}.
   *
   * @throws IllegalArgumentException if more than one parameter is a {@link RouteKey}, or the key's
   *     type has no stable encoding; the message names the method
   */
  public static RoutedMethod of(Method method) {
    Parameter[] params = method.getParameters();
    int keyIndex = -1;
    for (int i = 0; i < params.length; i++) {
      if (!params[i].isAnnotationPresent(RouteKey.class)) {
        continue;
      }
      if (keyIndex >= 0) {
        throw new IllegalArgumentException(
            describe(method)
                + " has more than one @RouteKey parameter (arguments "
                + keyIndex
                + " and "
                + i
                + "); a call is routed by one key, so mark only one");
      }
      Class<?> type = params[i].getType();
      if (!isKeyType(type)) {
        throw new IllegalArgumentException(
            describe(method)
                + " has a @RouteKey of type "
                + type.getName()
                + ", which has no stable encoding; use a CharSequence, byte[], UUID, enum or"
                + " primitive (derive a String key from the object)");
      }
      keyIndex = i;
    }
    return new RoutedMethod(
        method,
        keyIndex,
        method.isAnnotationPresent(Idempotent.class),
        CompletableFuture.class.isAssignableFrom(method.getReturnType()));
  }

  /** Whether values of {@code type} have a stable key encoding. */
  public static boolean isKeyType(Class<?> type) {
    return CharSequence.class.isAssignableFrom(type) || type.isEnum() || KEY_TYPES.contains(type);
  }

  /** {@code Iface.method} for messages. */
  public static String describe(Method method) {
    return method.getDeclaringClass().getName() + "." + method.getName();
  }

  /**
   * The bytes of the key argument in {@code args}, or null if the argument is null. Character keys
   * are UTF-8, enums their name, other types their {@code toString()} in UTF-8.
   */
  public byte @Nullable [] keyBytes(@Nullable Object[] args) {
    Object key = args == null ? null : args[keyIndex];
    return key == null ? null : encode(key);
  }

  /** The bytes a key of a {@linkplain #isKeyType usable type} is hashed as. */
  public static byte[] encode(Object key) {
    if (key instanceof byte[] bytes) {
      return bytes;
    }
    String text = key instanceof Enum<?> e ? e.name() : key.toString();
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
