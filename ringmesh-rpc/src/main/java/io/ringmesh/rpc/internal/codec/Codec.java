package io.ringmesh.rpc.internal.codec;

import java.lang.reflect.Method;

/**
 * Turns the arguments and results of service methods into bytes and back. A codec is chosen by the
 * server and announced in the handshake; a client that does not speak it does not connect.
 *
 * <p>Implementations must be thread-safe, and safe by construction: {@link #forMethod} decides,
 * from the method's signature alone, every type that can ever be decoded for it.
 */
public interface Codec {
  /** The id announced in the server's handshake, 1 to 255. */
  int id();

  /** A short name for messages, e.g. {@code tagged-v1}. */
  String name();

  /**
   * Prepares the encoders and decoders of {@code method}'s arguments and result.
   *
   * @throws IllegalArgumentException if a parameter or the result has a type this codec cannot
   *     carry, naming the method, the position and the type
   */
  MethodCodec forMethod(Method method);
}
