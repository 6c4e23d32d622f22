package io.ringmesh.rpc.internal.codec;

import io.netty.buffer.ByteBuf;

/** Wire types and the varint arithmetic of the tagged encoding. Stateless. */
final class Wire {
  /** A varint (zigzag for signed integers). */
  static final int VARINT = 0;

  /** Eight bytes, big-endian. */
  static final int FIXED64 = 1;

  /** A four-byte big-endian length, then that many bytes. */
  static final int LEN = 2;

  /** Four bytes, big-endian. */
  static final int FIXED32 = 5;

  /** The deepest nesting of records, collections and optionals a decoder accepts. */
  static final int MAX_DEPTH = 64;

  private Wire() {}

  static void writeVarint(ByteBuf out, int v) {
    while ((v & ~0x7F) != 0) {
      out.writeByte((v & 0x7F) | 0x80);
      v >>>= 7;
    }
    out.writeByte(v);
  }

  static void writeVarint64(ByteBuf out, long v) {
    while ((v & ~0x7FL) != 0) {
      out.writeByte((int) (v & 0x7F) | 0x80);
      v >>>= 7;
    }
    out.writeByte((int) v);
  }

  static int readVarint(ByteBuf in) {
    int result = 0;
    for (int shift = 0; shift < 35; shift += 7) {
      if (!in.isReadable()) {
        throw new CodecException("truncated varint at offset " + in.readerIndex());
      }
      int b = in.readByte();
      result |= (b & 0x7F) << shift;
      if ((b & 0x80) == 0) {
        return result;
      }
    }
    throw new CodecException("varint longer than 5 bytes for a 32-bit value");
  }

  static long readVarint64(ByteBuf in) {
    long result = 0;
    for (int shift = 0; shift < 70; shift += 7) {
      if (!in.isReadable()) {
        throw new CodecException("truncated varint at offset " + in.readerIndex());
      }
      int b = in.readByte();
      result |= (long) (b & 0x7F) << shift;
      if ((b & 0x80) == 0) {
        return result;
      }
    }
    throw new CodecException("varint longer than 10 bytes");
  }

  static int zigzag(int v) {
    return (v << 1) ^ (v >> 31);
  }

  static int unzigzag(int v) {
    return (v >>> 1) ^ -(v & 1);
  }

  static long zigzag64(long v) {
    return (v << 1) ^ (v >> 63);
  }

  static long unzigzag64(long v) {
    return (v >>> 1) ^ -(v & 1);
  }

  /** Reserves a LEN prefix and returns its index, for {@link #endLen}. */
  static int beginLen(ByteBuf out) {
    int at = out.writerIndex();
    out.writeInt(0);
    return at;
  }

  /** Fills in the LEN prefix reserved at {@code at}. */
  static void endLen(ByteBuf out, int at) {
    out.setInt(at, out.writerIndex() - at - 4);
  }

  /**
   * Reads a LEN prefix, checks it against the bytes present, and returns the index where the value
   * ends.
   */
  static int readLen(ByteBuf in, String what) {
    if (in.readableBytes() < 4) {
      throw new CodecException("truncated length of " + what + " at offset " + in.readerIndex());
    }
    int len = in.readInt();
    if (len < 0 || len > in.readableBytes()) {
      throw new CodecException(
          what
              + " declares "
              + len
              + " bytes but "
              + in.readableBytes()
              + " remain at offset "
              + in.readerIndex());
    }
    return in.readerIndex() + len;
  }

  /** Skips one value of wire type {@code wireType} (an unknown field from a newer peer). */
  static void skip(ByteBuf in, int wireType, int field) {
    switch (wireType) {
      case VARINT -> readVarint64(in);
      case FIXED64 -> skipBytes(in, 8, field);
      case FIXED32 -> skipBytes(in, 4, field);
      case LEN -> in.readerIndex(readLen(in, "unknown field " + field));
      default -> throw new CodecException("field " + field + " has unknown wire type " + wireType);
    }
  }

  private static void skipBytes(ByteBuf in, int n, int field) {
    if (in.readableBytes() < n) {
      throw new CodecException("truncated field " + field + " at offset " + in.readerIndex());
    }
    in.skipBytes(n);
  }

  static String wireTypeName(int wireType) {
    return switch (wireType) {
      case VARINT -> "varint";
      case FIXED64 -> "fixed64";
      case LEN -> "length-delimited";
      case FIXED32 -> "fixed32";
      default -> "unknown(" + wireType + ")";
    };
  }
}
