package io.ringmesh.rpc.internal;

import io.ringmesh.rpc.internal.codec.MethodCodec;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletionStage;

/**
 * One method of a service interface, as both sides see it: its wire id, its name, how it returns,
 * and its codec. Immutable and thread-safe.
 *
 * @param id the method id on the wire: FNV-1a 32 of {@code fullName} in UTF-8
 * @param fullName {@code service/method}, the service being the interface's binary name
 * @param method the interface method
 * @param kind how the method returns
 * @param codec its arguments' and result's codec
 */
public record RpcMethod(int id, String fullName, Method method, Kind kind, MethodCodec codec) {
  /*
   * Methods are named, not numbered by position, so that adding a method to an interface changes no
   * other method's id; a hash keeps the name off the wire. Both sides compute it independently; a
   * collision between two methods of one server is refused at registration (with 32 bits and
   * tens of methods the odds are below 1e-6, and the failure is loud, not silent).
   */

  /** How a method returns: blocking, with a future, or nothing. */
  public enum Kind {
    /** Returns the value; a caller blocks. */
    BLOCKING,
    /** Returns a {@code CompletableFuture} or {@code CompletionStage}. */
    ASYNC,
    /** Returns nothing; a caller still waits for the server's acknowledgement or error. */
    VOID
  }

  static Kind kindOf(Method m) {
    Class<?> r = m.getReturnType();
    if (r == void.class) {
      return Kind.VOID;
    }
    return CompletionStage.class.isAssignableFrom(r) ? Kind.ASYNC : Kind.BLOCKING;
  }

  /** FNV-1a, 32 bits, of the UTF-8 bytes of {@code name}. */
  static int idOf(String name) {
    int h = 0x811C9DC5;
    for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
      h ^= b & 0xFF;
      h *= 0x01000193;
    }
    return h;
  }

  @Override
  public String toString() {
    return fullName;
  }
}
