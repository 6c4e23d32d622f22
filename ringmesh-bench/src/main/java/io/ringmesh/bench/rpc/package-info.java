/**
 * The RPC benchmark: Ringmesh RPC beside gRPC-java and a raw Netty echo, each server in its own
 * JVM, driven by a closed-loop client (in the style of gRPC-java's {@code AsyncClient}) in another.
 * {@link io.ringmesh.bench.rpc.RpcBenchmark} runs every stack and cell and prints one JSON object
 * per cell; {@code bin/ringmesh bench rpc} formats them.
 */
@NullMarked
package io.ringmesh.bench.rpc;

import org.jspecify.annotations.NullMarked;
