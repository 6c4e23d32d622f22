package io.ringmesh.rpc.internal.codec;

import io.netty.buffer.ByteBuf;
import org.jspecify.annotations.Nullable;

/**
 * A sequence of tagged fields: a record's components, or a method's parameters. Field {@code i}
 * (from 1, in declaration order) is written as {@code varint(i << 3 | wireType)} followed by its
 * value; a null value is not written at all. A reader takes fields in any order, skips numbers it
 * does not know (a newer peer added them) and gives absent ones their default (an older peer did
 * not have them). This is what lets a record gain a component without breaking old peers, as long
 * as components are only ever added at the end.
 */
final class Fields {
  private final String owner;
  private final String[] names;
  private final ValueCodec[] codecs;
  private final @Nullable Object[] absent;
  private final int[] tags;

  Fields(String owner, String[] names, int count) {
    this.owner = owner;
    this.names = names;
    this.codecs = new ValueCodec[count];
    this.absent = new Object[count];
    this.tags = new int[count];
  }

  /** Sets field {@code i}'s codec; called while the schema is built. */
  void set(int i, ValueCodec codec) {
    codecs[i] = codec;
    absent[i] = codec.absent();
    tags[i] = (i + 1) << 3 | codec.wireType();
  }

  int size() {
    return codecs.length;
  }

  void write(@Nullable Object[] values, ByteBuf out) {
    for (int i = 0; i < codecs.length; i++) {
      Object v = values[i];
      if (v != null) {
        Wire.writeVarint(out, tags[i]);
        codecs[i].write(v, out);
      }
    }
  }

  /** Writes field {@code i} alone, for a single non-null value. */
  void writeOne(int i, Object value, ByteBuf out) {
    Wire.writeVarint(out, tags[i]);
    codecs[i].write(value, out);
  }

  /** Reads fields until {@code end}; nested values are read at {@code depth + 1}. */
  @Nullable Object[] read(ByteBuf in, int end, int depth) {
    @Nullable Object[] values = absent.clone();
    while (in.readerIndex() < end) {
      int tag = Wire.readVarint(in);
      int field = tag >>> 3;
      int wireType = tag & 7;
      if (field >= 1 && field <= codecs.length) {
        ValueCodec c = codecs[field - 1];
        if (c.wireType() != wireType) {
          throw new CodecException(
              owner
                  + "."
                  + names[field - 1]
                  + " (field "
                  + field
                  + ", "
                  + c.typeName()
                  + ") arrived as "
                  + Wire.wireTypeName(wireType)
                  + ", expected "
                  + Wire.wireTypeName(c.wireType())
                  + "; did its type change?");
        }
        values[field - 1] = c.read(in, depth + 1);
      } else if (field == 0) {
        throw new CodecException(owner + " has a field numbered 0, which is invalid");
      } else {
        Wire.skip(in, wireType, field);
      }
    }
    if (in.readerIndex() != end) {
      throw new CodecException(owner + " content overruns its declared length");
    }
    return values;
  }
}
