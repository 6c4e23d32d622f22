package io.ringmesh.rpc.internal.codec;

import io.netty.buffer.ByteBuf;
import org.jspecify.annotations.Nullable;

/**
 * Encodes and decodes values of one declared type, without a tag: the enclosing record or
 * collection knows the type from the schema, so nothing on the wire names a class. Thread-safe and
 * immutable once the schema is built.
 */
abstract class ValueCodec {
  private final int wireType;
  private final String typeName;

  ValueCodec(int wireType, String typeName) {
    this.wireType = wireType;
    this.typeName = typeName;
  }

  /** The wire type of this codec's encoding, which a record field's tag carries. */
  final int wireType() {
    return wireType;
  }

  /** The declared type, as written in Java, for messages. */
  final String typeName() {
    return typeName;
  }

  /** Writes a non-null value. */
  abstract void write(Object value, ByteBuf out);

  /**
   * Reads one value at {@code depth} (the nesting of the enclosing value).
   *
   * @throws CodecException if the bytes do not decode as this type
   */
  abstract Object read(ByteBuf in, int depth);

  /**
   * The value of an absent field: zero for primitives, empty for collections and optionals, null
   * otherwise.
   */
  @Nullable Object absent() {
    return null;
  }

  static void checkDepth(int depth, String typeName) {
    if (depth > Wire.MAX_DEPTH) {
      throw new CodecException(
          "nesting deeper than "
              + Wire.MAX_DEPTH
              + " levels (at a "
              + typeName
              + "); the payload is refused");
    }
  }
}
