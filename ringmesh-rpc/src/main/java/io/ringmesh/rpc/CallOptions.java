package io.ringmesh.rpc;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Options for the calls made through one proxy: a deadline (time allowed per call), request
 * metadata (string headers the server reads from {@link RpcContext#metadata()}), and optionally how
 * long a call may wait for its connection.
 *
 * <p>Immutable and thread-safe; each {@code with} method returns a new instance.
 */
public final class CallOptions {
  /** No options: the client's default deadline and no metadata. */
  public static final CallOptions DEFAULT = new CallOptions(null, Map.of(), null);

  /** The largest metadata block a request may carry, keys and values in UTF-8 included. */
  public static final int MAX_METADATA_BYTES = 8 * 1024;

  private final @Nullable Duration timeout;
  private final Map<String, String> metadata;
  private final @Nullable Duration connectWait;

  private CallOptions(
      @Nullable Duration timeout, Map<String, String> metadata, @Nullable Duration connectWait) {
    this.timeout = timeout;
    this.metadata = metadata;
    this.connectWait = connectWait;
  }

  /**
   * The same options with every call allowed {@code timeout}, instead of the client's default. A
   * call made inside a handler still ends no later than the handler's own deadline.
   */
  public CallOptions withTimeout(Duration timeout) {
    Objects.requireNonNull(timeout, "timeout");
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("call timeout must be positive, was " + timeout);
    }
    return new CallOptions(timeout, metadata, connectWait);
  }

  /**
   * The same options with every call waiting at most {@code wait} for its connection (the TCP
   * connect and the handshake) to come up: a call still unsent by then fails with {@link
   * Status#UNAVAILABLE}, {@linkplain RpcException#neverSent() never sent}. By default a call waits
   * for its connection as long as its deadline allows. For layers that would rather try another
   * endpoint than spend a whole deadline on one that cannot be reached; a wait as long as the
   * deadline changes nothing.
   */
  public CallOptions withConnectWait(Duration wait) {
    Objects.requireNonNull(wait, "wait");
    if (wait.isNegative() || wait.isZero()) {
      throw new IllegalArgumentException("connect wait must be positive, was " + wait);
    }
    return new CallOptions(timeout, metadata, wait);
  }

  /** The same options with metadata {@code key} set to {@code value}. */
  public CallOptions withMetadata(String key, String value) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(value, "value");
    if (key.isEmpty()) {
      throw new IllegalArgumentException("metadata key is empty");
    }
    Map<String, String> copy = new LinkedHashMap<>(metadata);
    copy.put(key, value);
    return new CallOptions(timeout, Map.copyOf(copy), connectWait);
  }

  /** The per-call timeout, or null for the client's default. */
  public @Nullable Duration timeout() {
    return timeout;
  }

  /** The most a call waits for its connection, or null for as long as its deadline allows. */
  public @Nullable Duration connectWait() {
    return connectWait;
  }

  /** The metadata sent with every call; unmodifiable. */
  public Map<String, String> metadata() {
    return metadata;
  }

  @Override
  public String toString() {
    return "CallOptions{timeout="
        + timeout
        + ", metadata="
        + metadata.keySet()
        + (connectWait != null ? ", connectWait=" + connectWait : "")
        + "}";
  }
}
