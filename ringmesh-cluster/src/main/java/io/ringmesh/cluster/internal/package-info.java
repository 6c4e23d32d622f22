/**
 * Internal: the implementation of {@code io.ringmesh.cluster}. Nothing here is API; it may change
 * in any release.
 *
 * <p>{@link io.ringmesh.cluster.internal.ServiceRouter} holds one service's current {@link
 * io.ringmesh.cluster.internal.RoutingSnapshot} (ring plus per-node state) and rebuilds it off the
 * request path; {@link io.ringmesh.cluster.internal.RoutedInvocationHandler} runs a call's
 * attempts; {@link io.ringmesh.cluster.internal.RetryBudget} and {@link
 * io.ringmesh.cluster.internal.NodeHealth} decide whether a retry is allowed and whether a node is
 * ejected, both on an injectable {@link io.ringmesh.cluster.Ticker}.
 */
@NullMarked
package io.ringmesh.cluster.internal;

import org.jspecify.annotations.NullMarked;
