package io.ringmesh.rpc.internal.codec;

import io.netty.buffer.ByteBuf;
import org.jspecify.annotations.Nullable;

/**
 * The encoders and decoders of one method: its arguments (request payload) and its result (response
 * payload). A payload is a whole buffer's readable bytes. Thread-safe.
 */
public interface MethodCodec {
  /**
   * Writes {@code args} (one per parameter) to {@code out}.
   *
   * @throws IllegalArgumentException if a value cannot be encoded (a null collection element)
   */
  void encodeArguments(@Nullable Object[] args, ByteBuf out);

  /**
   * Reads all readable bytes of {@code in} as arguments.
   *
   * @throws CodecException if the bytes are not a valid encoding of the declared parameters
   */
  @Nullable Object[] decodeArguments(ByteBuf in);

  /**
   * A cheap estimate of the encoded size of {@code args}, to size the buffer once instead of
   * growing (and copying) it; exact for byte arrays, close for ASCII strings.
   */
  int estimateArgumentsSize(@Nullable Object[] args);

  /** A cheap estimate of the encoded size of {@code result}; see {@link #estimateArgumentsSize}. */
  int estimateResultSize(@Nullable Object result);

  /** Writes the method's result ({@code null} for void). */
  void encodeResult(@Nullable Object result, ByteBuf out);

  /** Reads all readable bytes of {@code in} as the result. */
  @Nullable Object decodeResult(ByteBuf in);
}
