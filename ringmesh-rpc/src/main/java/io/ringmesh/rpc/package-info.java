/**
 * RPC between Java services: a service is a plain interface, served by an {@link
 * io.ringmesh.rpc.RpcServer} and called through a proxy from an {@link io.ringmesh.rpc.RpcClient}.
 *
 * <p>The entry points:
 *
 * <ul>
 *   <li>{@link io.ringmesh.rpc.RpcServer#builder()}: a port, one or more {@code (interface,
 *       implementation)} pairs, an executor (virtual threads by default) or direct mode, limits,
 *       interceptors and TLS.
 *   <li>{@link io.ringmesh.rpc.RpcClient#builder()}: a default deadline, pool size, interceptors
 *       and TLS; {@code proxy(Interface.class, Endpoint.of(host, port))} gives a typed proxy.
 *   <li>{@link io.ringmesh.rpc.RpcContext#current()}: the deadline, metadata and cancellation of
 *       the call a handler is serving.
 *   <li>{@link io.ringmesh.rpc.RpcException} with a {@link io.ringmesh.rpc.Status}: the one
 *       exception type of every failure.
 * </ul>
 *
 * <p>Methods may return a value (the caller blocks), a {@code CompletableFuture} (nothing blocks)
 * or {@code void}. Arguments and results may be records, enums, primitives and their boxes, {@code
 * String}, {@code byte[]}, {@code UUID}, {@code Instant}, {@code Duration}, {@code BigDecimal},
 * {@code BigInteger}, and {@code List}/{@code Set}/{@code Map}/{@code Optional} of those; the codec
 * refuses anything else at registration, and can only ever decode the types the interfaces declare.
 * The wire protocol is described in {@code docs/protocol.md}.
 */
@NullMarked
package io.ringmesh.rpc;

import org.jspecify.annotations.NullMarked;
