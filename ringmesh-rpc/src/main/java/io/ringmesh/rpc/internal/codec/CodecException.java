package io.ringmesh.rpc.internal.codec;

/** Bytes that do not decode as the declared type; the message says where and why. */
public final class CodecException extends RuntimeException {
  /** An exception with this message. */
  public CodecException(String message) {
    super(message, null, false, false);
  }
}
