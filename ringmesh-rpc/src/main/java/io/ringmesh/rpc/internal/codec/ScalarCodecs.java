package io.ringmesh.rpc.internal.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * Codecs of the leaf types: primitives and their boxes, String, byte[], UUID, Instant, Duration,
 * BigDecimal, BigInteger and enums. Stateless apart from an enum's constant table.
 */
final class ScalarCodecs {
  private ScalarCodecs() {}

  /** The codec of a leaf type, or null if {@code type} is not one. */
  static @Nullable ValueCodec forClass(Class<?> type) {
    if (type == boolean.class) {
      return BOOLEAN_PRIMITIVE;
    } else if (type == Boolean.class) {
      return BOOLEAN;
    } else if (type == byte.class || type == Byte.class) {
      return new IntCodec(type, Byte.MIN_VALUE, Byte.MAX_VALUE, true);
    } else if (type == short.class || type == Short.class) {
      return new IntCodec(type, Short.MIN_VALUE, Short.MAX_VALUE, true);
    } else if (type == char.class || type == Character.class) {
      return new IntCodec(type, Character.MIN_VALUE, Character.MAX_VALUE, false);
    } else if (type == int.class || type == Integer.class) {
      return new IntCodec(type, Integer.MIN_VALUE, Integer.MAX_VALUE, true);
    } else if (type == long.class || type == Long.class) {
      return new LongCodec(type);
    } else if (type == float.class || type == Float.class) {
      return new FloatCodec(type);
    } else if (type == double.class || type == Double.class) {
      return new DoubleCodec(type);
    } else if (type == String.class) {
      return STRING;
    } else if (type == byte[].class) {
      return BYTES;
    } else if (type == UUID.class) {
      return UUID_CODEC;
    } else if (type == Instant.class) {
      return INSTANT;
    } else if (type == Duration.class) {
      return DURATION;
    } else if (type == BigDecimal.class) {
      return BIG_DECIMAL;
    } else if (type == BigInteger.class) {
      return BIG_INTEGER;
    } else if (type.isEnum()) {
      return new EnumCodec(type);
    }
    return null;
  }

  private static final ValueCodec BOOLEAN = new BooleanCodec("Boolean", null);
  private static final ValueCodec BOOLEAN_PRIMITIVE = new BooleanCodec("boolean", Boolean.FALSE);

  private static final class BooleanCodec extends ValueCodec {
    private final @Nullable Boolean absent;

    BooleanCodec(String name, @Nullable Boolean absent) {
      super(Wire.VARINT, name);
      this.absent = absent;
    }

    @Override
    void write(Object value, ByteBuf out) {
      out.writeByte((Boolean) value ? 1 : 0);
    }

    @Override
    Object read(ByteBuf in, int depth) {
      int v = Wire.readVarint(in);
      if (v != 0 && v != 1) {
        throw new CodecException("boolean encoded as " + v + "; only 0 and 1 are valid");
      }
      return v == 1;
    }

    @Override
    @Nullable Object absent() {
      return absent;
    }
  }

  /** byte, short, char and int as zigzag (or, for char, plain) varints, range-checked. */
  private static final class IntCodec extends ValueCodec {
    private final Class<?> type;
    private final int min;
    private final int max;
    private final boolean signed;

    IntCodec(Class<?> type, int min, int max, boolean signed) {
      super(Wire.VARINT, type.getSimpleName());
      this.type = type;
      this.min = min;
      this.max = max;
      this.signed = signed;
    }

    @Override
    void write(Object value, ByteBuf out) {
      int v =
          switch (value) {
            case Integer i -> i;
            case Byte b -> b;
            case Short s -> s;
            case Character c -> c;
            default -> throw new IllegalArgumentException("not a " + typeName() + ": " + value);
          };
      Wire.writeVarint(out, signed ? Wire.zigzag(v) : v);
    }

    @Override
    Object read(ByteBuf in, int depth) {
      int raw = Wire.readVarint(in);
      int v = signed ? Wire.unzigzag(raw) : raw;
      if (v < min || v > max) {
        throw new CodecException(v + " is out of range for " + typeName());
      }
      return box(v);
    }

    private Object box(int v) {
      if (type == int.class || type == Integer.class) {
        return v;
      } else if (type == byte.class || type == Byte.class) {
        return (byte) v;
      } else if (type == short.class || type == Short.class) {
        return (short) v;
      }
      return (char) v;
    }

    @Override
    @Nullable Object absent() {
      return type.isPrimitive() ? box(0) : null;
    }
  }

  private static final class LongCodec extends ValueCodec {
    private final boolean primitive;

    LongCodec(Class<?> type) {
      super(Wire.VARINT, type.getSimpleName());
      this.primitive = type.isPrimitive();
    }

    @Override
    void write(Object value, ByteBuf out) {
      Wire.writeVarint64(out, Wire.zigzag64((Long) value));
    }

    @Override
    Object read(ByteBuf in, int depth) {
      return Wire.unzigzag64(Wire.readVarint64(in));
    }

    @Override
    @Nullable Object absent() {
      return primitive ? 0L : null;
    }
  }

  private static final class FloatCodec extends ValueCodec {
    private final boolean primitive;

    FloatCodec(Class<?> type) {
      super(Wire.FIXED32, type.getSimpleName());
      this.primitive = type.isPrimitive();
    }

    @Override
    void write(Object value, ByteBuf out) {
      out.writeFloat((Float) value);
    }

    @Override
    Object read(ByteBuf in, int depth) {
      if (in.readableBytes() < 4) {
        throw new CodecException("truncated float at offset " + in.readerIndex());
      }
      return in.readFloat();
    }

    @Override
    @Nullable Object absent() {
      return primitive ? 0f : null;
    }
  }

  private static final class DoubleCodec extends ValueCodec {
    private final boolean primitive;

    DoubleCodec(Class<?> type) {
      super(Wire.FIXED64, type.getSimpleName());
      this.primitive = type.isPrimitive();
    }

    @Override
    void write(Object value, ByteBuf out) {
      out.writeDouble((Double) value);
    }

    @Override
    Object read(ByteBuf in, int depth) {
      if (in.readableBytes() < 8) {
        throw new CodecException("truncated double at offset " + in.readerIndex());
      }
      return in.readDouble();
    }

    @Override
    @Nullable Object absent() {
      return primitive ? 0d : null;
    }
  }

  private static final ValueCodec STRING =
      new ValueCodec(Wire.LEN, "String") {
        @Override
        void write(Object value, ByteBuf out) {
          int at = Wire.beginLen(out);
          ByteBufUtil.writeUtf8(out, (String) value);
          Wire.endLen(out, at);
        }

        @Override
        Object read(ByteBuf in, int depth) {
          int end = Wire.readLen(in, "String");
          int start = in.readerIndex();
          String s = in.toString(start, end - start, StandardCharsets.UTF_8);
          in.readerIndex(end);
          return s;
        }
      };

  private static final ValueCodec BYTES =
      new ValueCodec(Wire.LEN, "byte[]") {
        @Override
        void write(Object value, ByteBuf out) {
          byte[] b = (byte[]) value;
          out.writeInt(b.length);
          out.writeBytes(b);
        }

        @Override
        Object read(ByteBuf in, int depth) {
          int end = Wire.readLen(in, "byte[]");
          byte[] b = new byte[end - in.readerIndex()];
          in.readBytes(b);
          return b;
        }
      };

  private static final ValueCodec UUID_CODEC =
      new ValueCodec(Wire.LEN, "UUID") {
        @Override
        void write(Object value, ByteBuf out) {
          UUID u = (UUID) value;
          out.writeInt(16);
          out.writeLong(u.getMostSignificantBits());
          out.writeLong(u.getLeastSignificantBits());
        }

        @Override
        Object read(ByteBuf in, int depth) {
          int end = Wire.readLen(in, "UUID");
          if (end - in.readerIndex() != 16) {
            throw new CodecException(
                "UUID has " + (end - in.readerIndex()) + " bytes; it must have 16");
          }
          return new UUID(in.readLong(), in.readLong());
        }
      };

  private static final ValueCodec INSTANT =
      new ValueCodec(Wire.LEN, "Instant") {
        @Override
        void write(Object value, ByteBuf out) {
          Instant t = (Instant) value;
          writeSecondsNanos(out, t.getEpochSecond(), t.getNano());
        }

        @Override
        Object read(ByteBuf in, int depth) {
          int end = Wire.readLen(in, "Instant");
          long seconds = Wire.unzigzag64(Wire.readVarint64(in));
          int nanos = readNanos(in, end, "Instant");
          try {
            return Instant.ofEpochSecond(seconds, nanos);
          } catch (java.time.DateTimeException e) {
            throw new CodecException("Instant out of range: " + e.getMessage());
          }
        }
      };

  private static final ValueCodec DURATION =
      new ValueCodec(Wire.LEN, "Duration") {
        @Override
        void write(Object value, ByteBuf out) {
          Duration d = (Duration) value;
          writeSecondsNanos(out, d.getSeconds(), d.getNano());
        }

        @Override
        Object read(ByteBuf in, int depth) {
          int end = Wire.readLen(in, "Duration");
          long seconds = Wire.unzigzag64(Wire.readVarint64(in));
          return Duration.ofSeconds(seconds, readNanos(in, end, "Duration"));
        }
      };

  private static void writeSecondsNanos(ByteBuf out, long seconds, int nanos) {
    int at = Wire.beginLen(out);
    Wire.writeVarint64(out, Wire.zigzag64(seconds));
    Wire.writeVarint(out, nanos);
    Wire.endLen(out, at);
  }

  private static int readNanos(ByteBuf in, int end, String what) {
    int nanos = Wire.readVarint(in);
    if (nanos < 0 || nanos > 999_999_999) {
      throw new CodecException(what + " has nanoseconds " + nanos + " outside 0..999999999");
    }
    if (in.readerIndex() != end) {
      throw new CodecException(what + " has a length that does not match its content");
    }
    return nanos;
  }

  private static final ValueCodec BIG_DECIMAL =
      new ValueCodec(Wire.LEN, "BigDecimal") {
        @Override
        void write(Object value, ByteBuf out) {
          BigDecimal d = (BigDecimal) value;
          int at = Wire.beginLen(out);
          Wire.writeVarint(out, Wire.zigzag(d.scale()));
          out.writeBytes(d.unscaledValue().toByteArray());
          Wire.endLen(out, at);
        }

        @Override
        Object read(ByteBuf in, int depth) {
          int end = Wire.readLen(in, "BigDecimal");
          int scale = Wire.unzigzag(Wire.readVarint(in));
          return new BigDecimal(readBigInteger(in, end, "BigDecimal"), scale);
        }
      };

  private static final ValueCodec BIG_INTEGER =
      new ValueCodec(Wire.LEN, "BigInteger") {
        @Override
        void write(Object value, ByteBuf out) {
          byte[] b = ((BigInteger) value).toByteArray();
          out.writeInt(b.length);
          out.writeBytes(b);
        }

        @Override
        Object read(ByteBuf in, int depth) {
          return readBigInteger(in, Wire.readLen(in, "BigInteger"), "BigInteger");
        }
      };

  private static BigInteger readBigInteger(ByteBuf in, int end, String what) {
    int n = end - in.readerIndex();
    if (n <= 0) {
      throw new CodecException(what + " has no magnitude bytes");
    }
    byte[] b = new byte[n];
    in.readBytes(b);
    return new BigInteger(b);
  }

  /** An enum by constant name, so that reordering constants is compatible; unknown names fail. */
  private static final class EnumCodec extends ValueCodec {
    private final Map<String, Object> byName = new HashMap<>();

    EnumCodec(Class<?> type) {
      super(Wire.LEN, type.getName());
      for (Object c : type.getEnumConstants()) {
        byName.put(((Enum<?>) c).name(), c);
      }
    }

    @Override
    void write(Object value, ByteBuf out) {
      STRING.write(((Enum<?>) value).name(), out);
    }

    @Override
    Object read(ByteBuf in, int depth) {
      String name = (String) STRING.read(in, depth);
      Object c = byName.get(name);
      if (c == null) {
        throw new CodecException(
            "'" + name + "' is not a constant of enum " + typeName() + " in this version");
      }
      return c;
    }
  }
}
