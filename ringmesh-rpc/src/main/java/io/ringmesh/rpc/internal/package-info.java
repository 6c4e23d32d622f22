/**
 * Internal: the transport behind {@link io.ringmesh.rpc.RpcServer} and {@link
 * io.ringmesh.rpc.RpcClient}. Not an API; anything here may change without notice.
 *
 * <p>The pieces: {@link io.ringmesh.rpc.internal.FrameDecoder} (framing, with the wire diagram) and
 * {@link io.ringmesh.rpc.internal.Frames} (constants and frame writers); {@link
 * io.ringmesh.rpc.internal.NettyServer} and its per-connection {@code ServerConnection}; {@link
 * io.ringmesh.rpc.internal.NettyClient}, its per-endpoint {@code EndpointPool} and per-connection
 * {@code ClientConnection}; {@code Outbound}, the write coalescing both sides share; {@link
 * io.ringmesh.rpc.internal.ServiceDescriptor} and {@link io.ringmesh.rpc.internal.RpcMethod}, the
 * validated view of a service interface; and the codec in {@code internal.codec}.
 */
@NullMarked
package io.ringmesh.rpc.internal;

import org.jspecify.annotations.NullMarked;
