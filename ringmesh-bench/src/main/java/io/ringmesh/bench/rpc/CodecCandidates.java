package io.ringmesh.bench.rpc;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import com.esotericsoftware.kryo.serializers.DefaultSerializers;
import com.esotericsoftware.kryo.serializers.TimeSerializers;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.ringmesh.rpc.internal.codec.MethodCodec;
import io.ringmesh.rpc.internal.codec.TaggedCodec;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.fory.Fory;
import org.apache.fory.config.CompatibleMode;
import org.apache.fory.config.Language;

/**
 * The three codecs considered for RPC (docs/decisions/0003-rpc-codec.md), each configured as safely
 * as it allows: Kryo 5 with registration required, Apache Fory in compatible mode with registration
 * required, and Ringmesh's tagged record codec. Used by {@link CodecBenchmark} for speed and by
 * {@link #main} for size and for the evolution check (version 1 of a record written, version 2
 * read, and back).
 */
public final class CodecCandidates {
  private CodecCandidates() {}

  /** A status of an order. */
  public enum State {
    OPEN,
    PAID
  }

  /** An order line. */
  public record Line(String sku, int quantity, long priceCents) {}

  /** A representative RPC argument: scalars, a nested list of records, an enum. */
  public record Order(
      UUID id, String customer, List<Line> lines, Instant at, BigDecimal total, State state) {}

  /** Version 1 of a record, for the evolution check. */
  public record ProfileV1(String name, int age) {}

  /** Version 2: a component added at the end. */
  public record ProfileV2(String name, int age, String email) {}

  /** The service whose signature fixes the tagged codec's schema. */
  public interface Orders {
    Order put(Order order);

    ProfileV1 v1(ProfileV1 p);

    ProfileV2 v2(ProfileV2 p);
  }

  static Order sample() {
    List<Line> lines = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      lines.add(new Line("sku-" + (1000 + i), i + 1, 1999L * (i + 1)));
    }
    return new Order(
        new UUID(0x1234_5678_9ABC_DEF0L, 0x0FED_CBA9_8765_4321L),
        "customer-42@example.com",
        lines,
        Instant.parse("2026-11-28T12:00:00.123Z"),
        new BigDecimal("299.85"),
        State.PAID);
  }

  /** One candidate: encode to bytes and decode back. */
  interface Candidate {
    byte[] encode(Object value);

    Object decode(byte[] bytes);
  }

  static Candidate tagged(String method) {
    try {
      MethodCodec codec =
          new TaggedCodec().forMethod(Orders.class.getMethod(method, argType(method)));
      return new Candidate() {
        @Override
        public byte[] encode(Object value) {
          ByteBuf buf = Unpooled.buffer(256);
          try {
            codec.encodeResult(value, buf);
            byte[] out = new byte[buf.readableBytes()];
            buf.readBytes(out);
            return out;
          } finally {
            buf.release();
          }
        }

        @Override
        public Object decode(byte[] bytes) {
          ByteBuf buf = Unpooled.wrappedBuffer(bytes);
          try {
            return codec.decodeResult(buf);
          } finally {
            buf.release();
          }
        }
      };
    } catch (NoSuchMethodException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Class<?> argType(String method) {
    return switch (method) {
      case "put" -> Order.class;
      case "v1" -> ProfileV1.class;
      default -> ProfileV2.class;
    };
  }

  /** Kryo 5, registration required; {@code profile} is registered under id 20. */
  static Candidate kryo(Class<?> profile) {
    Kryo kryo = new Kryo();
    kryo.setRegistrationRequired(true);
    kryo.register(Order.class, 10);
    kryo.register(Line.class, 11);
    kryo.register(ArrayList.class, 12);
    kryo.register(UUID.class, new DefaultSerializers.UUIDSerializer(), 13);
    kryo.register(Instant.class, new TimeSerializers.InstantSerializer(), 14);
    kryo.register(BigDecimal.class, 15);
    kryo.register(State.class, 16);
    kryo.register(profile, 20);
    Output output = new Output(256, -1);
    return new Candidate() {
      @Override
      public byte[] encode(Object value) {
        output.reset();
        kryo.writeClassAndObject(output, value);
        return output.toBytes();
      }

      @Override
      public Object decode(byte[] bytes) {
        return kryo.readClassAndObject(new Input(bytes));
      }
    };
  }

  /** Fory, Java mode, compatible (schema evolution) mode, registration required. */
  static Candidate fory(Class<?> profile) {
    Fory fory =
        Fory.builder()
            .withLanguage(Language.JAVA)
            .withCompatibleMode(CompatibleMode.COMPATIBLE)
            .requireClassRegistration(true)
            .build();
    fory.register(Order.class, 1000);
    fory.register(Line.class, 1001);
    fory.register(State.class, 1002);
    fory.register(profile, 1020);
    return new Candidate() {
      @Override
      public byte[] encode(Object value) {
        return fory.serialize(value);
      }

      @Override
      public Object decode(byte[] bytes) {
        return fory.deserialize(bytes);
      }
    };
  }

  /** Prints encoded sizes and the evolution check for each candidate. */
  public static void main(String[] args) {
    Order order = sample();
    System.out.println("encoded size of the sample Order:");
    System.out.println("  tagged " + tagged("put").encode(order).length + " B");
    System.out.println("  kryo   " + kryo(ProfileV1.class).encode(order).length + " B");
    System.out.println("  fory   " + fory(ProfileV1.class).encode(order).length + " B");
    System.out.println("evolution (old writer -> new reader, new writer -> old reader):");
    evolution("tagged", tagged("v1"), tagged("v2"));
    evolution("kryo", kryo(ProfileV1.class), kryo(ProfileV2.class));
    evolution("fory", fory(ProfileV1.class), fory(ProfileV2.class));
  }

  private static void evolution(String name, Candidate v1, Candidate v2) {
    System.out.println(
        "  " + name + ": v1->v2 " + attempt(() -> v2.decode(v1.encode(new ProfileV1("ada", 36)))));
    System.out.println(
        "  "
            + name
            + ": v2->v1 "
            + attempt(() -> v1.decode(v2.encode(new ProfileV2("ada", 36, "a@example.com")))));
  }

  private static String attempt(java.util.function.Supplier<Object> s) {
    try {
      return "ok: " + s.get();
    } catch (RuntimeException | Error e) {
      String m = String.valueOf(e.getMessage());
      return "FAILED: " + e.getClass().getSimpleName() + ": " + m.lines().findFirst().orElse("");
    }
  }
}
