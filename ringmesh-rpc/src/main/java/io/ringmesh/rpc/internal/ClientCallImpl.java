package io.ringmesh.rpc.internal;

import io.ringmesh.rpc.ClientCall;
import io.ringmesh.rpc.Endpoint;
import io.ringmesh.rpc.Status;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/** The {@link ClientCall} that interceptors see. Confined to the calling thread. */
final class ClientCallImpl implements ClientCall {
  private final RpcMethod method;
  private final Endpoint endpoint;
  private final long timeoutNanos;
  private final Map<String, String> metadata;
  private @Nullable List<Consumer<Status>> listeners;

  ClientCallImpl(
      RpcMethod method, Endpoint endpoint, long timeoutNanos, Map<String, String> metadata) {
    this.method = method;
    this.endpoint = endpoint;
    this.timeoutNanos = timeoutNanos;
    this.metadata = new LinkedHashMap<>(metadata);
  }

  @Override
  public String method() {
    return method.fullName();
  }

  @Override
  public Endpoint endpoint() {
    return endpoint;
  }

  @Override
  public Duration timeout() {
    return Duration.ofNanos(timeoutNanos);
  }

  @Override
  public Map<String, String> metadata() {
    return Collections.unmodifiableMap(metadata);
  }

  Map<String, String> metadataMap() {
    return metadata;
  }

  @Override
  public void putMetadata(String key, String value) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(value, "value");
    if (key.isEmpty()) {
      throw new IllegalArgumentException("metadata key is empty");
    }
    metadata.put(key, value);
  }

  @Override
  public void onComplete(Consumer<Status> listener) {
    if (listeners == null) {
      listeners = new ArrayList<>(2);
    }
    listeners.add(Objects.requireNonNull(listener));
  }

  @Nullable List<Consumer<Status>> listeners() {
    return listeners;
  }
}
