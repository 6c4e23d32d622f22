/**
 * The RPC benchmark: Ringmesh RPC beside gRPC-java and a raw Netty echo, each server in its own
 * JVM, driven by a closed-loop client (in the style of gRPC-java's {@code AsyncClient}) in another.
 * {@link io.ringmesh.bench.rpc.RpcBenchmark} runs every stack and cell and prints one JSON object
 * per cell; {@code bin/ringmesh bench rpc} formats them. {@link
 * io.ringmesh.bench.rpc.RoutingBenchmark} measures what routing through {@code ClusterClient} costs
 * on top of a direct call, against the same server in the same run ({@code bin/ringmesh bench
 * routing}).
 */
@NullMarked
package io.ringmesh.bench.rpc;

import org.jspecify.annotations.NullMarked;
