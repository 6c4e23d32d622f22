package io.ringmesh.rpc.internal.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.lang.reflect.Method;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

class TaggedCodecTest {
  enum Level {
    LOW,
    HIGH
  }

  record Inner(String name, @Nullable Inner next) {}

  record Everything(
      boolean b,
      byte by,
      short s,
      char c,
      int i,
      long l,
      float f,
      double d,
      @Nullable Integer boxed,
      String str,
      byte[] bytes,
      UUID uuid,
      Instant instant,
      Duration duration,
      BigDecimal decimal,
      BigInteger integer,
      Level level,
      List<String> list,
      Set<Long> set,
      Map<String, List<Inner>> map,
      Optional<Inner> optional) {}

  record Tree(List<Tree> children) {}

  interface Api {
    Everything everything(Everything e, int extra);

    Tree tree(Tree t);

    CompletableFuture<List<String>> async(String s);

    void nothing(@Nullable String s);

    Date date(String s);

    List<Object> objects();

    Map<String, ? extends Number> wildcard();

    String[] array();

    @SuppressWarnings("rawtypes") // deliberately raw: the codec must refuse it
    List raw();

    void takesObject(Object o);
  }

  private final TaggedCodec codec = new TaggedCodec();

  private static Method method(String name) {
    for (Method m : Api.class.getMethods()) {
      if (m.getName().equals(name)) {
        return m;
      }
    }
    throw new AssertionError(name);
  }

  private @Nullable Object[] roundTripArgs(String method, @Nullable Object... args) {
    MethodCodec mc = codec.forMethod(method(method));
    ByteBuf buf = Unpooled.buffer();
    try {
      mc.encodeArguments(args, buf);
      return mc.decodeArguments(buf);
    } finally {
      buf.release();
    }
  }

  @Test
  void everySupportedTypeRoundTrips() {
    Everything e =
        new Everything(
            true,
            (byte) -7,
            (short) 30_000,
            'λ',
            Integer.MIN_VALUE,
            Long.MAX_VALUE,
            1.5f,
            -2.25,
            null,
            "héllo, 世界",
            new byte[] {1, 2, 3},
            UUID.randomUUID(),
            Instant.parse("1969-07-20T20:17:40.000000001Z"),
            Duration.ofSeconds(-5, 7),
            new BigDecimal("-12345678901234567890.000123"),
            BigInteger.TWO.pow(100).negate(),
            Level.HIGH,
            List.of("a", "b"),
            Set.of(3L, 4L),
            Map.of("k", List.of(new Inner("x", new Inner("y", null)))),
            Optional.of(new Inner("z", null)));

    @Nullable Object[] decoded = roundTripArgs("everything", e, 42);

    Everything back = (Everything) decoded[0];
    assertThat(decoded[1]).isEqualTo(42);
    assertThat(back).usingRecursiveComparison().isEqualTo(e);
    assertThat(back.bytes()).isEqualTo(e.bytes());
  }

  @Test
  void nullsAreOmittedAndDecodeToDefaults() {
    @Nullable Object[] decoded = roundTripArgs("nothing", (Object) null);
    assertThat(decoded).containsExactly((Object) null);
  }

  @Test
  void resultsOfFuturesAndVoidUseTheInnerType() {
    MethodCodec mc = codec.forMethod(method("async"));
    ByteBuf buf = Unpooled.buffer();
    try {
      mc.encodeResult(List.of("p", "q"), buf);
      assertThat(mc.decodeResult(buf)).isEqualTo(List.of("p", "q"));
    } finally {
      buf.release();
    }
    MethodCodec v = codec.forMethod(method("nothing"));
    ByteBuf empty = Unpooled.buffer();
    try {
      v.encodeResult(null, empty);
      assertThat(empty.readableBytes()).isZero();
      assertThat(v.decodeResult(empty)).isNull();
    } finally {
      empty.release();
    }
  }

  @Test
  void unsupportedTypesFailAtRegistrationNamingMethodAndType() {
    assertThatThrownBy(() -> codec.forMethod(method("date")))
        .hasMessageContaining("Api.date")
        .hasMessageContaining("return type")
        .hasMessageContaining("java.util.Date")
        .hasMessageContaining("Supported:");
    assertThatThrownBy(() -> codec.forMethod(method("objects")))
        .hasMessageContaining("Api.objects")
        .hasMessageContaining("java.lang.Object");
    assertThatThrownBy(() -> codec.forMethod(method("wildcard")))
        .hasMessageContaining("Api.wildcard")
        .hasMessageContaining("? extends java.lang.Number");
    assertThatThrownBy(() -> codec.forMethod(method("array")))
        .hasMessageContaining("Api.array")
        .hasMessageContaining("java.lang.String[]");
    assertThatThrownBy(() -> codec.forMethod(method("raw")))
        .hasMessageContaining("Api.raw")
        .hasMessageContaining("raw List");
    assertThatThrownBy(() -> codec.forMethod(method("takesObject")))
        .hasMessageContaining("Api.takesObject, parameter 0 (o)")
        .hasMessageContaining("java.lang.Object");
  }

  @Test
  void nestingDeeperThan64IsRefusedWhenDecoding() {
    Tree deep = new Tree(List.of());
    for (int i = 0; i < 40; i++) {
      deep = new Tree(List.of(deep)); // each level is a record and a list: 80 levels
    }
    Tree tree = deep;
    assertThatThrownBy(() -> roundTripArgs("tree", tree))
        .isInstanceOf(CodecException.class)
        .hasMessageContaining("nesting deeper than 64");
    Tree shallow = new Tree(List.of(new Tree(List.of())));
    assertThat(roundTripArgs("tree", shallow)[0]).isEqualTo(shallow);
  }

  @Test
  void countsAndLengthsBeyondThePayloadAreRefusedBeforeAllocating() {
    MethodCodec mc = codec.forMethod(method("async"));
    // field 1 of the result, List<String>: LEN 5 with a count of 2^31-1 elements
    ByteBuf lying = Unpooled.buffer();
    lying.writeByte(1 << 3 | 2).writeInt(5).writeBytes(new byte[] {(byte) 0xFF, -1, -1, -1, 0x07});
    try {
      assertThatThrownBy(() -> mc.decodeResult(lying))
          .isInstanceOf(CodecException.class)
          .hasMessageContaining("declares 2147483647 elements but only 0 bytes remain");
    } finally {
      lying.release();
    }
    ByteBuf longString = Unpooled.buffer();
    longString.writeByte(1 << 3 | 2).writeInt(Integer.MAX_VALUE);
    MethodCodec args = codec.forMethod(method("nothing"));
    try {
      assertThatThrownBy(() -> args.decodeArguments(longString))
          .isInstanceOf(CodecException.class)
          .hasMessageContaining("String declares 2147483647 bytes but 0 remain");
    } finally {
      longString.release();
    }
  }

  @Test
  void aChangedFieldTypeIsReportedByName() {
    MethodCodec mc = codec.forMethod(method("nothing"));
    ByteBuf buf = Unpooled.buffer();
    buf.writeByte(1 << 3 | 0).writeByte(5); // field 1 as a varint, but it is a String
    try {
      assertThatThrownBy(() -> mc.decodeArguments(buf))
          .isInstanceOf(CodecException.class)
          .hasMessageContaining("nothing.s (field 1, String)")
          .hasMessageContaining("arrived as varint, expected length-delimited");
    } finally {
      buf.release();
    }
  }

  @Test
  void garbageNeverDecodesSilentlyIntoSomethingElse() {
    MethodCodec mc = codec.forMethod(method("everything"));
    java.util.Random random = new java.util.Random(7);
    List<String> outcomes = new ArrayList<>();
    for (int n = 0; n < 2_000; n++) {
      byte[] junk = new byte[random.nextInt(64)];
      random.nextBytes(junk);
      ByteBuf buf = Unpooled.wrappedBuffer(junk);
      try {
        mc.decodeArguments(buf);
        outcomes.add("decoded");
      } catch (CodecException e) {
        assertThat(e.getMessage()).isNotBlank();
        outcomes.add("refused");
      } finally {
        buf.release();
      }
    }
    assertThat(outcomes).contains("refused");
  }

  @Test
  void nullElementsAreRefusedWhenEncoding() {
    MethodCodec mc = codec.forMethod(method("tree"));
    List<Tree> withNull = new ArrayList<>();
    withNull.add(null);
    ByteBuf buf = Unpooled.buffer();
    try {
      assertThatThrownBy(() -> mc.encodeArguments(new Object[] {new Tree(withNull)}, buf))
          .hasMessageContaining("List<")
          .hasMessageContaining("contains null");
    } finally {
      buf.release();
    }
  }
}
