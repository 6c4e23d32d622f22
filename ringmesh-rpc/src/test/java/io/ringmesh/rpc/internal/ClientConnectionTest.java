package io.ringmesh.rpc.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.ringmesh.rpc.Endpoint;
import io.ringmesh.rpc.internal.codec.TaggedCodec;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The client's connection handler without sockets, via EmbeddedChannel. */
class ClientConnectionTest {
  private final ClientSettings settings =
      new ClientSettings(
          Duration.ofSeconds(1),
          1,
          List.of(),
          null,
          Duration.ofSeconds(5),
          Duration.ZERO,
          Duration.ofSeconds(10),
          Duration.ofMillis(100),
          Duration.ofSeconds(1),
          4 * 1024 * 1024,
          1);
  private final NettyClient client = new NettyClient(settings, Ticker.SYSTEM);

  @AfterEach
  void close() {
    client.close();
  }

  /**
   * The pool binds a connection to its channel only after the connect started, on the calling
   * thread; a caller descheduled there used to let the server's hello reach an unbound handler,
   * which lost it and left the connection in its handshake for good. Here no one but the pipeline
   * binds it, as when the hello wins that race.
   */
  @Test
  @Timeout(value = 30, unit = TimeUnit.SECONDS)
  void theServersHelloIsReadEvenBeforeThePoolBindsTheConnection() {
    Endpoint endpoint = Endpoint.of("127.0.0.1", 1);
    EndpointPool pool = new EndpointPool(client, endpoint, 1);
    int codecId = new TaggedCodec().id();
    ClientConnection conn =
        new ClientConnection(pool.new Slot(), endpoint, settings, Ticker.SYSTEM, codecId);
    EmbeddedChannel ch = new EmbeddedChannel(conn);
    try {
      ByteBuf hello = ch.readOutbound();
      assertThat(hello.getInt(hello.readerIndex())).isEqualTo(Frames.MAGIC);
      hello.release();

      ch.writeInbound(
          Frames.serverHello(UnpooledByteBufAllocator.DEFAULT, Frames.MAX_VERSION, codecId, 4096));
      ch.checkException();

      assertThat(conn.serverMaxFrameBytes()).isEqualTo(4096); // the hello was read
      assertThat(conn.isUsable()).isTrue();
      assertThat(ch.isOpen()).isTrue();
    } finally {
      ch.finishAndReleaseAll();
    }
  }
}
