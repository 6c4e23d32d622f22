package io.ringmesh.rpc;

import java.time.Duration;
import java.util.Map;
import java.util.function.Consumer;

/**
 * What a {@link ClientInterceptor} sees of a call before it is sent, and may change: its metadata.
 *
 * <p>Implemented by the RPC layer only. Confined to the calling thread until the call is sent;
 * {@link #onComplete} listeners run later on a transport thread.
 */
public interface ClientCall {
  /** The method being called, as {@code service/method}. */
  String method();

  /** The server the call goes to. */
  Endpoint endpoint();

  /** Time allowed for the call, after inheritance from an enclosing handler's deadline. */
  Duration timeout();

  /** The metadata to be sent, as set so far; unmodifiable. */
  Map<String, String> metadata();

  /** Sets a metadata entry to be sent with this call (e.g. an auth token). */
  void putMetadata(String key, String value);

  /**
   * Runs {@code listener} once with the call's final status, on a transport thread, before the
   * caller sees the result: it must not block.
   */
  void onComplete(Consumer<Status> listener);
}
