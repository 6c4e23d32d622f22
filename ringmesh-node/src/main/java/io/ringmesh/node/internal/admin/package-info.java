/**
 * Internal: the admin HTTP server every node runs (issue #8).
 *
 * <p>{@link io.ringmesh.node.internal.admin.NodeView} is what the server sees of its node; the node
 * process implements it. {@link io.ringmesh.node.internal.admin.AdminServer} serves, on Netty's
 * HTTP codec: {@code /health/live} and {@code /health/ready}; {@code /metrics} in the Prometheus
 * text format (Micrometer); {@code /api/ring}, {@code /api/nodes}, {@code /api/shards} and {@code
 * /api/locks} as JSON; the JSON gateway {@code POST /call/{service}/{method}}; and the dashboard
 * page at {@code /}, a static page that polls the {@code /api} endpoints.
 */
@NullMarked
package io.ringmesh.node.internal.admin;

import org.jspecify.annotations.NullMarked;
