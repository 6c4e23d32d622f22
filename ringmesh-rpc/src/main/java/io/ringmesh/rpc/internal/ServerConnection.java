package io.ringmesh.rpc.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.collection.IntObjectHashMap;
import io.netty.util.collection.IntObjectMap;
import io.ringmesh.rpc.RpcException;
import io.ringmesh.rpc.Status;
import io.ringmesh.rpc.internal.codec.CodecException;
import java.net.SocketAddress;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import javax.net.ssl.SSLPeerUnverifiedException;
import org.jspecify.annotations.Nullable;

/**
 * The server side of one connection: handshake, request dispatch, cancellation, responses, GOAWAY.
 * One instance per channel.
 *
 * <p>Fields are confined to the event loop unless marked otherwise; {@link #respond} may be called
 * from any thread.
 */
final class ServerConnection extends FrameDecoder {
  static final System.Logger LOG = System.getLogger(ServerConnection.class.getName());

  private final NettyServer server;
  private final IntObjectMap<ServerCallContext> calls = new IntObjectHashMap<>();
  private @Nullable ChannelHandlerContext ctx;
  private @Nullable Outbound outbound;
  private boolean draining;
  private boolean closing;
  private int lastStreamId;
  private volatile @Nullable List<X509Certificate> peerCertificates;

  ServerConnection(NettyServer server) {
    super(server.settings().maxFrameBytes());
    this.server = server;
  }

  NettyServer server() {
    return server;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
    this.outbound = new Outbound(ctx.channel(), this::write);
  }

  private Outbound outbound() {
    return java.util.Objects.requireNonNull(outbound);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
    outbound().readStarted();
    super.channelRead(ctx, msg);
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) throws Exception {
    outbound().readComplete();
    super.channelReadComplete(ctx);
  }

  @Override
  protected boolean decodeHandshake(ChannelHandlerContext ctx, ByteBuf in) {
    if (in.readableBytes() < Frames.CLIENT_HELLO_BYTES) {
      return false;
    }
    int magic = in.readInt();
    if (magic != Frames.MAGIC) {
      protocolError(
          ctx,
          String.format(
              "bad magic 0x%08x; a Ringmesh RPC connection starts with 0x%08x ('RMSH')",
              magic, Frames.MAGIC));
      return false;
    }
    int min = in.readUnsignedByte();
    int max = in.readUnsignedByte();
    in.skipBytes(2);
    int version = Math.min(max, Frames.MAX_VERSION);
    if (min > max || version < Math.max(min, Frames.MIN_VERSION)) {
      protocolError(
          ctx,
          "unsupported protocol version range ["
              + min
              + ", "
              + max
              + "]; this server speaks ["
              + Frames.MIN_VERSION
              + ", "
              + Frames.MAX_VERSION
              + "]");
      return false;
    }
    ctx.write(
        Frames.serverHello(
            ctx.alloc(), version, server.codec().id(), server.settings().maxFrameBytes()),
        ctx.voidPromise());
    outbound().flushSoon();
    return true;
  }

  @Override
  protected void onFrame(
      ChannelHandlerContext ctx, int type, int flags, int streamId, ByteBuf body) {
    switch (type) {
      case Frames.REQUEST -> onRequest(ctx, flags, streamId, body);
      case Frames.CANCEL -> onCancel(streamId);
      case Frames.PING -> {
        if (body.readableBytes() != 8) {
          protocolError(ctx, "PING frame body has " + body.readableBytes() + " bytes, not 8");
          return;
        }
        outbound().send(Frames.ping(ctx.alloc(), Frames.PONG, body.readLong()));
      }
      case Frames.PONG, Frames.GOAWAY -> {
        // PONG: we never ping clients. GOAWAY: the client will close when it is done.
      }
      case Frames.RESPONSE, Frames.ERROR ->
          protocolError(
              ctx, "a client sent a " + Frames.typeName(type) + " frame, which only servers send");
      default ->
          protocolError(
              ctx,
              "unknown frame type "
                  + Frames.typeName(type)
                  + " on stream "
                  + streamId
                  + "; known types are 0x01 to 0x07");
    }
  }

  private void onRequest(ChannelHandlerContext ctx, int flags, int streamId, ByteBuf body) {
    if (streamId <= 0) {
      protocolError(ctx, "REQUEST frame on stream " + streamId + "; requests use stream ids > 0");
      return;
    }
    if (body.readableBytes() < Frames.REQUEST_FIXED_BYTES) {
      protocolError(
          ctx,
          "truncated REQUEST frame on stream "
              + streamId
              + ": its body has "
              + body.readableBytes()
              + " bytes, the fixed fields need "
              + Frames.REQUEST_FIXED_BYTES);
      return;
    }
    if (calls.containsKey(streamId)) {
      protocolError(ctx, "stream id " + streamId + " reused while its call is in flight");
      return;
    }
    lastStreamId = Math.max(lastStreamId, streamId);
    int methodId = body.readInt();
    long timeoutNanos = body.readLong();
    Map<String, String> metadata = Map.of();
    if ((flags & Frames.FLAG_METADATA) != 0) {
      Map<String, String> m = Frames.readMetadata(body);
      if (m == null) {
        refuse(streamId, Status.INVALID_ARGUMENT, "malformed metadata block in request");
        return;
      }
      metadata = m;
    }
    if (draining) {
      refuse(
          streamId,
          Status.UNAVAILABLE,
          "the server is shutting down and takes no new calls; retry on another connection");
      return;
    }
    ServerMethod handler = server.methods().get(methodId);
    if (handler == null) {
      refuse(
          streamId,
          Status.NOT_FOUND,
          String.format(
              "no method with id 0x%08x on this server; it serves %s",
              methodId, server.serviceNames()));
      return;
    }
    int limit = server.settings().maxConcurrentCallsPerConnection();
    if (calls.size() >= limit) {
      refuse(
          streamId,
          Status.RESOURCE_EXHAUSTED,
          "more than "
              + limit
              + " concurrent calls on one connection (maxConcurrentCallsPerConnection); "
              + handler.method().fullName()
              + " was shed");
      return;
    }
    if (timeoutNanos <= 0) {
      refuse(
          streamId,
          Status.DEADLINE_EXCEEDED,
          "the deadline of " + handler.method().fullName() + " had passed when it arrived");
      return;
    }
    @Nullable Object[] args;
    try {
      args = handler.method().codec().decodeArguments(body);
    } catch (CodecException e) {
      refuse(
          streamId,
          Status.INVALID_ARGUMENT,
          "arguments of " + handler.method().fullName() + " do not decode: " + e.getMessage());
      return;
    }
    if (!server.tryAdmit()) {
      refuse(
          streamId,
          Status.RESOURCE_EXHAUSTED,
          "the server has "
              + server.settings().maxPendingCalls()
              + " calls pending (maxPendingCalls); "
              + handler.method().fullName()
              + " was shed");
      return;
    }
    boolean direct = server.settings().direct();
    Ticker ticker = server.ticker();
    ServerCallContext call =
        new ServerCallContext(
            this,
            streamId,
            handler,
            args,
            metadata,
            ticker.nanoTime() + timeoutNanos,
            ticker,
            direct);
    calls.put(streamId, call);
    if (direct) {
      call.run();
      return;
    }
    try {
      server.executor().execute(call);
    } catch (RejectedExecutionException e) {
      calls.remove(streamId);
      server.release();
      refuse(
          streamId,
          Status.RESOURCE_EXHAUSTED,
          "the server's executor refused " + handler.method().fullName() + ": its queue is full");
    }
  }

  private void refuse(int streamId, Status status, String message) {
    ChannelHandlerContext c = java.util.Objects.requireNonNull(ctx);
    outbound().send(Frames.error(c.alloc(), streamId, status, true, message, null));
  }

  private void onCancel(int streamId) {
    ServerCallContext call = calls.remove(streamId);
    if (call != null) {
      server.release();
      call.cancel();
      closeIfDrained();
    }
  }

  /** Encodes the outcome of {@code call} (on the calling thread) and queues it for writing. */
  void respond(ServerCallContext call, @Nullable Object value, @Nullable Throwable failure) {
    ChannelHandlerContext c = java.util.Objects.requireNonNull(ctx);
    ByteBuf frame;
    if (failure == null) {
      frame = c.alloc().buffer(32 + call.method.codec().estimateResultSize(value));
      try {
        int at = Frames.begin(frame, Frames.RESPONSE, 0, call.streamId);
        call.method.codec().encodeResult(value, frame);
        Frames.end(frame, at);
      } catch (RuntimeException e) {
        frame.release();
        failure =
            new RpcException(
                Status.INTERNAL,
                "the result of " + call.method.fullName() + " cannot be encoded: " + e.getMessage(),
                e);
        frame = errorFrame(c, call, failure);
      }
    } else {
      frame = errorFrame(c, call, failure);
    }
    call.response = frame;
    outbound().send(call);
  }

  private static ByteBuf errorFrame(
      ChannelHandlerContext c, ServerCallContext call, Throwable failure) {
    Status status;
    String message;
    String errorType;
    if (failure instanceof RpcException e) {
      status = e.status();
      message = e.getMessage();
      errorType = e.errorType();
    } else if (ServerCallContext.isCancellation(failure)) {
      status = Status.CANCELLED;
      message = call.method.fullName() + " was cancelled: " + failure;
      errorType = null;
    } else {
      status = Status.APPLICATION_ERROR;
      message = failure.getMessage() == null ? "" : failure.getMessage();
      errorType = failure.getClass().getName();
    }
    call.status = status;
    return Frames.error(c.alloc(), call.streamId, status, false, message, errorType);
  }

  /** Writes one queued message; on the event loop. */
  private void write(Object msg) {
    ChannelHandlerContext c = java.util.Objects.requireNonNull(ctx);
    if (msg instanceof ServerCallContext call) {
      ByteBuf frame = java.util.Objects.requireNonNull(call.response);
      call.response = null;
      if (calls.remove(call.streamId) == call) {
        server.release();
        call.finishListeners(call.status); // before the caller can see the response
        c.write(frame, c.voidPromise());
        closeIfDrained();
      } else {
        frame.release(); // cancelled, or the connection closed: nobody waits for it
      }
    } else {
      c.write(msg, c.voidPromise());
    }
  }

  /** Sends GOAWAY and stops taking calls; closes once in-flight calls finish. On the loop. */
  void goAway(String reason) {
    ChannelHandlerContext c = java.util.Objects.requireNonNull(ctx);
    if (draining || !c.channel().isActive()) {
      return;
    }
    draining = true;
    outbound().send(Frames.goAway(c.alloc(), lastStreamId, Status.UNAVAILABLE, reason));
    closeIfDrained();
  }

  /** Cancels every call and closes now. On the loop. */
  void abort() {
    ChannelHandlerContext c = java.util.Objects.requireNonNull(ctx);
    cancelAll();
    c.close();
  }

  private void closeIfDrained() {
    ChannelHandlerContext c = java.util.Objects.requireNonNull(ctx);
    if (draining && calls.isEmpty() && !closing) {
      closing = true;
      // What is queued (the GOAWAY above all) goes out before the close: a client that never
      // sees the GOAWAY cannot tell that its last calls were not run, and must not re-send them.
      outbound().writeQueued();
      c.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }
  }

  @Override
  protected void onOversizedFrame(ChannelHandlerContext ctx, int type, int streamId, long length) {
    String message = oversizedMessage(type, length, "server");
    if (type == Frames.REQUEST && streamId > 0 && !calls.containsKey(streamId)) {
      refuse(streamId, Status.RESOURCE_EXHAUSTED, message + "; the request was skipped");
    } else {
      fail(ctx, Status.RESOURCE_EXHAUSTED, message);
    }
  }

  @Override
  protected void onProtocolError(ChannelHandlerContext ctx, String message) {
    fail(ctx, Status.INVALID_ARGUMENT, "protocol error: " + message);
  }

  private void fail(ChannelHandlerContext ctx, Status status, String message) {
    LOG.log(
        System.Logger.Level.DEBUG,
        () -> "closing " + ctx.channel().remoteAddress() + ": " + message);
    closing = true;
    cancelAll();
    ctx.writeAndFlush(Frames.error(ctx.alloc(), 0, status, false, message, null))
        .addListener(ChannelFutureListener.CLOSE);
  }

  private void cancelAll() {
    if (calls.isEmpty()) {
      return;
    }
    List<ServerCallContext> inFlight = new ArrayList<>(calls.values());
    calls.clear();
    for (ServerCallContext call : inFlight) {
      server.release();
      call.cancelOnConnectionLoss();
    }
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
    if (evt instanceof ChannelInputShutdownEvent) {
      // The client will send nothing more: answer what is in flight, then close.
      super.userEventTriggered(ctx, evt);
      if (!closing) {
        draining = true;
        closeIfDrained();
      }
      return;
    }
    if (evt instanceof IdleStateEvent && calls.isEmpty()) {
      goAway("the connection was idle for " + server.settings().idleTimeout());
      return;
    }
    super.userEventTriggered(ctx, evt);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    cancelAll();
    outbound().drainTo(ReferenceCountUtil::release);
    super.channelInactive(ctx);
  }

  @Override
  public void handlerRemoved0(ChannelHandlerContext ctx) {
    outbound().drainTo(ReferenceCountUtil::release);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    LOG.log(
        System.Logger.Level.DEBUG,
        () -> "connection from " + ctx.channel().remoteAddress() + " failed: " + cause);
    cancelAll();
    ctx.close();
  }

  SocketAddress remoteAddress() {
    return java.util.Objects.requireNonNull(ctx).channel().remoteAddress();
  }

  List<X509Certificate> peerCertificates() {
    List<X509Certificate> certs = peerCertificates;
    if (certs != null) {
      return certs;
    }
    SslHandler ssl = java.util.Objects.requireNonNull(ctx).pipeline().get(SslHandler.class);
    List<X509Certificate> found = new ArrayList<>();
    if (ssl != null) {
      try {
        for (Certificate c : ssl.engine().getSession().getPeerCertificates()) {
          if (c instanceof X509Certificate x) {
            found.add(x);
          }
        }
      } catch (SSLPeerUnverifiedException e) {
        // no client certificate
      }
    }
    certs = List.copyOf(found);
    peerCertificates = certs;
    return certs;
  }
}
