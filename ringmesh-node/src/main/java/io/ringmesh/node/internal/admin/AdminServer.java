package io.ringmesh.node.internal.admin;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.type.LogicalType;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * The admin HTTP server of a node: health, Prometheus metrics, the {@code /api} views of the
 * cluster, the JSON gateway and the dashboard, all read from a {@link NodeView}.
 *
 * <pre>{@code
 * try (AdminServer admin = AdminServer.builder(view).bindAddress("0.0.0.0").port(9400).start()) {
 *   ... admin.port() ...
 * }
 * }</pre>
 *
 * <p>Thread-safe; {@link #close()} is idempotent.
 */
public final class AdminServer implements AutoCloseable {
  /*
   * Design.
   *
   * Transport. Netty's HttpServerCodec + HttpObjectAggregator (bodies up to 1 MiB; larger gets
   * 413 from the aggregator), so no HTTP is parsed here. One NIO event loop is plenty: the admin
   * port sees a dashboard poll a second and a scraper every few seconds, and the node's RPC
   * transport keeps its own loops. (We do not borrow ringmesh-rpc's epoll selection: that is its
   * internal package, and the admin port has no need for it.)
   *
   * Threads. The event loop never runs NodeView code or a service call: the routes hand that to
   * an executor of virtual threads, because a NodeView may take a lock and a gateway call
   * blocks for as long as the routed RPC takes. Responses are chained per connection so they go
   * out in request order even when a later request finishes first (pipelining).
   *
   * Routing (AdminRoutes) is a plain function from request to CompletableFuture<AdminResponse>,
   * testable without a socket. Routes are a closed set; the meters tag by route template, never
   * by raw path or by a service/method name a client made up, so no request can grow the set of
   * time series.
   *
   * Gateway (JsonGateway). The one way from a request to a class is NodeView.gatewayTarget: the
   * node decides which services are callable. Within the interface, the method is chosen by name
   * and arity, and Jackson converts each argument to the declared generic parameter type with
   * default typing off, scalar coercion off and null-for-primitive failing, so "1" is not an int
   * and no JSON names a class. Errors are 4xx before any call (400 names the argument by index
   * and parameter name, which the build keeps with -parameters), 502/503/504 after (as an HTTP
   * gateway does: RFC 9110 sections 15.6.3-15.6.5). The gateway takes only application/json
   * bodies: a cross-origin page cannot send those without a CORS preflight, which this server
   * never grants, so a browser cannot be made to call services from another site.
   *
   * Metrics. The caller may pass its PrometheusMeterRegistry so RPC, cluster and lock meters of
   * the node land on the same /metrics page; the server adds the JVM binders and its own
   * ringmesh.admin.http.requests and ringmesh.gateway.calls timers. A registry the server made
   * itself it also closes.
   *
   * Dashboard. Static files from the class path (DashboardAssets), served under a
   * Content-Security-Policy of 'self' only: the page works offline, and since it builds its DOM
   * with textContent from API data, a node id or lock name cannot inject markup.
   */

  private static final int MAX_BODY_BYTES = 1 << 20;

  /**
   * A connection with no traffic either way for this long is closed; never sooner than a gateway
   * call may take.
   */
  private static final long MIN_IDLE_SECONDS = 120;

  private final PrometheusMeterRegistry registry;
  private final boolean ownsRegistry;
  private final JvmGcMetrics gcMetrics;
  private final EventLoopGroup group;
  private final ExecutorService executor;
  private final Channel channel;
  private final InetSocketAddress address;
  private final Object closeLock = new Object();

  /** Guarded by closeLock. */
  private boolean closed;

  private AdminServer(Builder b) {
    this.ownsRegistry = b.registry == null;
    this.registry =
        b.registry != null ? b.registry : new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    // Strict in both directions: a string is not read as a number (ALLOW_COERCION_OF_SCALARS) and
    // a number or boolean is not read as a string (the textual coercion config; Jackson allows it
    // by default even with scalar coercion off), as protobuf's JSON mapping refuses both.
    JsonMapper.Builder mb =
        JsonMapper.builder()
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);
    mb.withCoercionConfig(
        LogicalType.Textual,
        c -> {
          c.setCoercion(CoercionInputShape.Integer, CoercionAction.Fail);
          c.setCoercion(CoercionInputShape.Float, CoercionAction.Fail);
          c.setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail);
        });
    ObjectMapper mapper = mb.build();
    DashboardAssets assets = DashboardAssets.load();
    this.executor =
        Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("ringmesh-admin-", 0).factory());
    JsonGateway gateway = new JsonGateway(b.view, mapper, registry, executor, b.gatewayTimeout);
    AdminRoutes routes = new AdminRoutes(b.view, mapper, registry, executor, gateway, assets);

    new JvmMemoryMetrics().bindTo(registry);
    this.gcMetrics = new JvmGcMetrics();
    gcMetrics.bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);

    this.group =
        new MultiThreadIoEventLoopGroup(
            1, new DefaultThreadFactory("ringmesh-admin-io", true), NioIoHandler.newFactory());
    long idleSeconds = Math.max(MIN_IDLE_SECONDS, b.gatewayTimeout.toSeconds() + 10);
    ServerBootstrap bootstrap =
        new ServerBootstrap()
            .group(group)
            .channel(NioServerSocketChannel.class)
            .childHandler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) {
                    ch.pipeline()
                        .addLast(new IdleStateHandler(0, 0, idleSeconds, TimeUnit.SECONDS))
                        .addLast(new HttpServerCodec())
                        .addLast(new HttpObjectAggregator(MAX_BODY_BYTES))
                        .addLast(new AdminHttpHandler(routes));
                  }
                });
    InetSocketAddress requested = new InetSocketAddress(b.bindAddress, b.port);
    try {
      this.channel = bootstrap.bind(requested).syncUninterruptibly().channel();
    } catch (Exception e) { // Netty rethrows the checked BindException undeclared
      release();
      throw bindFailed(b, e);
    }
    this.address = (InetSocketAddress) channel.localAddress();
  }

  private static RuntimeException bindFailed(Builder b, Exception e) {
    Throwable cause = e;
    String message =
        "admin HTTP server cannot listen on "
            + b.bindAddress
            + " port "
            + b.port
            + (isBindException(cause) ? " (is the port in use?)" : "")
            + ": "
            + cause.getMessage();
    return cause instanceof IOException io
        ? new UncheckedIOException(message, io)
        : new IllegalStateException(message, cause);
  }

  private static boolean isBindException(Throwable t) {
    return t instanceof java.net.BindException || String.valueOf(t.getMessage()).contains("in use");
  }

  /** A builder for a server that shows {@code view}. */
  public static Builder builder(NodeView view) {
    return new Builder(view);
  }

  /** The port the server listens on (the ephemeral one chosen when built with port 0). */
  public int port() {
    return address.getPort();
  }

  /** The address the server listens on. */
  public InetSocketAddress address() {
    return address;
  }

  /** The registry {@code /metrics} shows; the node may add its own meters to it. */
  public PrometheusMeterRegistry meterRegistry() {
    return registry;
  }

  /**
   * Stops listening, closes open connections and waits up to 5 s for the event loop to stop. Calls
   * still running in the gateway are not waited for.
   */
  @Override
  public void close() {
    synchronized (closeLock) {
      if (closed) {
        return;
      }
      closed = true;
    }
    channel.close().syncUninterruptibly();
    release();
  }

  private void release() {
    group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    executor.shutdownNow();
    gcMetrics.close();
    if (ownsRegistry) {
      registry.close();
    }
  }

  /** Builds and starts an {@link AdminServer}. Not thread-safe. */
  public static final class Builder {
    private final NodeView view;
    private String bindAddress = "127.0.0.1";
    private int port = 0;
    private @Nullable PrometheusMeterRegistry registry;
    private Duration gatewayTimeout = Duration.ofSeconds(30);

    private Builder(NodeView view) {
      this.view = Objects.requireNonNull(view, "view");
    }

    /** The address to listen on (default 127.0.0.1; "0.0.0.0" for every interface). */
    public Builder bindAddress(String bindAddress) {
      this.bindAddress = Objects.requireNonNull(bindAddress, "bindAddress");
      return this;
    }

    /** The port to listen on, 0 (the default) for an ephemeral one. */
    public Builder port(int port) {
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("port must be in [0, 65535] but was " + port);
      }
      this.port = port;
      return this;
    }

    /**
     * The registry to expose on {@code /metrics}, shared with the rest of the node; by default the
     * server makes one of its own (and closes it).
     */
    public Builder meterRegistry(PrometheusMeterRegistry registry) {
      this.registry = Objects.requireNonNull(registry, "registry");
      return this;
    }

    /**
     * How long a gateway call may take before it is answered with 504 (default 30 s). The routed
     * call's own deadline, usually shorter, applies first.
     */
    public Builder gatewayTimeout(Duration timeout) {
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("gateway timeout must be positive but was " + timeout);
      }
      this.gatewayTimeout = timeout;
      return this;
    }

    /**
     * Binds and starts the server.
     *
     * @throws UncheckedIOException if it cannot listen, with a message naming the address and port
     */
    public AdminServer start() {
      return new AdminServer(this);
    }
  }
}
