/**
 * Internal: the coordinator's implementation. Not an API; anything here may change without notice.
 *
 * <ul>
 *   <li>{@link io.ringmesh.coord.internal.CoordinatorService} and {@link
 *       io.ringmesh.coord.internal.Messages}: the wire-facing contract between lock clients and
 *       coordinators (records and enums only; outcomes as {@link
 *       io.ringmesh.coord.internal.Status}).
 *   <li>{@link io.ringmesh.coord.internal.ShardState}: the deterministic lock table of one shard;
 *       {@link io.ringmesh.coord.internal.Command}: its log entries.
 *   <li>{@link io.ringmesh.coord.internal.LockStateMachine}: the Ratis state machine around it,
 *       with snapshots in {@link io.ringmesh.coord.internal.SnapshotFile}.
 *   <li>{@link io.ringmesh.coord.internal.ShardService}: a coordinator's side of one shard:
 *       proposals, open calls, heartbeats, and the leader's expiry and timeout duties.
 *   <li>{@link io.ringmesh.coord.internal.Placement}: lock names to shards, shards to coordinators.
 *   <li>{@link io.ringmesh.coord.internal.NoopRatisMetrics}: the metric registries Ratis loads,
 *       recording nothing (Ringmesh reads none of Ratis' metrics).
 * </ul>
 */
@NullMarked
package io.ringmesh.coord.internal;

import org.jspecify.annotations.NullMarked;
