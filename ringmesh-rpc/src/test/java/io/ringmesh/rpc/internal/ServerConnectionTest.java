package io.ringmesh.rpc.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.ringmesh.rpc.Status;
import io.ringmesh.rpc.internal.codec.TaggedCodec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The server's connection handler without sockets: frames in, frames out, via EmbeddedChannel. */
class ServerConnectionTest {
  /** The service under test. */
  public interface Greeter {
    String greet(String name, int times);
  }

  /** A handler that reports its deadline as it sees it. */
  public interface Clock {
    long remainingNanos();
  }

  /** Deadlines are computed on the injected ticker: exact, with no real time passing. */
  @Test
  void theHandlersDeadlineIsTheRequestsTimeoutOnTheServersTicker() {
    long[] now = {5_000_000_000L};
    RpcMethod remaining = ServiceDescriptor.of(Clock.class, new TaggedCodec()).methods().get(0);
    NettyServer clocked =
        new NettyServer(
            new ServerSettings(
                "127.0.0.1",
                0,
                List.of(
                    new ServerSettings.Service(
                        Clock.class,
                        (Clock)
                            () -> {
                              long before =
                                  io.ringmesh.rpc.RpcContext.current().timeRemaining().toNanos();
                              now[0] += 250_000_000L; // the handler takes 250 ms of ticker time
                              return before * 1000
                                  + io.ringmesh.rpc.RpcContext.current().timeRemaining().toMillis();
                            })),
                null,
                true,
                4096,
                8,
                100,
                List.of(),
                null,
                Duration.ZERO,
                Duration.ofSeconds(1),
                1),
            () -> now[0]);
    EmbeddedChannel ch = new EmbeddedChannel(new ServerConnection(clocked));
    try {
      ch.writeInbound(
          Unpooled.buffer().writeInt(Frames.MAGIC).writeByte(1).writeByte(1).writeShort(0));
      ((ByteBuf) ch.readOutbound()).release();
      ByteBuf req = Unpooled.buffer();
      int at = Frames.begin(req, Frames.REQUEST, 0, 1);
      req.writeInt(remaining.id()).writeLong(TimeUnit.SECONDS.toNanos(2));
      Frames.end(req, at);
      ch.writeInbound(req);

      ByteBuf response = ch.readOutbound();
      try {
        response.skipBytes(4 + Frames.HEADER_BYTES);
        // 2 s exactly at the start (in ns, times 1000), then 1,750 ms after the handler's 250 ms.
        assertThat(remaining.codec().decodeResult(response))
            .isEqualTo(TimeUnit.SECONDS.toNanos(2) * 1000 + 1_750L);
      } finally {
        response.release();
      }
    } finally {
      ch.finishAndReleaseAll();
      clocked.close();
    }
  }

  private NettyServer server;
  private EmbeddedChannel channel;
  private RpcMethod greet;

  @BeforeEach
  void setUp() {
    server =
        new NettyServer(
            new ServerSettings(
                "127.0.0.1",
                0,
                List.of(
                    new ServerSettings.Service(
                        Greeter.class, (Greeter) (n, t) -> ("hi " + n + " ").repeat(t).trim())),
                null,
                true,
                4096,
                8,
                100,
                List.of(),
                null,
                Duration.ZERO,
                Duration.ofSeconds(1),
                1),
            Ticker.SYSTEM);
    channel = new EmbeddedChannel(new ServerConnection(server));
    greet = ServiceDescriptor.of(Greeter.class, new TaggedCodec()).methods().get(0);
  }

  @AfterEach
  void tearDown() {
    channel.finishAndReleaseAll();
    server.close();
  }

  private void handshake() {
    ByteBuf hello =
        Unpooled.buffer().writeInt(Frames.MAGIC).writeByte(1).writeByte(1).writeShort(0);
    channel.writeInbound(hello);
    ByteBuf reply = channel.readOutbound();
    try {
      assertThat(reply.readInt()).isEqualTo(Frames.MAGIC);
      assertThat(reply.readUnsignedByte()).as("version").isEqualTo((short) 1);
      assertThat(reply.readUnsignedByte()).as("codec").isEqualTo((short) TaggedCodec.ID);
      reply.skipBytes(2);
      assertThat(reply.readInt()).as("max frame").isEqualTo(4096);
    } finally {
      reply.release();
    }
  }

  private ByteBuf request(int stream, Map<String, String> metadata, Object... args) {
    ByteBuf b = Unpooled.buffer();
    int at = Frames.begin(b, Frames.REQUEST, metadata.isEmpty() ? 0 : Frames.FLAG_METADATA, stream);
    b.writeInt(greet.id()).writeLong(TimeUnit.SECONDS.toNanos(1));
    if (!metadata.isEmpty()) {
      Frames.writeMetadata(b, metadata);
    }
    greet.codec().encodeArguments(args, b);
    Frames.end(b, at);
    return b;
  }

  private ByteBuf readFrame(int type, int stream) {
    ByteBuf f = channel.readOutbound();
    assertThat(f).as("an outbound frame").isNotNull();
    assertThat(f.readInt()).isEqualTo(f.readableBytes());
    assertThat(f.readUnsignedByte()).as("type").isEqualTo((short) type);
    f.readUnsignedByte();
    assertThat(f.readInt()).as("stream").isEqualTo(stream);
    return f;
  }

  @Test
  void aRequestIsAnsweredOnItsStream() {
    handshake();
    channel.writeInbound(request(7, Map.of("k", "v"), "ada", 2));

    ByteBuf response = readFrame(Frames.RESPONSE, 7);
    try {
      assertThat(greet.codec().decodeResult(response)).isEqualTo("hi ada hi ada");
    } finally {
      response.release();
    }
  }

  @Test
  void pipelinedRequestsInOneReadAreAnsweredInOneFlush() {
    handshake();
    ByteBuf both =
        Unpooled.wrappedBuffer(request(1, Map.of(), "a", 1), request(3, Map.of(), "b", 1));
    channel.writeInbound(both);

    for (int stream : new int[] {1, 3}) {
      ByteBuf r = readFrame(Frames.RESPONSE, stream);
      r.release();
    }
    Object none = channel.readOutbound();
    assertThat(none).isNull();
  }

  @Test
  void pingIsAnsweredWithItsPayload() {
    handshake();
    channel.writeInbound(Frames.ping(channel.alloc(), Frames.PING, 99L));
    ByteBuf pong = readFrame(Frames.PONG, 0);
    try {
      assertThat(pong.readLong()).isEqualTo(99L);
    } finally {
      pong.release();
    }
  }

  @Test
  void anExpiredRequestIsRefusedUnrun() {
    handshake();
    ByteBuf req = request(5, Map.of(), "late", 1);
    req.setLong(4 + Frames.HEADER_BYTES + 4, 0L); // no time left
    channel.writeInbound(req);

    ByteBuf err = readFrame(Frames.ERROR, 5);
    try {
      assertThat(Status.fromWireValue(err.readUnsignedByte())).isEqualTo(Status.DEADLINE_EXCEEDED);
      String message = Frames.readText(err);
      assertThat(message).contains("had passed when it arrived").contains("/greet");
    } finally {
      err.release();
    }
  }

  @Test
  void aProtocolErrorSendsAnErrorFrameAndCloses() {
    channel.writeInbound(Unpooled.copiedBuffer("GET / HTTP/1.1\r\n", StandardCharsets.US_ASCII));

    ByteBuf err = readFrame(Frames.ERROR, 0);
    try {
      assertThat(Status.fromWireValue(err.readUnsignedByte())).isEqualTo(Status.INVALID_ARGUMENT);
      assertThat(Frames.readText(err)).contains("bad magic 0x47455420");
    } finally {
      err.release();
    }
    assertThat(channel.isOpen()).isFalse();
  }
}
