/**
 * Routed calls to stateless services: a {@link io.ringmesh.cluster.ClusterClient} turns a service
 * interface into a proxy whose every call goes to the node that owns the call's key.
 *
 * <p>The entry points:
 *
 * <ul>
 *   <li>{@link io.ringmesh.cluster.Discovery}: who serves a service now, and a listener for
 *       changes. {@link io.ringmesh.cluster.StaticDiscovery} is a fixed list that can be updated at
 *       run time; {@link io.ringmesh.cluster.RegistryDiscovery} follows the coordinators' service
 *       registry. {@link io.ringmesh.cluster.HealthCheckedDiscovery} adds active health checks to
 *       any of them.
 *   <li>{@link io.ringmesh.cluster.ClusterClient}: one consistent-hash ring per service, built from
 *       discovery by node id and swapped atomically when discovery changes, never on the request
 *       path.
 *   <li>{@link io.ringmesh.cluster.RouteKey} marks the argument a call is routed by; without one a
 *       call goes to the less loaded of two random healthy nodes. {@link
 *       io.ringmesh.cluster.Idempotent} lets a call that may have run move on to the next node.
 * </ul>
 *
 * <p>A failed attempt moves on along the key's preference list only when that is safe (the server
 * certainly did not run it, or the method is idempotent), within the call's one deadline and a
 * Finagle-style retry budget; a node failing repeatedly is ejected for a growing backoff.
 */
@NullMarked
package io.ringmesh.cluster;

import org.jspecify.annotations.NullMarked;
