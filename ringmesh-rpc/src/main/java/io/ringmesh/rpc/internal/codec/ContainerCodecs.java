package io.ringmesh.rpc.internal.codec;

import io.netty.buffer.ByteBuf;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Codecs of List, Set, Map and Optional. A collection is {@code LEN [varint count] [element]*};
 * elements carry no tags, since their type is fixed by the schema. A declared count larger than the
 * bytes left is refused before anything is allocated (every element takes at least a byte). Decoded
 * collections are unmodifiable; sets and maps keep the sender's order. Null elements, keys and
 * values are refused when encoding.
 */
final class ContainerCodecs {
  private ContainerCodecs() {}

  static final class ListCodec extends ValueCodec {
    private final ValueCodec element;
    private final boolean set;

    ListCodec(ValueCodec element, boolean set) {
      super(Wire.LEN, (set ? "Set<" : "List<") + element.typeName() + ">");
      this.element = element;
      this.set = set;
    }

    @Override
    void write(Object value, ByteBuf out) {
      Collection<?> c = (Collection<?>) value;
      int at = Wire.beginLen(out);
      Wire.writeVarint(out, c.size());
      for (Object e : c) {
        if (e == null) {
          throw new IllegalArgumentException("a " + typeName() + " contains null");
        }
        element.write(e, out);
      }
      Wire.endLen(out, at);
    }

    @Override
    Object read(ByteBuf in, int depth) {
      checkDepth(depth, typeName());
      int end = Wire.readLen(in, typeName());
      int count = readCount(in, end, typeName());
      Object[] items = new Object[count];
      for (int i = 0; i < count; i++) {
        items[i] = element.read(in, depth + 1);
      }
      checkEnd(in, end, typeName());
      if (set) {
        Set<Object> s = new LinkedHashSet<>(Math.max(16, count * 2));
        Collections.addAll(s, items);
        return Collections.unmodifiableSet(s);
      }
      return List.of(items);
    }

    @Override
    Object absent() {
      return set ? Set.of() : List.of();
    }
  }

  static final class MapCodec extends ValueCodec {
    private final ValueCodec key;
    private final ValueCodec value;

    MapCodec(ValueCodec key, ValueCodec value) {
      super(Wire.LEN, "Map<" + key.typeName() + ", " + value.typeName() + ">");
      this.key = key;
      this.value = value;
    }

    @Override
    void write(Object v, ByteBuf out) {
      Map<?, ?> m = (Map<?, ?>) v;
      int at = Wire.beginLen(out);
      Wire.writeVarint(out, m.size());
      for (Map.Entry<?, ?> e : m.entrySet()) {
        if (e.getKey() == null || e.getValue() == null) {
          throw new IllegalArgumentException("a " + typeName() + " contains a null key or value");
        }
        key.write(e.getKey(), out);
        value.write(e.getValue(), out);
      }
      Wire.endLen(out, at);
    }

    @Override
    Object read(ByteBuf in, int depth) {
      checkDepth(depth, typeName());
      int end = Wire.readLen(in, typeName());
      int count = readCount(in, end, typeName());
      Map<Object, Object> m = new LinkedHashMap<>(Math.max(16, count * 2));
      for (int i = 0; i < count; i++) {
        Object k = key.read(in, depth + 1);
        m.put(k, value.read(in, depth + 1));
      }
      checkEnd(in, end, typeName());
      return Collections.unmodifiableMap(m);
    }

    @Override
    Object absent() {
      return Map.of();
    }
  }

  /** {@code LEN [0]} for empty, {@code LEN [1] [value]} for present. */
  static final class OptionalCodec extends ValueCodec {
    private final ValueCodec element;

    OptionalCodec(ValueCodec element) {
      super(Wire.LEN, "Optional<" + element.typeName() + ">");
      this.element = element;
    }

    @Override
    void write(Object value, ByteBuf out) {
      Optional<?> o = (Optional<?>) value;
      int at = Wire.beginLen(out);
      if (o.isPresent()) {
        out.writeByte(1);
        element.write(o.get(), out);
      } else {
        out.writeByte(0);
      }
      Wire.endLen(out, at);
    }

    @Override
    Object read(ByteBuf in, int depth) {
      checkDepth(depth, typeName());
      int end = Wire.readLen(in, typeName());
      if (in.readerIndex() >= end) {
        throw new CodecException(typeName() + " has no presence byte");
      }
      int present = in.readByte();
      Optional<?> result;
      if (present == 0) {
        result = Optional.empty();
      } else if (present == 1) {
        result = Optional.of(element.read(in, depth + 1));
      } else {
        throw new CodecException(typeName() + " has presence byte " + present + ", not 0 or 1");
      }
      checkEnd(in, end, typeName());
      return result;
    }

    @Override
    @Nullable Object absent() {
      return Optional.empty();
    }
  }

  private static int readCount(ByteBuf in, int end, String typeName) {
    int count = Wire.readVarint(in);
    if (count < 0 || count > end - in.readerIndex()) {
      throw new CodecException(
          typeName
              + " declares "
              + Integer.toUnsignedString(count)
              + " elements but only "
              + (end - in.readerIndex())
              + " bytes remain");
    }
    return count;
  }

  static void checkEnd(ByteBuf in, int end, String typeName) {
    if (in.readerIndex() != end) {
      throw new CodecException(
          typeName
              + " content "
              + (in.readerIndex() > end ? "overruns" : "falls short of")
              + " its declared length");
    }
  }
}
