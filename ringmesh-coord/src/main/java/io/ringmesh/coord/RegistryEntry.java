package io.ringmesh.coord;

import io.ringmesh.coord.internal.Messages.ServiceEntry;
import io.ringmesh.coord.internal.Validation;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * One service instance in the {@link Registry}: node {@code nodeId} serves {@code service} at
 * {@code host:port}. An entry is keyed by (service, nodeId); registering the same key again
 * replaces it.
 *
 * <p>Immutable and thread-safe. The constructor validates every field and fails with an {@link
 * IllegalArgumentException} whose message names the field.
 *
 * @param service the service's name, non-empty
 * @param nodeId the node's stable id, non-empty; a node that restarts keeps it
 * @param host the host the node's RPC server is reached at, non-empty
 * @param port its port, in [1, 65535]
 * @param weight the node's share of keys relative to its peers; positive and finite
 * @param version a free-form version of the node's software, may be empty
 * @param metadata free-form labels (zone, ...); copied, at most 64 pairs
 */
public record RegistryEntry(
    String service,
    String nodeId,
    String host,
    int port,
    double weight,
    String version,
    Map<String, String> metadata) {

  /** Validates and copies. */
  public RegistryEntry {
    Optional<String> bad =
        Validation.checkEntry(
            new ServiceEntry(service, nodeId, host, port, weight, version, metadata));
    if (bad.isPresent()) {
      throw new IllegalArgumentException("invalid registry entry: " + bad.get());
    }
    metadata = java.util.Collections.unmodifiableMap(new TreeMap<>(metadata));
  }

  /** An entry of weight 1, no version and no metadata. */
  public static RegistryEntry of(String service, String nodeId, String host, int port) {
    return new RegistryEntry(service, nodeId, host, port, 1, "", Map.of());
  }

  ServiceEntry toMessage() {
    return new ServiceEntry(service, nodeId, host, port, weight, version, metadata);
  }

  static RegistryEntry of(ServiceEntry e) {
    return new RegistryEntry(
        e.service(), e.nodeId(), e.host(), e.port(), e.weight(), e.version(), e.metadata());
  }
}
