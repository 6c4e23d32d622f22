/**
 * Tools that test a Ringmesh cluster from outside, as real processes.
 *
 * <ul>
 *   <li>{@link io.ringmesh.testkit.ChaosRun}: the chaos suite behind {@code bin/ringmesh chaos}.
 *       Real coordinator processes on loopback (or each in its own network namespace), lock clients
 *       in other processes writing to a fenced resource, seeded faults (SIGKILL and restart,
 *       SIGSTOP past the session TTL of a coordinator or of a client holding a lock, partitions
 *       with loss and delay), and a checker over the recorded history. Settings are a {@link
 *       io.ringmesh.testkit.ChaosOptions}; the outcome a {@link io.ringmesh.testkit.ChaosReport}.
 *   <li>{@link io.ringmesh.testkit.ChildProcess}: a child JVM started from this JVM's class path,
 *       its output in a log file, that exits when its parent does; the demo's nodes and the chaos
 *       suite's processes are ones.
 * </ul>
 */
@NullMarked
package io.ringmesh.testkit;

import org.jspecify.annotations.NullMarked;
