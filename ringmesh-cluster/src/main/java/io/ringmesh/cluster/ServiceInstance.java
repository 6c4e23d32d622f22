package io.ringmesh.cluster;

import io.ringmesh.rpc.Endpoint;
import java.util.Map;
import java.util.Objects;

/**
 * One node serving one service: its stable id, where to reach it, its share of keys relative to its
 * peers, and free-form metadata. Routing depends on the id and weight only, so a node that restarts
 * on a new port with the same id keeps its keys.
 *
 * <p>Immutable and thread-safe.
 *
 * @param nodeId stable id of the node, non-empty
 * @param endpoint host and port of the node's RPC server
 * @param weight share of keys relative to the other instances; positive and finite
 * @param metadata free-form labels (zone, version, ...); copied
 */
public record ServiceInstance(
    String nodeId, Endpoint endpoint, double weight, Map<String, String> metadata) {

  /** Validates every field; the messages name the node. */
  public ServiceInstance {
    Objects.requireNonNull(nodeId, "nodeId");
    Objects.requireNonNull(endpoint, "endpoint");
    Objects.requireNonNull(metadata, "metadata");
    if (nodeId.isEmpty()) {
      throw new IllegalArgumentException("a service instance's nodeId must not be empty");
    }
    if (!(weight > 0) || Double.isInfinite(weight)) {
      throw new IllegalArgumentException(
          "instance '"
              + nodeId
              + "' has weight "
              + weight
              + "; a weight must be positive and finite");
    }
    metadata = Map.copyOf(metadata);
  }

  /** An instance of weight 1 without metadata. */
  public static ServiceInstance of(String nodeId, Endpoint endpoint) {
    return new ServiceInstance(nodeId, endpoint, 1, Map.of());
  }
}
