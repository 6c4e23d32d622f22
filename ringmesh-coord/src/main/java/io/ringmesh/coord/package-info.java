/**
 * The lock service: leases on named locks, with fencing tokens and FIFO hand-off, and the service
 * registry, kept by a coordinator on Apache Ratis.
 *
 * <ul>
 *   <li>{@link io.ringmesh.coord.Coordinator}: the server. One Ratis server hosting the Raft group
 *       of each lock shard it replicates; embedded (one coordinator, every shard local) by default.
 *   <li>{@link io.ringmesh.coord.LockClient}: a session with a TTL, renewed by batched heartbeats,
 *       through which {@code acquire}, {@code tryAcquire}, {@code acquireAsync} and {@code holder}
 *       work.
 *   <li>{@link io.ringmesh.coord.Lease}: a held lock; closing it releases the lock. It carries the
 *       fencing token of its grant and tells {@link io.ringmesh.coord.Lease#onLost} listeners when
 *       it is lost.
 *   <li>{@link io.ringmesh.coord.FencedResource}: the check a protected resource makes, so that a
 *       holder whose lease lapsed cannot write after a newer one.
 *   <li>{@link io.ringmesh.coord.Registry}, from {@code LockClient#registry()}: service instances
 *       ({@link io.ringmesh.coord.RegistryEntry}) that live as long as the session that registered
 *       them, read as a versioned {@link io.ringmesh.coord.RegistrySnapshot} and followed by a
 *       long-poll {@code watch}. The registry is one more Raft group beside the shards.
 *   <li>{@code LockClient#locks} and {@code LockClient#shards} ({@link
 *       io.ringmesh.coord.ShardInfo}): bounded listings for operators and the dashboard.
 *   <li>{@link io.ringmesh.coord.LockException}: the one failure type, with a code.
 *   <li>{@link io.ringmesh.coord.MembershipChange}: adds or removes a coordinator of a running
 *       ensemble, moving only the groups whose placement changes, through Raft membership changes
 *       ({@code bin/ringmesh coord add|remove}); {@link io.ringmesh.coord.MembershipException} says
 *       why one was refused.
 *   <li>{@link io.ringmesh.coord.TimeSource}: the injectable clock of TTLs, heartbeats, timeouts
 *       and retries.
 * </ul>
 *
 * <p>The state machine and its reasoning (sessions, leader-side expiry, tokens, deduplication) are
 * described in {@code io.ringmesh.coord.internal.ShardState} and {@code
 * docs/decisions/0004-lock-state-machine.md}.
 */
@NullMarked
package io.ringmesh.coord;

import org.jspecify.annotations.NullMarked;
