package io.ringmesh.rpc.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoop;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.collection.IntObjectHashMap;
import io.netty.util.collection.IntObjectMap;
import io.ringmesh.rpc.Endpoint;
import io.ringmesh.rpc.RpcException;
import io.ringmesh.rpc.Status;
import io.ringmesh.rpc.internal.codec.CodecException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * The client side of one connection: handshake, sending calls, matching responses by stream id,
 * deadlines, cancellation, keepalive and GOAWAY.
 *
 * <p>Fields are confined to the event loop unless marked otherwise; {@link #send} and the state
 * checks may be called from any thread.
 */
final class ClientConnection extends FrameDecoder {
  static final System.Logger LOG = System.getLogger(ClientConnection.class.getName());

  private static final int CONNECTING = 0;
  private static final int READY = 1;
  private static final int DRAINING = 2;
  private static final int CLOSED = 3;

  /** Stream ids stop short of the sign bit; a connection that runs out drains and is replaced. */
  private static final int MAX_STREAM_ID = Integer.MAX_VALUE - 1;

  private final EndpointPool.Slot slot;
  private final Endpoint endpoint;
  private final ClientSettings settings;
  private final Ticker ticker;
  private final int codecId;

  /** When the connect began: calls that give up waiting for it say how long it had taken. */
  private final long createdNanos;

  private final AtomicInteger nextStreamId = new AtomicInteger(1);
  private volatile int state = CONNECTING;
  private volatile int serverMaxFrameBytes = Frames.MAX_FRAME_LIMIT;

  // Set once by attach(), from whichever thread binds the connection first.
  private volatile @Nullable Channel channel;
  private volatile @Nullable Outbound outbound;
  private final IntObjectMap<PendingCall> streams = new IntObjectHashMap<>();
  private final ArrayDeque<PendingCall> waiting = new ArrayDeque<>();
  private @Nullable RpcException closeReason;
  private int goAwayLastStreamId = Integer.MAX_VALUE;
  private boolean everReady; // event loop only
  private long lastReadNanos;
  private boolean pingOutstanding;

  ClientConnection(
      EndpointPool.Slot slot,
      Endpoint endpoint,
      ClientSettings settings,
      Ticker ticker,
      int codecId) {
    super(settings.maxFrameBytes());
    this.slot = slot;
    this.endpoint = endpoint;
    this.settings = settings;
    this.ticker = ticker;
    this.codecId = codecId;
    this.createdNanos = ticker.nanoTime();
  }

  private Duration connectingFor() {
    return Duration.ofNanos(ticker.nanoTime() - createdNanos);
  }

  /** True while new calls may be given to this connection. Any thread. */
  boolean isUsable() {
    int s = state;
    return (s == CONNECTING || s == READY) && nextStreamId.get() < MAX_STREAM_ID;
  }

  /** The next stream id, or -1 when they ran out (the connection then drains). Any thread. */
  int allocateStreamId() {
    int id = nextStreamId.getAndIncrement();
    return id < MAX_STREAM_ID ? id : -1;
  }

  int serverMaxFrameBytes() {
    return serverMaxFrameBytes;
  }

  /**
   * Binds this handler to its channel. Called twice, and whichever comes first binds: by the pool
   * right after the connect started (before any call is sent), and on the event loop when the
   * handler is added to the pipeline (before any I/O event). The pool's call alone came too late
   * when the calling thread was descheduled while the handshake ran: the server's hello was then
   * read by an unbound handler, lost, and the connection stayed in its handshake for good.
   */
  synchronized void attach(Channel channel) {
    if (this.channel == null) {
      this.outbound = new Outbound(channel, this::write);
      this.channel = channel;
    }
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) throws Exception {
    attach(ctx.channel());
    super.handlerAdded(ctx);
  }

  ByteBufAllocator alloc() {
    return Objects.requireNonNull(channel).alloc();
  }

  EventLoop eventLoop() {
    return Objects.requireNonNull(channel).eventLoop();
  }

  Endpoint endpoint() {
    return endpoint;
  }

  /** Sends {@code call} (from any thread). */
  void send(PendingCall call) {
    Objects.requireNonNull(outbound).send(call);
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) throws Exception {
    lastReadNanos = ticker.nanoTime();
    ctx.writeAndFlush(Frames.clientHello(ctx.alloc()), ctx.voidPromise());
    // A server that takes the TCP connection but never says hello must not hold this connection
    // (and every call queued on it) in its handshake for good.
    Duration limit = settings.connectTimeout();
    ctx.executor()
        .schedule(
            () -> {
              if (state == CONNECTING) {
                closeWith(
                    RpcException.of(
                        Status.UNAVAILABLE,
                        "the server at "
                            + endpoint
                            + " did not complete the handshake within "
                            + limit.toMillis()
                            + " ms (connectTimeout)",
                        null,
                        true,
                        true,
                        null));
              }
            },
            limit.toNanos(),
            TimeUnit.NANOSECONDS);
    super.channelActive(ctx);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
    lastReadNanos = ticker.nanoTime();
    Objects.requireNonNull(outbound).readStarted();
    super.channelRead(ctx, msg);
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) throws Exception {
    Objects.requireNonNull(outbound).readComplete();
    super.channelReadComplete(ctx);
  }

  @Override
  protected boolean decodeHandshake(ChannelHandlerContext ctx, ByteBuf in) {
    if (in.readableBytes() < 4) {
      return false;
    }
    if (in.getInt(in.readerIndex()) != Frames.MAGIC) {
      return true; // not a hello: the server refused us with an ERROR frame, read it as one
    }
    if (in.readableBytes() < Frames.SERVER_HELLO_BYTES) {
      return false;
    }
    in.skipBytes(4);
    int version = in.readUnsignedByte();
    int codec = in.readUnsignedByte();
    in.skipBytes(2);
    int maxFrame = in.readInt();
    if (version < Frames.MIN_VERSION || version > Frames.MAX_VERSION) {
      protocolError(
          ctx, "the server chose protocol version " + version + ", which we did not offer");
      return false;
    }
    if (codec != codecId) {
      closeWith(
          new RpcException(
              Status.UNAVAILABLE,
              "the server at "
                  + endpoint
                  + " uses codec "
                  + codec
                  + " and this client only codec "
                  + codecId
                  + "; upgrade the client"));
      return false;
    }
    serverMaxFrameBytes = maxFrame;
    state = READY;
    everReady = true;
    slot.onReady(this);
    while (!waiting.isEmpty()) {
      write(waiting.poll());
    }
    Objects.requireNonNull(outbound).flushSoon();
    return true;
  }

  /** Writes one queued message on the event loop. */
  private void write(Object msg) {
    Channel c = Objects.requireNonNull(channel);
    if (!(msg instanceof PendingCall call)) {
      c.write(msg, c.voidPromise());
      return;
    }
    if (call.future.isDone()) {
      call.fail(cancelledBeforeSending(call)); // cancelled by the caller while queued
      return;
    }
    // The deadline runs from the moment the call reaches the event loop, whatever the connection
    // then does: a call waiting for the handshake is bounded by it as much as one on the wire.
    if (call.timer == null) {
      call.timer =
          c.eventLoop()
              .schedule(
                  call, Math.max(0, call.deadlineNanos - ticker.nanoTime()), TimeUnit.NANOSECONDS);
    }
    int s = state;
    if (s == CONNECTING) {
      waiting.add(call);
      if (call.connectTimer == null && call.connectByNanos - call.deadlineNanos < 0) {
        call.connectTimer =
            c.eventLoop()
                .schedule(
                    () -> connectWaitExceeded(call),
                    Math.max(0, call.connectByNanos - ticker.nanoTime()),
                    TimeUnit.NANOSECONDS);
      }
      return;
    }
    if (s == CLOSED || call.streamId > goAwayLastStreamId) {
      RpcException reason = closeReason;
      // A connection that never came up failed to connect: re-sending would meet the same
      // endpoint in backoff and hide why, so the call fails with the connect error itself.
      java.util.function.Consumer<RpcException> failure = everReady ? call::failUnsent : call::fail;
      failure.accept(
          RpcException.of(
              Status.UNAVAILABLE,
              "connection to "
                  + endpoint
                  + " closed before "
                  + call.method.fullName()
                  + " was sent"
                  + (reason != null ? ": " + reason.getMessage() : ""),
              null,
              true,
              true,
              null));
      return;
    }
    long remaining = call.deadlineNanos - ticker.nanoTime();
    if (remaining <= 0) {
      call.fail(
          RpcException.of(
              Status.DEADLINE_EXCEEDED,
              deadlineMessage(call) + " before it could be sent",
              null,
              true,
              true,
              null));
      return;
    }
    ByteBuf frame = Objects.requireNonNull(call.frame);
    call.frame = null;
    // The deadline travels as time remaining when the frame leaves, not when it was built.
    frame.setLong(frame.readerIndex() + 4 + Frames.HEADER_BYTES + 4, remaining);
    streams.put(call.streamId, call);
    call.sent = true;
    call.stopConnectTimer();
    c.write(frame, c.voidPromise());
  }

  private RpcException cancelledBeforeSending(PendingCall call) {
    return RpcException.of(
        Status.CANCELLED,
        call.method.fullName() + " was cancelled by the caller before it was sent",
        null,
        true,
        true,
        null);
  }

  private String deadlineMessage(PendingCall call) {
    return "deadline of "
        + Duration.ofNanos(call.timeoutNanos).toMillis()
        + " ms exceeded calling "
        + call.method.fullName()
        + " on "
        + endpoint;
  }

  /** The call's timer fired; on the event loop. */
  void deadlineExceeded(PendingCall call) {
    if (!call.sent) {
      // It never reached the wire: waiting for the handshake, or still on its way to this loop.
      boolean waitedForHandshake = waiting.remove(call);
      if (!waitedForHandshake && call.future.isDone()) {
        return; // completed already
      }
      String message = deadlineMessage(call) + " before it could be sent";
      call.fail(
          waitedForHandshake
              ? RpcException.whileConnecting(
                  Status.DEADLINE_EXCEEDED,
                  message + " (the connection's handshake had not completed)",
                  connectingFor())
              : RpcException.of(Status.DEADLINE_EXCEEDED, message, null, true, true, null));
      return;
    }
    if (streams.remove(call.streamId) != call) {
      return;
    }
    call.fail(
        RpcException.of(Status.DEADLINE_EXCEEDED, deadlineMessage(call), null, false, false, null));
    sendCancel(call.streamId);
  }

  /** The call's connect wait passed; on the event loop. Sent calls are not affected. */
  private void connectWaitExceeded(PendingCall call) {
    call.connectTimer = null;
    if (call.sent || !waiting.remove(call)) {
      return;
    }
    call.fail(
        RpcException.whileConnecting(
            Status.UNAVAILABLE,
            "the connection to "
                + endpoint
                + " did not come up within the connect wait of "
                + Duration.ofNanos(call.connectByNanos - (call.deadlineNanos - call.timeoutNanos))
                    .toMillis()
                + " ms, so "
                + call.method.fullName()
                + " was not sent; the endpoint may be unreachable, try another",
            connectingFor()));
  }

  /** The caller cancelled the future; any thread. */
  void cancelByCaller(PendingCall call) {
    EventLoop loop = eventLoop();
    if (loop.inEventLoop()) {
      cancelOnLoop(call);
    } else {
      loop.execute(() -> cancelOnLoop(call));
    }
  }

  private void cancelOnLoop(PendingCall call) {
    if (!call.sent && waiting.remove(call)) {
      call.fail(cancelledBeforeSending(call));
      return;
    }
    if (streams.remove(call.streamId) == call) {
      call.fail(
          RpcException.of(
              Status.CANCELLED,
              call.method.fullName() + " was cancelled by the caller",
              null,
              false,
              false,
              null));
      sendCancel(call.streamId);
    }
  }

  private void sendCancel(int streamId) {
    if (state != CLOSED) {
      Objects.requireNonNull(outbound).send(Frames.empty(alloc(), Frames.CANCEL, streamId));
      Objects.requireNonNull(outbound).flushSoon();
    }
  }

  @Override
  protected void onFrame(
      ChannelHandlerContext ctx, int type, int flags, int streamId, ByteBuf body) {
    switch (type) {
      case Frames.RESPONSE -> onResponse(streamId, body);
      case Frames.ERROR -> onError(ctx, flags, streamId, body);
      case Frames.GOAWAY -> onGoAway(body);
      case Frames.PING -> {
        if (body.readableBytes() == 8) {
          Objects.requireNonNull(outbound)
              .send(Frames.ping(ctx.alloc(), Frames.PONG, body.readLong()));
        }
      }
      case Frames.PONG -> pingOutstanding = false;
      default ->
          protocolError(
              ctx,
              "the server sent a frame of type "
                  + Frames.typeName(type)
                  + ", which a client does not accept");
    }
    if (state == DRAINING) {
      closeIfDrained();
    }
  }

  private void onResponse(int streamId, ByteBuf body) {
    PendingCall call = streams.remove(streamId);
    if (call == null) {
      return; // timed out or cancelled already
    }
    Object value;
    try {
      value = call.method.codec().decodeResult(body);
    } catch (CodecException e) {
      call.fail(
          RpcException.of(
              Status.INTERNAL,
              "the response of "
                  + call.method.fullName()
                  + " from "
                  + endpoint
                  + " does not decode: "
                  + e.getMessage(),
              null,
              false,
              false,
              null));
      return;
    }
    call.succeed(value);
  }

  private void onError(ChannelHandlerContext ctx, int flags, int streamId, ByteBuf body) {
    if (!body.isReadable()) {
      protocolError(ctx, "truncated ERROR frame");
      return;
    }
    Status status = Status.fromWireValue(body.readUnsignedByte());
    String message = Frames.readText(body);
    String errorType = Frames.readText(body);
    if (message == null || errorType == null) {
      protocolError(ctx, "truncated ERROR frame");
      return;
    }
    if (status == Status.OK) {
      status = Status.INTERNAL;
    }
    if (streamId == 0) {
      closeWith(
          RpcException.of(
              status == Status.RESOURCE_EXHAUSTED || status == Status.INVALID_ARGUMENT
                  ? status
                  : Status.UNAVAILABLE,
              "the server at " + endpoint + " closed the connection: " + message,
              null,
              state == CONNECTING,
              state == CONNECTING,
              null));
      return;
    }
    PendingCall call = streams.remove(streamId);
    if (call == null) {
      return;
    }
    boolean notExecuted = (flags & Frames.FLAG_NOT_EXECUTED) != 0;
    String text =
        status == Status.APPLICATION_ERROR
            ? message
            : call.method.fullName() + " on " + endpoint + ": " + message;
    call.fail(
        RpcException.of(
            status, text, errorType.isEmpty() ? null : errorType, false, notExecuted, null));
  }

  private void onGoAway(ByteBuf body) {
    if (body.readableBytes() >= 4) {
      goAwayLastStreamId = body.readInt();
    }
    if (state == READY || state == CONNECTING) {
      state = DRAINING;
    }
    slot.onUnusable(this);
    // Calls the server never saw fail now, as not executed, so that they can go elsewhere.
    List<PendingCall> unseen = new ArrayList<>();
    for (PendingCall call : streams.values()) {
      if (call.streamId > goAwayLastStreamId) {
        unseen.add(call);
      }
    }
    for (PendingCall call : unseen) {
      streams.remove(call.streamId);
      call.failUnsent(
          RpcException.of(
              Status.UNAVAILABLE,
              "the server at "
                  + endpoint
                  + " is shutting down and did not run "
                  + call.method.fullName(),
              null,
              false,
              true,
              null));
    }
    closeIfDrained();
  }

  private void closeIfDrained() {
    if (state == DRAINING && streams.isEmpty() && waiting.isEmpty()) {
      Objects.requireNonNull(channel).close();
    }
  }

  @Override
  protected void onOversizedFrame(ChannelHandlerContext ctx, int type, int streamId, long length) {
    String message = oversizedMessage(type, length, "client") + " (from " + endpoint + ")";
    PendingCall call = type == Frames.RESPONSE ? streams.remove(streamId) : null;
    if (call != null) {
      call.fail(RpcException.of(Status.RESOURCE_EXHAUSTED, message, null, false, false, null));
    } else {
      closeWith(new RpcException(Status.RESOURCE_EXHAUSTED, message));
    }
  }

  @Override
  protected void onProtocolError(ChannelHandlerContext ctx, String message) {
    ctx.writeAndFlush(
        Frames.error(
            ctx.alloc(), 0, Status.INVALID_ARGUMENT, false, "protocol error: " + message, null));
    closeWith(
        new RpcException(
            Status.UNAVAILABLE, "protocol error from the server at " + endpoint + ": " + message));
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
    if (evt instanceof IdleStateEvent) {
      keepAlive(ctx);
      return;
    }
    if (evt instanceof SslHandshakeCompletionEvent tls && !tls.isSuccess()) {
      Throwable cause = tls.cause();
      closeWith(
          RpcException.of(
              Status.UNAVAILABLE,
              "TLS handshake with "
                  + endpoint
                  + " failed: "
                  + (cause == null ? "unknown reason" : cause.getMessage()),
              null,
              true,
              true,
              cause));
    }
    super.userEventTriggered(ctx, evt);
  }

  private void keepAlive(ChannelHandlerContext ctx) {
    if (state == CLOSED || pingOutstanding) {
      return;
    }
    pingOutstanding = true;
    long sentAt = ticker.nanoTime();
    Objects.requireNonNull(outbound).send(Frames.ping(ctx.alloc(), Frames.PING, sentAt));
    Objects.requireNonNull(outbound).flushSoon();
    Duration timeout = settings.keepAliveTimeout();
    ctx.executor()
        .schedule(
            () -> {
              if (pingOutstanding && lastReadNanos - sentAt < 0) {
                closeWith(
                    new RpcException(
                        Status.UNAVAILABLE,
                        "the server at "
                            + endpoint
                            + " did not answer a keepalive ping within "
                            + timeout.toMillis()
                            + " ms"));
              }
              pingOutstanding = false;
            },
            timeout.toNanos(),
            TimeUnit.NANOSECONDS);
  }

  /** Fails everything with {@code reason} and closes. On the event loop. */
  void closeWith(RpcException reason) {
    if (closeReason == null) {
      closeReason = reason;
    }
    Objects.requireNonNull(channel).close();
  }

  /** The connection attempt failed before the channel became active. Any thread. */
  void connectFailed(Throwable cause) {
    Channel channel = Objects.requireNonNull(this.channel);
    Runnable fail =
        () -> {
          if (closeReason == null) {
            closeReason =
                RpcException.of(
                    Status.UNAVAILABLE,
                    "could not connect to " + endpoint + ": " + cause.getMessage(),
                    null,
                    true,
                    true,
                    null);
          }
          channel.close();
          closed();
        };
    // On the event loop (the connect promise's listener), at once: Netty closes the failed channel
    // right after notifying the listener, and the calls must fail with this reason, not "closed".
    if (channel.eventLoop().inEventLoop()) {
      fail.run();
    } else {
      channel.eventLoop().execute(fail);
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    closed();
    super.channelInactive(ctx);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    closeWith(
        RpcException.of(
            Status.UNAVAILABLE,
            "connection to " + endpoint + " failed: " + cause,
            null,
            state == CONNECTING,
            state == CONNECTING,
            cause));
  }

  @Override
  public void handlerRemoved0(ChannelHandlerContext ctx) {
    closed();
  }

  private void closed() {
    if (state == CLOSED) {
      return;
    }
    boolean wasConnecting = state == CONNECTING;
    state = CLOSED;
    RpcException reason = closeReason;
    if (reason == null) {
      reason = new RpcException(Status.UNAVAILABLE, "connection to " + endpoint + " closed");
      closeReason = reason;
    }
    slot.onClosed(this, reason, !wasConnecting);
    List<PendingCall> inFlight = new ArrayList<>(streams.values());
    streams.clear();
    for (PendingCall call : inFlight) {
      RpcException failure =
          RpcException.of(
              reason.status() == Status.RESOURCE_EXHAUSTED
                  ? Status.RESOURCE_EXHAUSTED
                  : Status.UNAVAILABLE,
              "connection to "
                  + endpoint
                  + " closed while "
                  + call.method.fullName()
                  + " was in flight: "
                  + reason.getMessage(),
              null,
              false,
              call.streamId > goAwayLastStreamId,
              null);
      if (call.streamId > goAwayLastStreamId) {
        call.failUnsent(failure); // past the server's GOAWAY: it will never run this call
      } else {
        call.fail(failure);
      }
    }
    RpcException notSent = reason;
    while (!waiting.isEmpty()) {
      PendingCall call = waiting.poll();
      RpcException e =
          RpcException.of(notSent.status(), notSent.getMessage(), null, true, true, null);
      if (wasConnecting) {
        call.fail(e); // the connection never came up: re-sending would meet the same endpoint
      } else {
        call.failUnsent(e);
      }
    }
    Objects.requireNonNull(outbound)
        .drainTo(
            msg -> {
              if (msg instanceof PendingCall call && wasConnecting) {
                call.fail(
                    RpcException.of(
                        notSent.status(), notSent.getMessage(), null, true, true, null));
              } else if (msg instanceof PendingCall call) {
                call.failUnsent(
                    RpcException.of(
                        notSent.status(), notSent.getMessage(), null, true, true, null));
              } else {
                ReferenceCountUtil.release(msg);
              }
            });
  }
}
