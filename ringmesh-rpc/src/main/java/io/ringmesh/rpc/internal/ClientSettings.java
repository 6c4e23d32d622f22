package io.ringmesh.rpc.internal;

import io.ringmesh.rpc.ClientInterceptor;
import io.ringmesh.rpc.TlsConfig;
import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Everything an {@link io.ringmesh.rpc.RpcClient.Builder} collected, validated. Immutable.
 *
 * @param defaultTimeout the deadline of calls that set none
 * @param connectionsPerEndpoint connections kept per endpoint; calls are spread over them
 * @param interceptors run before every call, in order
 * @param tls TLS, or null for plaintext
 * @param connectTimeout how long a TCP connect may take, and again the handshake after it
 * @param keepAliveTime ping a connection after this long without reading; zero: never
 * @param keepAliveTimeout close a connection whose ping is unanswered this long
 * @param reconnectBackoffInitial first delay after a failed connection attempt
 * @param reconnectBackoffMax largest delay between attempts
 * @param maxFrameBytes the largest response frame accepted
 * @param ioThreads event loop threads
 */
public record ClientSettings(
    Duration defaultTimeout,
    int connectionsPerEndpoint,
    List<ClientInterceptor> interceptors,
    @Nullable TlsConfig tls,
    Duration connectTimeout,
    Duration keepAliveTime,
    Duration keepAliveTimeout,
    Duration reconnectBackoffInitial,
    Duration reconnectBackoffMax,
    int maxFrameBytes,
    int ioThreads) {}
