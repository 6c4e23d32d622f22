package io.ringmesh.rpc.internal.codec;

import io.netty.buffer.ByteBuf;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.Method;
import java.lang.reflect.Parameter;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.lang.reflect.WildcardType;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;

/**
 * The tagged record codec (codec id 1, {@code tagged-v1}): a schema built from the method
 * signatures, and a compact tagged encoding that old and new versions of a record can read.
 *
 * <p>Thread-safe: schemas are built under a lock at registration; encoding and decoding share only
 * immutable codecs.
 */
public final class TaggedCodec implements Codec {
  /*
   * Why our own codec (docs/decisions/0003-rpc-codec.md has the measurements):
   *
   * Safety by construction. The set of classes a decoder can instantiate is the closure of the
   * registered methods' parameter and return types, computed here once. The bytes never name a
   * class: a record field is a number whose type the schema fixes, a collection's elements have
   * the declared element type. There is no class resolver to misconfigure and no fallback to
   * reflection on an arbitrary class, which is how Java serialization, Hessian (Dubbo
   * CVE-2020-1948) and unregistered Kryo (kryo#398) were exploited.
   *
   * Bounded work per byte. Every length and count is checked against the bytes actually present
   * before anything is allocated, so a 20-byte payload cannot ask for a 2 GiB array; nesting is
   * capped at Wire.MAX_DEPTH, so a deep payload cannot exhaust the stack.
   *
   * Evolution. Fields are numbered by component position and tagged with a wire type, as in
   * protocol buffers, so a reader skips numbers it does not know and defaults the ones it lacks.
   * The rule for users: add record components at the end, never remove or reorder them, never
   * change a component's type. Enums travel by constant name, so adding or reordering constants is
   * compatible; a constant unknown to the reader fails the call with INVALID_ARGUMENT.
   */

  /** The id announced in the handshake. */
  public static final int ID = 1;

  private final Map<Class<?>, RecordCodec> records = new HashMap<>();

  @Override
  public int id() {
    return ID;
  }

  @Override
  public String name() {
    return "tagged-v1";
  }

  @Override
  public synchronized MethodCodec forMethod(Method method) {
    String where = method.getDeclaringClass().getName() + "." + method.getName();
    Parameter[] params = method.getParameters();
    Type[] types = method.getGenericParameterTypes();
    String[] names = new String[params.length];
    for (int i = 0; i < params.length; i++) {
      names[i] = params[i].getName();
    }
    Fields arguments = new Fields("arguments of " + where, names, params.length);
    for (int i = 0; i < params.length; i++) {
      arguments.set(
          i, resolve(types[i], "method " + where + ", parameter " + i + " (" + names[i] + ")"));
    }
    Type result = resultType(method.getGenericReturnType(), where);
    Fields results = new Fields("result of " + where, new String[] {"result"}, 1);
    boolean isVoid = result == void.class || result == Void.class;
    if (!isVoid) {
      results.set(0, resolve(result, "method " + where + ", return type"));
    }
    return new TaggedMethodCodec(arguments, isVoid ? null : results);
  }

  /** The payload type of a return type: T for T and CompletableFuture/CompletionStage of T. */
  static Type resultType(Type returnType, String where) {
    if (returnType instanceof ParameterizedType p
        && (p.getRawType() == CompletableFuture.class || p.getRawType() == CompletionStage.class)) {
      return p.getActualTypeArguments()[0];
    }
    if (returnType == CompletableFuture.class || returnType == CompletionStage.class) {
      throw new IllegalArgumentException(
          "method "
              + where
              + " returns a raw "
              + ((Class<?>) returnType).getSimpleName()
              + "; give its type argument, e.g. CompletableFuture<String>");
    }
    return returnType;
  }

  private ValueCodec resolve(Type type, String where) {
    if (type instanceof Class<?> c) {
      if (c == void.class || c == Void.class) {
        throw unsupported(type, where, "void is only valid as a return type");
      }
      ValueCodec scalar = ScalarCodecs.forClass(c);
      if (scalar != null) {
        return scalar;
      }
      if (c.isRecord()) {
        if (c.getTypeParameters().length > 0) {
          throw unsupported(type, where, "a generic record needs concrete types");
        }
        return record(c, where);
      }
      if (c == List.class || c == Set.class || c == Map.class || c == Optional.class) {
        throw unsupported(type, where, "a raw " + c.getSimpleName() + " needs type arguments");
      }
      throw unsupported(type, where, null);
    }
    if (type instanceof ParameterizedType p) {
      Type raw = p.getRawType();
      Type[] args = p.getActualTypeArguments();
      if (raw == List.class || raw == Set.class) {
        return new ContainerCodecs.ListCodec(
            resolve(args[0], where + ", element of " + type.getTypeName()), raw == Set.class);
      }
      if (raw == Map.class) {
        return new ContainerCodecs.MapCodec(
            resolve(args[0], where + ", key of " + type.getTypeName()),
            resolve(args[1], where + ", value of " + type.getTypeName()));
      }
      if (raw == Optional.class) {
        return new ContainerCodecs.OptionalCodec(
            resolve(args[0], where + ", content of " + type.getTypeName()));
      }
      throw unsupported(type, where, null);
    }
    if (type instanceof WildcardType || type instanceof TypeVariable<?>) {
      throw unsupported(type, where, "wildcards and type variables need a concrete type");
    }
    if (type instanceof GenericArrayType) {
      throw unsupported(type, where, "the only array type is byte[]; use List");
    }
    throw unsupported(type, where, null);
  }

  private RecordCodec record(Class<?> type, String where) {
    RecordCodec existing = records.get(type);
    if (existing != null) {
      return existing; // also ends the recursion of a record that contains itself
    }
    RecordCodec codec = new RecordCodec(type);
    records.put(type, codec);
    try {
      var components = type.getRecordComponents();
      for (int i = 0; i < components.length; i++) {
        codec
            .fields()
            .set(
                i,
                resolve(
                    components[i].getGenericType(),
                    where + ", component " + type.getSimpleName() + "." + components[i].getName()));
      }
    } catch (IllegalArgumentException e) {
      records.remove(type);
      throw e;
    }
    return codec;
  }

  private static IllegalArgumentException unsupported(
      Type type, String where, @Nullable String why) {
    return new IllegalArgumentException(
        where
            + ": type "
            + type.getTypeName()
            + " cannot be carried by RPC"
            + (why != null ? " (" + why + ")" : "")
            + ". Supported: records, enums, primitives and their boxes, String, byte[], UUID,"
            + " Instant, Duration, BigDecimal, BigInteger, and List/Set/Map/Optional of those");
  }

  /** A method's codec: arguments as fields 1..n, the result as field 1. */
  private record TaggedMethodCodec(Fields arguments, @Nullable Fields result)
      implements MethodCodec {
    @Override
    public void encodeArguments(@Nullable Object[] args, ByteBuf out) {
      arguments.write(args, out);
    }

    @Override
    public @Nullable Object[] decodeArguments(ByteBuf in) {
      return arguments.read(in, in.writerIndex(), 0);
    }

    @Override
    public int estimateArgumentsSize(@Nullable Object[] args) {
      int size = 0;
      for (Object a : args) {
        size += estimate(a);
      }
      return size;
    }

    @Override
    public int estimateResultSize(@Nullable Object value) {
      return estimate(value);
    }

    private static int estimate(@Nullable Object value) {
      return switch (value) {
        case null -> 0;
        case byte[] b -> b.length + 8;
        case String s -> s.length() + 8;
        default -> 32;
      };
    }

    @Override
    public void encodeResult(@Nullable Object value, ByteBuf out) {
      if (result != null && value != null) {
        result.writeOne(0, value, out);
      }
    }

    @Override
    public @Nullable Object decodeResult(ByteBuf in) {
      if (result == null) {
        in.skipBytes(in.readableBytes()); // a newer server may return what this method ignores
        return null;
      }
      return result.read(in, in.writerIndex(), 0)[0];
    }
  }
}
