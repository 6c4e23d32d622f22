package io.ringmesh.rpc.internal;

import io.ringmesh.rpc.ServerInterceptor;
import io.ringmesh.rpc.TlsConfig;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import org.jspecify.annotations.Nullable;

/**
 * Everything an {@link io.ringmesh.rpc.RpcServer.Builder} collected, validated. Immutable.
 *
 * @param bindAddress the address to listen on
 * @param port the port, 0 for any free one
 * @param services the (interface, implementation) pairs
 * @param executor where blocking handlers run; null for a virtual thread per call
 * @param direct run handlers on the event loop instead
 * @param maxFrameBytes the largest frame accepted
 * @param maxConcurrentCallsPerConnection calls in flight per connection before shedding
 * @param maxPendingCalls calls admitted server-wide (running or waiting) before shedding
 * @param interceptors run before every handler, in order
 * @param tls TLS, or null for plaintext
 * @param idleTimeout a connection with no calls and no traffic this long is closed; zero: never
 * @param shutdownGracePeriod how long {@code close()} lets in-flight calls finish
 * @param ioThreads event loop threads
 */
public record ServerSettings(
    String bindAddress,
    int port,
    List<Service> services,
    @Nullable ExecutorService executor,
    boolean direct,
    int maxFrameBytes,
    int maxConcurrentCallsPerConnection,
    int maxPendingCalls,
    List<ServerInterceptor> interceptors,
    @Nullable TlsConfig tls,
    Duration idleTimeout,
    Duration shutdownGracePeriod,
    int ioThreads) {

  /**
   * One registered service.
   *
   * @param iface the interface
   * @param implementation its implementation
   */
  public record Service(Class<?> iface, Object implementation) {}
}
