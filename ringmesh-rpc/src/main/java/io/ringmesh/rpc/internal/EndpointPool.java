package io.ringmesh.rpc.internal;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.IdleStateHandler;
import io.ringmesh.rpc.Endpoint;
import io.ringmesh.rpc.RpcException;
import io.ringmesh.rpc.Status;
import java.net.SocketAddress;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * The connections of one client to one endpoint: a fixed number of slots, each holding at most one
 * connection, connected on demand and reconnected after failures with exponential backoff.
 *
 * <p>Thread-safe.
 */
final class EndpointPool {
  /*
   * Connections are made on demand: the first call to an endpoint connects, calls made while the
   * handshake runs wait in the connection and are sent when it completes. After a failed attempt
   * the slot waits for a backoff delay (exponential with jitter, see Backoff) before the next
   * attempt; calls in that window fail at once with UNAVAILABLE and neverSent(), which is what a
   * caller with other nodes needs to fail over without waiting. A connection lost after it was
   * established reconnects at the next call without delay, since the common cause is a restart of
   * the server, and the backoff starts again only if that attempt fails.
   */
  private final NettyClient client;
  private final Endpoint endpoint;
  private final Slot[] slots;
  private final AtomicInteger next = new AtomicInteger();

  EndpointPool(NettyClient client, Endpoint endpoint, int size) {
    this.client = client;
    this.endpoint = endpoint;
    this.slots = new Slot[size];
    for (int i = 0; i < size; i++) {
      slots[i] = new Slot();
    }
  }

  /** A connection to send a call on, connecting if needed. */
  ClientConnection pick() {
    Slot slot =
        slots.length == 1 ? slots[0] : slots[Math.floorMod(next.getAndIncrement(), slots.length)];
    ClientConnection c = slot.connection;
    if (c != null && c.isUsable()) {
      return c;
    }
    return slot.connect();
  }

  void close() {
    for (Slot s : slots) {
      s.close();
    }
  }

  /** One connection's place in the pool, with its backoff. */
  final class Slot {
    volatile @Nullable ClientConnection connection;
    private @Nullable Channel channel; // guarded by this
    private final Backoff backoff;
    private long retryAtNanos; // guarded by this
    private @Nullable RpcException lastFailure; // guarded by this
    private boolean closed; // guarded by this

    Slot() {
      ClientSettings s = client.settings();
      backoff =
          new Backoff(
              s.reconnectBackoffInitial(),
              s.reconnectBackoffMax(),
              1.6,
              0.2,
              () -> ThreadLocalRandom.current().nextDouble());
    }

    synchronized ClientConnection connect() {
      ClientConnection c = connection;
      if (c != null && c.isUsable()) {
        return c;
      }
      if (closed) {
        throw RpcException.of(Status.UNAVAILABLE, "the client is closed", null, true, true, null);
      }
      long now = client.ticker().nanoTime();
      RpcException failure = lastFailure;
      if (failure != null && now - retryAtNanos < 0) {
        throw RpcException.of(
            Status.UNAVAILABLE,
            failure.getMessage()
                + "; next connection attempt in "
                + TimeUnit.NANOSECONDS.toMillis(retryAtNanos - now)
                + " ms",
            null,
            true,
            true,
            null);
      }
      ClientConnection conn =
          new ClientConnection(
              this, endpoint, client.settings(), client.ticker(), client.codecId());
      SslContext ssl = client.sslContext();
      Bootstrap b =
          client
              .bootstrap()
              .clone()
              .handler(
                  new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                      ChannelPipeline p = ch.pipeline();
                      if (ssl != null) {
                        SslHandler h = ssl.newHandler(ch.alloc(), endpoint.host(), endpoint.port());
                        p.addLast("tls", h);
                      }
                      long keepAlive = client.settings().keepAliveTime().toNanos();
                      if (keepAlive > 0) {
                        p.addLast(
                            "idle", new IdleStateHandler(keepAlive, 0, 0, TimeUnit.NANOSECONDS));
                      }
                      p.addLast("rpc", conn);
                      p.addFirst("connect", new ConnectFailure(conn));
                    }
                  });
      ChannelFuture f = b.connect(endpoint.host(), endpoint.port());
      conn.attach(f.channel());
      connection = conn;
      channel = f.channel();
      // Also here, for a connect that fails before it reaches the pipeline (the address could not
      // be resolved); ConnectFailure has the others. Whichever runs first sets the reason.
      f.addListener(
          (ChannelFuture done) -> {
            if (!done.isSuccess()) {
              conn.connectFailed(done.cause());
            }
          });
      return conn;
    }

    /** The handshake completed: the backoff starts over. */
    synchronized void onReady(ClientConnection c) {
      if (connection == c) {
        backoff.reset();
        lastFailure = null;
      }
    }

    /** The connection took a GOAWAY or ran out of stream ids: the next call opens another. */
    synchronized void onUnusable(ClientConnection c) {
      if (connection == c) {
        connection = null;
        channel = null;
      }
    }

    /** The connection closed; {@code established} if its handshake had completed. */
    synchronized void onClosed(ClientConnection c, RpcException reason, boolean established) {
      if (connection == c) {
        connection = null;
        channel = null;
      }
      if (!established) {
        lastFailure = reason;
        retryAtNanos = client.ticker().nanoTime() + backoff.nextDelayNanos();
      }
    }

    synchronized void close() {
      closed = true;
      Channel ch = channel;
      if (ch != null) {
        ch.close();
      }
      connection = null;
      channel = null;
    }
  }

  /**
   * Reports a failed connect to its connection from the event loop, before Netty closes the
   * channel. A listener added to the future {@code Bootstrap.connect} returns came too late when
   * the connect failed first (a refused port on loopback fails in microseconds, and the calling
   * thread may be descheduled in between): the channel had closed by then, and the calls waiting
   * for it failed with "connection closed" instead of the connect's error. The listener here is on
   * the connect's own promise before the connect starts, and a connect's promise fails before its
   * channel closes.
   */
  private static final class ConnectFailure extends ChannelOutboundHandlerAdapter {
    private final ClientConnection conn;

    ConnectFailure(ClientConnection conn) {
      this.conn = conn;
    }

    @Override
    public void connect(
        ChannelHandlerContext ctx,
        SocketAddress remote,
        @Nullable SocketAddress local,
        ChannelPromise promise) {
      promise.addListener(
          (ChannelFuture done) -> {
            if (!done.isSuccess()) {
              conn.connectFailed(done.cause());
            }
          });
      ctx.connect(remote, local, promise);
      ctx.pipeline().remove(this); // its one job is done
    }
  }
}
