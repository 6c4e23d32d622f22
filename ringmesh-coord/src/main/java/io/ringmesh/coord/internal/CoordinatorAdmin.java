package io.ringmesh.coord.internal;

/**
 * What a coordinator offers the operator's {@code coord add|remove}, served on the same RPC port as
 * {@link CoordinatorService}: its view of the membership, and recording a new one. The Raft groups
 * themselves are changed through Ratis' own admin protocol, not here. Implementations are
 * thread-safe.
 */
public interface CoordinatorAdmin {

  /**
   * One coordinator's view of the ensemble.
   *
   * @param clusterName the cluster's name
   * @param shards the shard count
   * @param replicas the replicas per group this coordinator was configured with
   * @param coordinatorId this coordinator's id
   * @param raftAddress this coordinator's Raft {@code host:port}, as bound
   * @param epoch the epoch of its membership record
   * @param peers the committed peers, {@code id=host:raftPort,...}
   * @param pending the peers a change in progress moves to, or empty
   * @param endpoints the RPC endpoints it knows, {@code id=host:port,...}
   * @param joining whether it was started to join and has not been added yet
   * @param groups how many Raft groups carry the shards; 0 from a coordinator older than lock
   *     groups, which had one per shard (the field is last: the RPC codec adds fields at the end)
   */
  record MembershipInfo(
      String clusterName,
      int shards,
      int replicas,
      String coordinatorId,
      String raftAddress,
      long epoch,
      String peers,
      String pending,
      String endpoints,
      boolean joining,
      int groups) {

    /** How many Raft groups carry the shards, reading an older coordinator's 0 as one per shard. */
    public int groupCount() {
      return groups == 0 ? shards : groups;
    }
  }

  /**
   * A membership to record; ignored by a coordinator whose record has this epoch or a later one.
   *
   * @param clusterName must be the coordinator's cluster
   * @param epoch the new epoch
   * @param peers the committed peers, {@code id=host:raftPort,...}
   * @param pending the peers a change in progress moves to, or empty
   * @param endpoints the RPC endpoints, {@code id=host:port,...}
   */
  record MembershipUpdate(
      String clusterName, long epoch, String peers, String pending, String endpoints) {}

  /** This coordinator's view of the ensemble. */
  MembershipInfo membership();

  /**
   * Records {@code update} durably (synced) unless this coordinator already has its epoch or a
   * later one, and returns the view after it.
   *
   * @throws IllegalArgumentException if the update is for another cluster
   */
  MembershipInfo updateMembership(MembershipUpdate update);
}
