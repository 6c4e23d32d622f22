/**
 * Consistent hashing: map a request key to a node so that load is even and a membership change
 * moves only the keys it must.
 *
 * <p>The entry points:
 *
 * <ul>
 *   <li>{@link io.ringmesh.ring.HashRing}: an immutable snapshot of a membership under one {@link
 *       io.ringmesh.ring.Algorithm}. It routes a key, lists the first k distinct nodes for a key
 *       (failover and replica placement), and derives new snapshots with {@code with}/{@code
 *       without}. Build one with {@link io.ringmesh.ring.HashRing#builder()}.
 *   <li>{@link io.ringmesh.ring.RingHolder}: the current snapshot for readers that must never
 *       block, swapped atomically when a rebuild finishes off the request path.
 *   <li>{@link io.ringmesh.ring.BoundedLoadRouter}: consistent hashing with bounded loads over any
 *       algorithm: a node takes at most {@code ceil((1+epsilon) * mean)} in-flight requests.
 *   <li>{@link io.ringmesh.ring.KeyHash}: the key hash every algorithm but ketama uses (XXH3-64,
 *       seed 0), for callers that hash once and route many times.
 * </ul>
 *
 * <p>Routing is a compatibility promise: the same membership, algorithm and settings route every
 * key to the same node in every process, JVM and Ringmesh version. Golden vectors in the tests
 * guard it; changing them is a breaking change.
 */
@NullMarked
package io.ringmesh.ring;

import org.jspecify.annotations.NullMarked;
