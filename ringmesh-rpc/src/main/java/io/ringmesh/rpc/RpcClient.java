package io.ringmesh.rpc;

import io.ringmesh.rpc.internal.Checks;
import io.ringmesh.rpc.internal.ClientSettings;
import io.ringmesh.rpc.internal.NettyClient;
import io.ringmesh.rpc.internal.Ticker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Calls services through typed proxies. One client keeps {@linkplain Builder#connectionsPerEndpoint
 * a few} multiplexed connections per endpoint, made on first use and remade after failures with
 * exponential backoff; calls are pipelined over them.
 *
 * <pre>{@code
 * try (RpcClient client = RpcClient.builder().build()) {
 *   Greeter greeter = client.proxy(Greeter.class, Endpoint.parse("10.0.0.1:7000"));
 *   String hi = greeter.hello("ada");
 * }
 * }</pre>
 *
 * <p>A proxy method that returns a value blocks its caller until the result, an error ({@link
 * RpcException}) or the deadline; one that returns {@code CompletableFuture} returns at once and
 * holds no thread; cancelling that future cancels the call on the server. Futures complete on an
 * I/O thread: stages added without an executor must not block.
 *
 * <p>Thread-safe; proxies are thread-safe and cheap, and may be shared.
 */
public final class RpcClient implements AutoCloseable {
  private final NettyClient client;

  private RpcClient(NettyClient client) {
    this.client = client;
  }

  /** A builder with the defaults: 1 s deadline, one connection per endpoint, plaintext. */
  public static Builder builder() {
    return new Builder();
  }

  /** A proxy of {@code iface} calling {@code endpoint} with the client's defaults. */
  public <T> T proxy(Class<T> iface, Endpoint endpoint) {
    return proxy(iface, endpoint, CallOptions.DEFAULT);
  }

  /**
   * A proxy of {@code iface} calling {@code endpoint} with {@code options} (deadline, metadata).
   *
   * @throws IllegalArgumentException if {@code iface} is not a valid service interface, naming the
   *     method and type at fault
   */
  public <T> T proxy(Class<T> iface, Endpoint endpoint, CallOptions options) {
    Objects.requireNonNull(iface, "iface");
    Objects.requireNonNull(endpoint, "endpoint");
    Objects.requireNonNull(options, "options");
    return client.proxy(iface, endpoint, options);
  }

  /**
   * Calls {@code iface}'s methods on any endpoint without a proxy per endpoint or per call (see
   * {@link MethodInvoker}).
   *
   * @throws IllegalArgumentException if {@code iface} is not a valid service interface
   */
  public MethodInvoker invoker(Class<?> iface) {
    Objects.requireNonNull(iface, "iface");
    return client.invoker(iface);
  }

  /** Closes every connection, failing calls in flight with UNAVAILABLE. Idempotent. */
  @Override
  public void close() {
    client.close();
  }

  /** Configures an {@link RpcClient}; not thread-safe. */
  public static final class Builder {
    private Duration defaultDeadline = Duration.ofSeconds(1);
    private int connectionsPerEndpoint = 1;
    private final List<ClientInterceptor> interceptors = new ArrayList<>();
    private @Nullable TlsConfig tls;
    private Duration connectTimeout = Duration.ofSeconds(5);
    private Duration keepAliveTime = Duration.ofSeconds(30);
    private Duration keepAliveTimeout = Duration.ofSeconds(10);
    private Duration backoffInitial = Duration.ofMillis(100);
    private Duration backoffMax = Duration.ofSeconds(10);
    private int maxFrameBytes = 4 * 1024 * 1024;
    private int ioThreads = Math.min(2, Runtime.getRuntime().availableProcessors());
    private Ticker ticker = Ticker.SYSTEM;

    private Builder() {}

    /** The time allowed to calls that set none ({@link CallOptions#withTimeout}); 1 s. */
    public Builder defaultDeadline(Duration deadline) {
      this.defaultDeadline = positive(deadline, "defaultDeadline");
      return this;
    }

    /** Connections per endpoint; calls are spread over them round-robin. 1 by default. */
    public Builder connectionsPerEndpoint(int connections) {
      if (connections < 1 || connections > 64) {
        throw new IllegalArgumentException(
            "connectionsPerEndpoint " + connections + " is outside 1..64");
      }
      this.connectionsPerEndpoint = connections;
      return this;
    }

    /** Adds an interceptor; interceptors run in the order added. */
    public Builder interceptor(ClientInterceptor interceptor) {
      interceptors.add(Objects.requireNonNull(interceptor, "interceptor"));
      return this;
    }

    /** Connects over TLS; see {@link TlsConfig#forClient()}. */
    public Builder tls(TlsConfig tls) {
      this.tls = Objects.requireNonNull(tls, "tls");
      return this;
    }

    /**
     * How long a TCP connect may take, and again the handshake after it (the server's hello, and
     * TLS if used); 5 s by default. A connection that does not come up in time fails the calls
     * waiting for it with UNAVAILABLE, unless their deadlines end them first.
     */
    public Builder connectTimeout(Duration timeout) {
      this.connectTimeout = positive(timeout, "connectTimeout");
      return this;
    }

    /**
     * Pings a connection after {@code time} without reading from it, and closes it if the ping is
     * not answered within {@code timeout}; 30 s and 10 s by default. Zero time turns pings off.
     */
    public Builder keepAlive(Duration time, Duration timeout) {
      if (time.isNegative()) {
        throw new IllegalArgumentException("keepAlive time must not be negative, was " + time);
      }
      this.keepAliveTime = time;
      this.keepAliveTimeout = positive(timeout, "keepAlive timeout");
      return this;
    }

    /**
     * The delay before reconnecting after a failed attempt: {@code initial}, growing 1.6 times per
     * failure up to {@code max}, with +/-20% jitter; 100 ms and 10 s by default.
     */
    public Builder reconnectBackoff(Duration initial, Duration max) {
      positive(initial, "reconnectBackoff initial");
      if (max.compareTo(initial) < 0) {
        throw new IllegalArgumentException(
            "reconnectBackoff max " + max + " is below its initial " + initial);
      }
      this.backoffInitial = initial;
      this.backoffMax = max;
      return this;
    }

    /** The largest response frame accepted; 4 MiB by default. */
    public Builder maxFrameBytes(int bytes) {
      this.maxFrameBytes = Checks.frameLimit(bytes);
      return this;
    }

    /** I/O threads; min(2, cores) by default. */
    public Builder ioThreads(int threads) {
      this.ioThreads = Checks.ioThreads(threads);
      return this;
    }

    Builder ticker(Ticker ticker) {
      this.ticker = ticker;
      return this;
    }

    /** The client; connections are made on first use. */
    public RpcClient build() {
      return new RpcClient(
          new NettyClient(
              new ClientSettings(
                  defaultDeadline,
                  connectionsPerEndpoint,
                  List.copyOf(interceptors),
                  tls,
                  connectTimeout,
                  keepAliveTime,
                  keepAliveTimeout,
                  backoffInitial,
                  backoffMax,
                  maxFrameBytes,
                  ioThreads),
              ticker));
    }

    private static Duration positive(Duration d, String name) {
      Objects.requireNonNull(d, name);
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(name + " must be positive, was " + d);
      }
      return d;
    }
  }
}
