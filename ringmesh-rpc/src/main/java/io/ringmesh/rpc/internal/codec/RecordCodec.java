package io.ringmesh.rpc.internal.codec;

import io.netty.buffer.ByteBuf;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Constructor;
import java.lang.reflect.RecordComponent;
import org.jspecify.annotations.Nullable;

/**
 * A record as {@code LEN [tagged fields]} (see {@link Fields}). Built in two steps so that a record
 * can contain itself (a tree): the codec is registered first, its fields filled in after.
 */
final class RecordCodec extends ValueCodec {
  private final Class<?> type;
  private final MethodHandle[] accessors;
  private final MethodHandle constructor;
  private final Fields fields;

  RecordCodec(Class<?> type) {
    super(Wire.LEN, type.getName());
    this.type = type;
    RecordComponent[] components = type.getRecordComponents();
    String[] names = new String[components.length];
    Class<?>[] types = new Class<?>[components.length];
    accessors = new MethodHandle[components.length];
    MethodHandles.Lookup lookup = MethodHandles.lookup();
    try {
      for (int i = 0; i < components.length; i++) {
        names[i] = components[i].getName();
        types[i] = components[i].getType();
        var accessor = components[i].getAccessor();
        accessor.setAccessible(true);
        accessors[i] =
            lookup.unreflect(accessor).asType(MethodType.methodType(Object.class, Object.class));
      }
      Constructor<?> canonical = type.getDeclaredConstructor(types);
      canonical.setAccessible(true);
      constructor =
          lookup
              .unreflectConstructor(canonical)
              .asSpreader(Object[].class, components.length)
              .asType(MethodType.methodType(Object.class, Object[].class));
    } catch (ReflectiveOperationException | RuntimeException e) {
      throw new IllegalArgumentException(
          "record " + type.getName() + " cannot be accessed by the codec: " + e, e);
    }
    this.fields = new Fields(type.getName(), names, components.length);
  }

  Fields fields() {
    return fields;
  }

  @Override
  void write(Object value, ByteBuf out) {
    int at = Wire.beginLen(out);
    @Nullable Object[] values = new Object[accessors.length];
    try {
      for (int i = 0; i < accessors.length; i++) {
        values[i] = (Object) accessors[i].invokeExact(value);
      }
    } catch (Throwable t) {
      throw new IllegalArgumentException(
          "reading the components of " + type.getName() + " failed: " + t, t);
    }
    fields.write(values, out);
    Wire.endLen(out, at);
  }

  @Override
  Object read(ByteBuf in, int depth) {
    checkDepth(depth, type.getName());
    int end = Wire.readLen(in, type.getName());
    @Nullable Object[] values = fields.read(in, end, depth);
    try {
      return (Object) constructor.invokeExact(values);
    } catch (RuntimeException e) {
      // The record's constructor rejected the values (its own validation): the payload is bad.
      throw new CodecException(
          type.getName() + "'s constructor refused the decoded values: " + e.getMessage());
    } catch (Throwable t) {
      throw new CodecException(type.getName() + "'s constructor failed: " + t);
    }
  }
}
