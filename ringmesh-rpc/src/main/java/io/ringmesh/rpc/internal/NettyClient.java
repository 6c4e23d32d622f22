package io.ringmesh.rpc.internal;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.ssl.SslContext;
import io.ringmesh.rpc.CallOptions;
import io.ringmesh.rpc.ClientInterceptor;
import io.ringmesh.rpc.Endpoint;
import io.ringmesh.rpc.RpcException;
import io.ringmesh.rpc.Status;
import io.ringmesh.rpc.internal.codec.Codec;
import io.ringmesh.rpc.internal.codec.TaggedCodec;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * The client behind {@link io.ringmesh.rpc.RpcClient}: its event loops, its connection pools (one
 * per endpoint) and the call path shared by every proxy.
 *
 * <p>Thread-safe.
 */
public final class NettyClient {
  /*
   * The call path, on the caller's thread: interceptors, then the frame is encoded whole (header,
   * deadline, metadata, arguments) into one pooled buffer, then handed to the connection's write
   * queue. On the event loop the call's deadline timer is armed first, whatever the state of the
   * connection (a call waiting for the handshake times out like one on the wire), then the call is
   * registered under its stream id and the frame is written; the flush is shared with everything else written in the same
   * turn of the loop (see Outbound). The response is decoded on the event loop and completes the
   * future there: dependent stages without an executor run on the I/O thread, which is what makes
   * a closed-loop async caller fast, and why they must not block.
   */
  private final ClientSettings settings;
  private final Ticker ticker;
  private final Codec codec = new TaggedCodec();
  private final EventLoopGroup group;
  private final Bootstrap bootstrap;
  private final @Nullable SslContext sslContext;
  private final Map<Endpoint, EndpointPool> pools = new ConcurrentHashMap<>();
  private final Map<Class<?>, ClientInvoker> invokers = new ConcurrentHashMap<>();
  private volatile boolean closed;

  public NettyClient(ClientSettings settings, Ticker ticker) {
    this.settings = settings;
    this.ticker = ticker;
    this.sslContext = settings.tls() == null ? null : TlsContexts.client(settings.tls());
    this.group = Transports.newGroup(settings.ioThreads(), "ringmesh-rpc-client");
    this.bootstrap =
        new Bootstrap()
            .group(group)
            .channel(Transports.channel())
            .option(ChannelOption.TCP_NODELAY, true)
            .option(
                ChannelOption.CONNECT_TIMEOUT_MILLIS,
                (int) Math.min(Integer.MAX_VALUE, settings.connectTimeout().toMillis()));
  }

  ClientSettings settings() {
    return settings;
  }

  Ticker ticker() {
    return ticker;
  }

  int codecId() {
    return codec.id();
  }

  Bootstrap bootstrap() {
    return bootstrap;
  }

  @Nullable SslContext sslContext() {
    return sslContext;
  }

  /** A proxy of {@code iface} whose calls go to {@code endpoint}. */
  public <T> T proxy(Class<T> iface, Endpoint endpoint, CallOptions options) {
    Object proxy =
        Proxy.newProxyInstance(
            iface.getClassLoader(),
            new Class<?>[] {iface},
            new ClientProxy(invoker(iface), endpoint, options));
    return iface.cast(proxy);
  }

  /** The invoker of {@code iface}'s methods, one per interface. */
  public ClientInvoker invoker(Class<?> iface) {
    return invokers.computeIfAbsent(
        iface, i -> new ClientInvoker(this, ServiceDescriptor.of(i, codec)));
  }

  /** Starts a call; failures, including those before sending, complete the future. */
  CallFuture call(
      RpcMethod method, Endpoint endpoint, CallOptions options, @Nullable Object[] args) {
    CallFuture future = new CallFuture();
    Duration t = options.timeout();
    long timeoutNanos = t != null ? t.toNanos() : settings.defaultTimeout().toNanos();
    ServerCallContext enclosing = ServerCallContext.currentOrNull();
    if (enclosing != null) {
      long left = enclosing.remainingNanos();
      if (left <= 0) {
        future.completeExceptionally(
            RpcException.of(
                Status.DEADLINE_EXCEEDED,
                "the deadline of the enclosing call "
                    + enclosing.method()
                    + " had passed before "
                    + method.fullName()
                    + " was sent",
                null,
                true,
                true,
                null));
        return future;
      }
      timeoutNanos = Math.min(timeoutNanos, left);
    }
    Map<String, String> metadata = options.metadata();
    ClientCallImpl intercepted = null;
    if (!settings.interceptors().isEmpty()) {
      intercepted = new ClientCallImpl(method, endpoint, timeoutNanos, metadata);
      try {
        for (ClientInterceptor i : settings.interceptors()) {
          i.interceptCall(intercepted);
        }
      } catch (RpcException e) {
        future.completeExceptionally(
            RpcException.of(e.status(), e.getMessage(), e.errorType(), true, true, e));
        return future;
      } catch (RuntimeException e) {
        future.completeExceptionally(
            RpcException.of(
                Status.INTERNAL,
                "a client interceptor failed on " + method.fullName() + ": " + e,
                null,
                true,
                true,
                e));
        return future;
      }
      metadata = intercepted.metadataMap();
    }
    @Nullable Object[] arguments = args == null ? new Object[0] : args;
    long now = ticker.nanoTime();
    long deadline = now + timeoutNanos;
    Duration wait = options.connectWait();
    long connectBy =
        wait != null && wait.toNanos() < timeoutNanos ? now + wait.toNanos() : deadline;
    dispatch(
        future,
        method,
        endpoint,
        metadata,
        deadline,
        connectBy,
        timeoutNanos,
        arguments,
        intercepted,
        true);
    return future;
  }

  /** Picks a connection, encodes the request and hands it to the connection's event loop. */
  private void dispatch(
      CallFuture future,
      RpcMethod method,
      Endpoint endpoint,
      Map<String, String> metadata,
      long deadline,
      long connectBy,
      long timeoutNanos,
      @Nullable Object[] arguments,
      @Nullable ClientCallImpl intercepted,
      boolean mayRetry) {
    if (closed) {
      RpcException e =
          RpcException.of(
              Status.UNAVAILABLE,
              "the client is closed; " + method.fullName() + " was not sent",
              null,
              true,
              true,
              null);
      future.completeExceptionally(e);
      notifyFailed(intercepted, e);
      return;
    }
    long remainingNanos = Math.max(1, deadline - ticker.nanoTime());
    ClientConnection conn;
    try {
      conn = pool(endpoint).pick();
    } catch (RpcException e) {
      future.completeExceptionally(e);
      notifyFailed(intercepted, e);
      return;
    }
    int streamId = conn.allocateStreamId();
    if (streamId < 0) {
      // that connection ran out of stream ids; pick again
      dispatch(
          future,
          method,
          endpoint,
          metadata,
          deadline,
          connectBy,
          timeoutNanos,
          arguments,
          intercepted,
          mayRetry);
      return;
    }
    ByteBuf frame =
        conn.alloc()
            .buffer(
                64
                    + (metadata.isEmpty() ? 0 : 256)
                    + method.codec().estimateArgumentsSize(arguments));
    try {
      int at =
          Frames.begin(
              frame, Frames.REQUEST, metadata.isEmpty() ? 0 : Frames.FLAG_METADATA, streamId);
      frame.writeInt(method.id());
      frame.writeLong(remainingNanos);
      if (!metadata.isEmpty()) {
        Frames.writeMetadata(frame, metadata);
      }
      method.codec().encodeArguments(arguments, frame);
      Frames.end(frame, at);
    } catch (RuntimeException e) {
      frame.release();
      RpcException failure =
          RpcException.of(
              Status.INVALID_ARGUMENT,
              "the arguments of " + method.fullName() + " cannot be encoded: " + e.getMessage(),
              null,
              true,
              true,
              e);
      future.completeExceptionally(failure);
      notifyFailed(intercepted, failure);
      return;
    }
    int length = frame.readableBytes() - 4;
    if (length > conn.serverMaxFrameBytes()) {
      frame.release();
      RpcException failure =
          RpcException.of(
              Status.RESOURCE_EXHAUSTED,
              "the request of "
                  + method.fullName()
                  + " is "
                  + length
                  + " bytes; the server at "
                  + endpoint
                  + " accepts at most "
                  + conn.serverMaxFrameBytes(),
              null,
              true,
              true,
              null);
      future.completeExceptionally(failure);
      notifyFailed(intercepted, failure);
      return;
    }
    PendingCall pending =
        new PendingCall(
            conn,
            streamId,
            method,
            future,
            frame,
            deadline,
            connectBy,
            timeoutNanos,
            intercepted == null ? null : intercepted.listeners());
    if (mayRetry) {
      // Transparent retry: a call the server never ran (its connection closed between pick() and
      // the write, or it arrived after the server's GOAWAY, e.g. an idle close) is sent once more
      // on another connection, as gRPC does.
      pending.redispatch =
          () ->
              dispatch(
                  future,
                  method,
                  endpoint,
                  metadata,
                  deadline,
                  connectBy,
                  timeoutNanos,
                  arguments,
                  intercepted,
                  false);
    }
    future.attach(pending);
    try {
      conn.send(pending);
    } catch (RejectedExecutionException e) {
      pending.fail(
          RpcException.of(
              Status.UNAVAILABLE,
              "the client is closing; " + method.fullName() + " was not sent",
              null,
              true,
              true,
              null));
    }
    return;
  }

  private static void notifyFailed(@Nullable ClientCallImpl call, RpcException e) {
    if (call != null && call.listeners() != null) {
      for (var l : call.listeners()) {
        l.accept(e.status());
      }
    }
  }

  private EndpointPool pool(Endpoint endpoint) {
    EndpointPool pool = pools.get(endpoint);
    if (pool == null) {
      pool =
          pools.computeIfAbsent(
              endpoint, e -> new EndpointPool(this, e, settings.connectionsPerEndpoint()));
    }
    return pool;
  }

  /** Closes every connection (failing calls in flight with UNAVAILABLE) and the event loops. */
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    for (EndpointPool p : pools.values()) {
      p.close();
    }
    group
        .shutdownGracefully(0, 0, TimeUnit.MILLISECONDS)
        .awaitUninterruptibly(10, TimeUnit.SECONDS);
  }
}
