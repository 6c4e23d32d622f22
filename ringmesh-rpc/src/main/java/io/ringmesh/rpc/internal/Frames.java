package io.ringmesh.rpc.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.ringmesh.rpc.Status;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Constants and writers of the wire protocol; {@link FrameDecoder} has the diagram and {@code
 * docs/protocol.md} the full description. Stateless.
 */
public final class Frames {
  private Frames() {}

  /** {@code "RMSH"}: the first four bytes each side sends. */
  public static final int MAGIC = 0x524D5348;

  /** The protocol versions this build speaks. */
  public static final int MIN_VERSION = 1;

  /** The protocol versions this build speaks. */
  public static final int MAX_VERSION = 1;

  /** Client hello: magic, min version, max version, two reserved bytes. */
  public static final int CLIENT_HELLO_BYTES = 8;

  /** Server hello: magic, version, codec id, two reserved bytes, max frame bytes. */
  public static final int SERVER_HELLO_BYTES = 12;

  /** Bytes of the frame header that follow the length: type, flags, stream id. */
  public static final int HEADER_BYTES = 6;

  /** The largest frame limit a peer may set, so that a length is never mistaken for magic. */
  public static final int MAX_FRAME_LIMIT = 1 << 30;

  public static final int REQUEST = 0x01;
  public static final int RESPONSE = 0x02;
  public static final int ERROR = 0x03;
  public static final int CANCEL = 0x04;
  public static final int PING = 0x05;
  public static final int PONG = 0x06;
  public static final int GOAWAY = 0x07;

  /** REQUEST: a metadata block follows the fixed fields. */
  public static final int FLAG_METADATA = 0x01;

  /** ERROR: the server refused the request before running the handler. */
  public static final int FLAG_NOT_EXECUTED = 0x01;

  /** REQUEST fixed fields: method id (4) and timeout in nanoseconds (8). */
  public static final int REQUEST_FIXED_BYTES = 12;

  /** Longest message or type string carried by ERROR and GOAWAY frames, in chars. */
  static final int MAX_TEXT_CHARS = 4096;

  static String typeName(int type) {
    return switch (type) {
      case REQUEST -> "REQUEST";
      case RESPONSE -> "RESPONSE";
      case ERROR -> "ERROR";
      case CANCEL -> "CANCEL";
      case PING -> "PING";
      case PONG -> "PONG";
      case GOAWAY -> "GOAWAY";
      default -> String.format("0x%02x", type);
    };
  }

  /** Writes a frame header with a placeholder length; returns the index for {@link #end}. */
  public static int begin(ByteBuf out, int type, int flags, int streamId) {
    int at = out.writerIndex();
    out.writeInt(0);
    out.writeByte(type);
    out.writeByte(flags);
    out.writeInt(streamId);
    return at;
  }

  /** Fills in the length of the frame begun at {@code at}. */
  public static void end(ByteBuf out, int at) {
    out.setInt(at, out.writerIndex() - at - 4);
  }

  /** The client's hello. */
  public static ByteBuf clientHello(ByteBufAllocator alloc) {
    ByteBuf b = alloc.buffer(CLIENT_HELLO_BYTES);
    b.writeInt(MAGIC);
    b.writeByte(MIN_VERSION);
    b.writeByte(MAX_VERSION);
    b.writeShort(0);
    return b;
  }

  /** The server's hello, announcing the version, the codec and its frame limit. */
  public static ByteBuf serverHello(
      ByteBufAllocator alloc, int version, int codecId, int maxFrameBytes) {
    ByteBuf b = alloc.buffer(SERVER_HELLO_BYTES);
    b.writeInt(MAGIC);
    b.writeByte(version);
    b.writeByte(codecId);
    b.writeShort(0);
    b.writeInt(maxFrameBytes);
    return b;
  }

  /** An ERROR frame for {@code streamId} (0 for the connection). */
  public static ByteBuf error(
      ByteBufAllocator alloc,
      int streamId,
      Status status,
      boolean notExecuted,
      String message,
      @Nullable String errorType) {
    ByteBuf b = alloc.buffer(32 + message.length());
    int at = begin(b, ERROR, notExecuted ? FLAG_NOT_EXECUTED : 0, streamId);
    b.writeByte(status.wireValue());
    writeText(b, message);
    writeText(b, errorType == null ? "" : errorType);
    end(b, at);
    return b;
  }

  /** A GOAWAY frame. */
  public static ByteBuf goAway(
      ByteBufAllocator alloc, int lastStreamId, Status status, String message) {
    ByteBuf b = alloc.buffer(32 + message.length());
    int at = begin(b, GOAWAY, 0, 0);
    b.writeInt(lastStreamId);
    b.writeByte(status.wireValue());
    writeText(b, message);
    end(b, at);
    return b;
  }

  /** A frame with no body (CANCEL). */
  public static ByteBuf empty(ByteBufAllocator alloc, int type, int streamId) {
    ByteBuf b = alloc.buffer(4 + HEADER_BYTES);
    int at = begin(b, type, 0, streamId);
    end(b, at);
    return b;
  }

  /** A PING or PONG with its opaque payload. */
  public static ByteBuf ping(ByteBufAllocator alloc, int type, long opaque) {
    ByteBuf b = alloc.buffer(4 + HEADER_BYTES + 8);
    int at = begin(b, type, 0, 0);
    b.writeLong(opaque);
    end(b, at);
    return b;
  }

  /** Writes a u16-length-prefixed UTF-8 string, cut to {@link #MAX_TEXT_CHARS} chars. */
  static void writeText(ByteBuf out, String s) {
    String text = s.length() > MAX_TEXT_CHARS ? s.substring(0, MAX_TEXT_CHARS) : s;
    int at = out.writerIndex();
    out.writeShort(0);
    int n = ByteBufUtil.writeUtf8(out, text);
    out.setShort(at, n);
  }

  /** Reads a string written by {@link #writeText}, or null if the buffer is too short. */
  static @Nullable String readText(ByteBuf in) {
    if (in.readableBytes() < 2) {
      return null;
    }
    int n = in.readUnsignedShort();
    if (in.readableBytes() < n) {
      return null;
    }
    String s = in.toString(in.readerIndex(), n, StandardCharsets.UTF_8);
    in.skipBytes(n);
    return s;
  }

  /** Writes a metadata block: u16 length, then u16-prefixed key and value per entry. */
  static void writeMetadata(ByteBuf out, Map<String, String> metadata) {
    int at = out.writerIndex();
    out.writeShort(0);
    for (Map.Entry<String, String> e : metadata.entrySet()) {
      writeText(out, e.getKey());
      writeText(out, e.getValue());
    }
    int n = out.writerIndex() - at - 2;
    if (n > io.ringmesh.rpc.CallOptions.MAX_METADATA_BYTES) {
      out.writerIndex(at);
      throw new IllegalArgumentException(
          "request metadata is "
              + n
              + " bytes; the limit is "
              + io.ringmesh.rpc.CallOptions.MAX_METADATA_BYTES);
    }
    out.setShort(at, n);
  }

  /** Reads a metadata block, or null if it is malformed. */
  static @Nullable Map<String, String> readMetadata(ByteBuf in) {
    if (in.readableBytes() < 2) {
      return null;
    }
    int n = in.readUnsignedShort();
    if (n > in.readableBytes()) {
      return null;
    }
    ByteBuf block = in.readSlice(n);
    Map<String, String> m = new LinkedHashMap<>();
    while (block.isReadable()) {
      String k = readText(block);
      String v = readText(block);
      if (k == null || v == null || k.isEmpty()) {
        return null;
      }
      m.put(k, v);
    }
    return Map.copyOf(m);
  }
}
