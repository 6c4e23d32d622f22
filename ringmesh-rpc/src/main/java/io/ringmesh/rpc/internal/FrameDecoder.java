package io.ringmesh.rpc.internal;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;

/**
 * Splits the byte stream of a connection into frames of the Ringmesh protocol and hands each to
 * {@link #onFrame}, after the subclass has completed the handshake ({@link #decodeHandshake}).
 *
 * <pre>
 * handshake (once per connection, before any frame)
 *   client -> server   +--------------------+---------+---------+----------+
 *                      | magic "RMSH"  (u32) | min u8  | max u8  | 0  (u16) |   8 bytes
 *                      +--------------------+---------+---------+----------+
 *   server -> client   +--------------------+---------+---------+----------+--------------------+
 *                      | magic "RMSH"  (u32) | ver u8  | codec u8| 0  (u16) | max frame (u32)    |  12 bytes
 *                      +--------------------+---------+---------+----------+--------------------+
 *   (or, if the server cannot speak any version in [min, max], an ERROR frame on stream 0)
 *
 * frame (all integers big-endian)
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +---------------------------------------------------------------+
 *   |            length (u32): bytes after this field, >= 6         |
 *   +---------------+---------------+-------------------------------+
 *   |   type (u8)   |  flags (u8)   |        stream id (u32) ...    |
 *   +---------------+---------------+-------------------------------+
 *   |  ... stream id                |  body (length - 6 bytes) ...  |
 *   +-------------------------------+-------------------------------+
 *
 * bodies
 *   REQUEST  0x01  method id u32 | timeout ns i64 (> 0) | [metadata] | payload...
 *                  flag 0x01: a metadata block follows the fixed fields:
 *                  block length u16 | (key len u16, key UTF-8, value len u16, value UTF-8)*
 *   RESPONSE 0x02  payload...
 *   ERROR    0x03  status u8 | message len u16, UTF-8 | error type len u16, UTF-8
 *                  flag 0x01: the server did not run the handler
 *   CANCEL   0x04  (empty)
 *   PING     0x05  opaque u64
 *   PONG     0x06  opaque u64 (the PING's)
 *   GOAWAY   0x07  last stream id u32 | status u8 | message len u16, UTF-8     (stream 0)
 * </pre>
 *
 * <p>The length is checked against the limit before any byte of the body is buffered for it: an
 * oversized frame is skipped as it arrives (never held in memory) and reported to {@link
 * #onOversizedFrame}, and a negative or impossible length is a protocol error. After a protocol
 * error the decoder discards all further input; the subclass sends an ERROR frame on stream 0 and
 * closes.
 *
 * <p>Confined to the channel's event loop.
 */
public abstract class FrameDecoder extends ByteToMessageDecoder {
  private final int maxFrameBytes;
  private boolean handshakeDone;
  private boolean failed;
  private long discarding;
  private long frameLengthSeen = -1;

  protected FrameDecoder(int maxFrameBytes) {
    this.maxFrameBytes = maxFrameBytes;
  }

  /**
   * Reads the handshake from {@code in}; returns true once it is complete (frames follow), false to
   * wait for more bytes. May call {@link #protocolError}.
   */
  protected abstract boolean decodeHandshake(ChannelHandlerContext ctx, ByteBuf in);

  /**
   * One complete frame. {@code body} is valid only during the call: decode or copy what is kept.
   */
  protected abstract void onFrame(
      ChannelHandlerContext ctx, int type, int flags, int streamId, ByteBuf body);

  /** A frame longer than the limit, whose body is being skipped. */
  protected abstract void onOversizedFrame(
      ChannelHandlerContext ctx, int type, int streamId, long length);

  /**
   * The message for an oversized frame, naming whose limit ({@code "server"}, {@code "client"}).
   */
  protected final String oversizedMessage(int type, long length, String side) {
    return Frames.typeName(type)
        + " frame of "
        + length
        + " bytes exceeds this "
        + side
        + "'s limit of "
        + maxFrameBytes
        + " bytes (maxFrameBytes)";
  }

  /** A protocol violation: the subclass reports it to the peer and closes the connection. */
  protected abstract void onProtocolError(ChannelHandlerContext ctx, String message);

  /** Stops decoding and reports {@code message}. */
  protected final void protocolError(ChannelHandlerContext ctx, String message) {
    if (!failed) {
      failed = true;
      onProtocolError(ctx, message);
    }
  }

  protected final boolean failed() {
    return failed;
  }

  @Override
  protected final void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    if (failed) {
      in.skipBytes(in.readableBytes());
      return;
    }
    if (!handshakeDone) {
      if (!decodeHandshake(ctx, in)) {
        return;
      }
      handshakeDone = true;
    }
    while (!failed && !ctx.isRemoved()) {
      if (discarding > 0) {
        int n = (int) Math.min(discarding, in.readableBytes());
        in.skipBytes(n);
        discarding -= n;
        if (discarding > 0) {
          return;
        }
      }
      int readable = in.readableBytes();
      if (readable < 4) {
        frameLengthSeen = readable == 0 ? -1 : frameLengthSeen;
        return;
      }
      int start = in.readerIndex();
      int length = in.getInt(start);
      frameLengthSeen = length;
      if (length < 0) {
        protocolError(
            ctx,
            "frame length "
                + length
                + " is negative (0x"
                + Integer.toHexString(length)
                + "); lengths are below "
                + maxFrameBytes);
        return;
      }
      if (length < Frames.HEADER_BYTES) {
        protocolError(
            ctx,
            "frame length "
                + length
                + " is shorter than the "
                + Frames.HEADER_BYTES
                + "-byte frame header");
        return;
      }
      if (readable < 4 + Frames.HEADER_BYTES) {
        return;
      }
      int type = in.getUnsignedByte(start + 4);
      int flags = in.getUnsignedByte(start + 5);
      int streamId = in.getInt(start + 6);
      if (length > maxFrameBytes) {
        in.skipBytes(4 + Frames.HEADER_BYTES);
        discarding = length - Frames.HEADER_BYTES;
        frameLengthSeen = -1;
        onOversizedFrame(ctx, type, streamId, length);
        continue;
      }
      if (readable < 4 + length) {
        return; // wait for the rest; nothing of the declared size is allocated ahead
      }
      ByteBuf body = in.slice(start + 4 + Frames.HEADER_BYTES, length - Frames.HEADER_BYTES);
      in.readerIndex(start + 4 + length);
      frameLengthSeen = -1;
      onFrame(ctx, type, flags, streamId, body);
    }
  }

  @Override
  protected final void decodeLast(ChannelHandlerContext ctx, ByteBuf in, List<Object> out)
      throws Exception {
    decode(ctx, in, out);
    if (!failed && (in.isReadable() || discarding > 0)) {
      int have = in.readableBytes();
      in.skipBytes(have);
      protocolError(
          ctx,
          "truncated "
              + (handshakeDone ? "frame" : "handshake")
              + ": the peer's input ended after "
              + have
              + " bytes"
              + (frameLengthSeen >= 0 ? " of a frame declaring " + frameLengthSeen : ""));
    }
  }
}
