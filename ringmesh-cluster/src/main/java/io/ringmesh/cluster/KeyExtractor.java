package io.ringmesh.cluster;

import java.lang.reflect.Method;
import org.jspecify.annotations.Nullable;

/**
 * Derives the routing key of a call from its arguments, for methods that have no {@link RouteKey}
 * parameter: when the key is a field of an argument, say, or is made of several arguments. Given to
 * {@link ClusterClient#proxy(Class, io.ringmesh.rpc.CallOptions, KeyExtractor)}; a method's own
 * {@code @RouteKey} takes precedence.
 *
 * <p>The key may be of the types {@link RouteKey} allows (a {@code CharSequence}, {@code byte[]},
 * primitive box, {@code UUID} or enum constant), encoded the same way. Null routes the call without
 * a key (the less loaded of two random nodes). A key of another type, or an exception thrown here,
 * fails the call with {@code INVALID_ARGUMENT} naming the method.
 *
 * <p>Implementations must be thread-safe, fast and pure: called on the caller's thread for every
 * call, and every client must derive the same key from the same arguments.
 */
@FunctionalInterface
public interface KeyExtractor {
  /**
   * The routing key of a call of {@code method} with {@code args}, or null for none.
   *
   * @param method the interface method called
   * @param args its arguments (null for a method without parameters, as in a proxy)
   */
  @Nullable Object key(Method method, @Nullable Object @Nullable [] args);
}
