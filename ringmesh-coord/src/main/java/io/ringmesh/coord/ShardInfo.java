package io.ringmesh.coord;

import java.util.List;
import java.util.Optional;

/**
 * A lock shard or the registry, and the Raft group that carries it, for operators. Immutable.
 *
 * @param shard the shard number; the registry is numbered after the last shard
 * @param registry whether this is the registry group
 * @param leader the id of the coordinator that leads the shard's group, if one is known
 * @param replicas the ids of the coordinators that replicate the shard's group
 */
public record ShardInfo(
    int shard, boolean registry, Optional<String> leader, List<String> replicas) {

  /** Copies the replicas. */
  public ShardInfo {
    replicas = List.copyOf(replicas);
  }
}
