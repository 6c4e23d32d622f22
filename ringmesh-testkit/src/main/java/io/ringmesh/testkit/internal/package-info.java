/**
 * Internal: the chaos suite's implementation. Not an API; anything here may change without notice.
 *
 * <ul>
 *   <li>{@link io.ringmesh.testkit.internal.ChaosDriver}: starts the coordinators and clients,
 *       hosts the fenced resource, injects seeded faults and collects the history.
 *   <li>{@link io.ringmesh.testkit.internal.CoordinatorMain} and {@link
 *       io.ringmesh.testkit.internal.ChaosClientMain}: the child processes.
 *   <li>{@link io.ringmesh.testkit.internal.RecordingFencedStore}: the fenced resource as an RPC
 *       service.
 *   <li>{@link io.ringmesh.testkit.internal.NetworkNamespaces}: one network namespace per
 *       coordinator, for partitions, loss and delay.
 *   <li>{@link io.ringmesh.testkit.internal.HistoryChecker} over {@link
 *       io.ringmesh.testkit.internal.Event}s: the properties a run must keep.
 * </ul>
 */
@NullMarked
package io.ringmesh.testkit.internal;

import org.jspecify.annotations.NullMarked;
