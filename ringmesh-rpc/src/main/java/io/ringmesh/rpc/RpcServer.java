package io.ringmesh.rpc;

import io.ringmesh.rpc.internal.Checks;
import io.ringmesh.rpc.internal.NettyServer;
import io.ringmesh.rpc.internal.ServerSettings;
import io.ringmesh.rpc.internal.Ticker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import org.jspecify.annotations.Nullable;

/**
 * Serves implementations of service interfaces on one port.
 *
 * <pre>{@code
 * RpcServer server = RpcServer.builder().port(7000).service(Greeter.class, new GreeterImpl())
 *     .build().start();
 * }</pre>
 *
 * <p>Blocking handlers run on a virtual thread per call unless an {@linkplain Builder#executor
 * executor} or {@linkplain Builder#directExecution() direct mode} is chosen. Lifecycle follows
 * {@link java.util.concurrent.ExecutorService}: {@link #shutdown()} stops taking calls (GOAWAY) and
 * lets in-flight ones finish, {@link #shutdownNow()} cancels them, {@link #close()} does the first
 * and, after the grace period, the second.
 *
 * <p>Thread-safe.
 */
public final class RpcServer implements AutoCloseable {
  private final NettyServer server;
  private boolean started; // guarded by this

  private RpcServer(NettyServer server) {
    this.server = server;
  }

  /** A builder with the defaults: 127.0.0.1, port 0, virtual threads, 4 MiB frames. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Binds the port and starts serving.
   *
   * @return this server
   * @throws IllegalStateException if already started, or the port cannot be bound
   */
  public synchronized RpcServer start() {
    if (started) {
      throw new IllegalStateException("the server was already started, on port " + port());
    }
    started = true;
    server.start();
    return this;
  }

  /** The bound port (useful with port 0). */
  public int port() {
    return server.port();
  }

  /** Connections open now (for tests and metrics). */
  int openConnections() {
    return server.openConnections();
  }

  /** Stops accepting connections and calls (GOAWAY); in-flight calls go on. Idempotent. */
  public void shutdown() {
    server.shutdown();
  }

  /** {@link #shutdown()}, then cancels in-flight calls and closes every connection. */
  public void shutdownNow() {
    server.shutdownNow();
  }

  /** True once shut down with every connection closed and threads released. */
  public boolean isTerminated() {
    return server.isTerminated();
  }

  /**
   * Waits up to {@code timeout} for in-flight calls to finish and connections to close after {@link
   * #shutdown()}.
   *
   * @return true if the server terminated
   */
  public boolean awaitTermination(Duration timeout) throws InterruptedException {
    return server.awaitTermination(timeout);
  }

  /** Graceful shutdown: waits up to the grace period for in-flight calls, then cancels them. */
  @Override
  public void close() {
    server.close();
  }

  /** Configures an {@link RpcServer}; not thread-safe. */
  public static final class Builder {
    private String bindAddress = "127.0.0.1";
    private int port;
    private final List<ServerSettings.Service> services = new ArrayList<>();
    private @Nullable ExecutorService executor;
    private boolean direct;
    private int maxFrameBytes = 4 * 1024 * 1024;
    private int maxConcurrentCallsPerConnection = 1024;
    private int maxPendingCalls = 65_536;
    private final List<ServerInterceptor> interceptors = new ArrayList<>();
    private @Nullable TlsConfig tls;
    private Duration idleTimeout = Duration.ofMinutes(5);
    private Duration shutdownGracePeriod = Duration.ofSeconds(10);
    private int ioThreads = Runtime.getRuntime().availableProcessors();
    private Ticker ticker = Ticker.SYSTEM;

    private Builder() {}

    /** The address to listen on; 127.0.0.1 by default, 0.0.0.0 for every interface. */
    public Builder bindAddress(String address) {
      this.bindAddress = Objects.requireNonNull(address, "address");
      return this;
    }

    /** The port; 0 (the default) picks a free one, see {@link RpcServer#port()}. */
    public Builder port(int port) {
      if (port < 0 || port > 65_535) {
        throw new IllegalArgumentException("port " + port + " is outside 0..65535");
      }
      this.port = port;
      return this;
    }

    /**
     * Serves {@code implementation} as {@code iface}. Every abstract method of the interface is
     * callable; its parameter and return types must be ones the codec carries, or {@link #build()}
     * fails naming the method and the type.
     */
    public <T> Builder service(Class<T> iface, T implementation) {
      Objects.requireNonNull(iface, "iface");
      Objects.requireNonNull(implementation, "implementation");
      services.add(new ServerSettings.Service(iface, implementation));
      return this;
    }

    /**
     * Runs handlers on {@code executor} instead of a virtual thread per call. The server does not
     * shut it down. If it rejects a task (a bounded queue is full), the call is refused with {@link
     * Status#RESOURCE_EXHAUSTED}.
     */
    public Builder executor(ExecutorService executor) {
      if (direct) {
        throw new IllegalStateException("executor(...) and directExecution() exclude each other");
      }
      this.executor = Objects.requireNonNull(executor, "executor");
      return this;
    }

    /**
     * Runs handlers on the I/O thread that read the request: the fastest mode, for handlers that
     * never block (computing a value, or returning a future completed elsewhere). A handler that
     * blocks stalls every connection of its I/O thread.
     */
    public Builder directExecution() {
      if (executor != null) {
        throw new IllegalStateException("executor(...) and directExecution() exclude each other");
      }
      this.direct = true;
      return this;
    }

    /** The largest frame accepted; 4 MiB by default. Larger requests are refused unread. */
    public Builder maxFrameBytes(int bytes) {
      this.maxFrameBytes = Checks.frameLimit(bytes);
      return this;
    }

    /** Calls in flight per connection before new ones are shed; 1,024 by default. */
    public Builder maxConcurrentCallsPerConnection(int calls) {
      if (calls < 1) {
        throw new IllegalArgumentException(
            "maxConcurrentCallsPerConnection must be at least 1, was " + calls);
      }
      this.maxConcurrentCallsPerConnection = calls;
      return this;
    }

    /** Calls admitted server-wide (running or waiting for a thread) before shedding; 65,536. */
    public Builder maxPendingCalls(int calls) {
      if (calls < 1) {
        throw new IllegalArgumentException("maxPendingCalls must be at least 1, was " + calls);
      }
      this.maxPendingCalls = calls;
      return this;
    }

    /** Adds an interceptor; interceptors run in the order added. */
    public Builder interceptor(ServerInterceptor interceptor) {
      interceptors.add(Objects.requireNonNull(interceptor, "interceptor"));
      return this;
    }

    /** Serves over TLS; see {@link TlsConfig#forServer}. */
    public Builder tls(TlsConfig tls) {
      this.tls = Objects.requireNonNull(tls, "tls");
      return this;
    }

    /**
     * Closes a connection with no call in flight and no traffic for this long (after a GOAWAY); 5
     * minutes by default, zero for never.
     */
    public Builder idleTimeout(Duration timeout) {
      if (timeout.isNegative()) {
        throw new IllegalArgumentException("idleTimeout must not be negative, was " + timeout);
      }
      this.idleTimeout = timeout;
      return this;
    }

    /** How long {@link RpcServer#close()} lets in-flight calls finish; 10 s by default. */
    public Builder shutdownGracePeriod(Duration grace) {
      if (grace.isNegative()) {
        throw new IllegalArgumentException(
            "shutdownGracePeriod must not be negative, was " + grace);
      }
      this.shutdownGracePeriod = grace;
      return this;
    }

    /** I/O threads; the number of cores by default. */
    public Builder ioThreads(int threads) {
      this.ioThreads = Checks.ioThreads(threads);
      return this;
    }

    Builder ticker(Ticker ticker) {
      this.ticker = ticker;
      return this;
    }

    /**
     * Validates the services and builds the server (not yet listening: call {@link #start()}).
     *
     * @throws IllegalArgumentException naming the interface, method and type that cannot be served
     */
    public RpcServer build() {
      if (services.isEmpty()) {
        throw new IllegalStateException("no services: add one with service(Interface.class, impl)");
      }
      return new RpcServer(
          new NettyServer(
              new ServerSettings(
                  bindAddress,
                  port,
                  List.copyOf(services),
                  executor,
                  direct,
                  maxFrameBytes,
                  maxConcurrentCallsPerConnection,
                  maxPendingCalls,
                  List.copyOf(interceptors),
                  tls,
                  idleTimeout,
                  shutdownGracePeriod,
                  ioThreads),
              ticker));
    }
  }
}
