package io.ringmesh.rpc.internal;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.collection.IntObjectHashMap;
import io.netty.util.collection.IntObjectMap;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.ringmesh.rpc.ServerInterceptor;
import io.ringmesh.rpc.internal.codec.Codec;
import io.ringmesh.rpc.internal.codec.TaggedCodec;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * The server behind {@link io.ringmesh.rpc.RpcServer}: binds, accepts connections, owns the event
 * loops and the default executor, and shuts down gracefully.
 *
 * <p>Thread-safe.
 */
public final class NettyServer {
  /*
   * Threading. One acceptor thread and N event loops (N = cores by default) do all I/O, framing,
   * decoding of arguments and dispatch. By default each call's handler then runs on its own virtual
   * thread: a blocking handler costs a few hundred bytes of stack while it waits, not a platform
   * thread, and there is no pool to size. Arguments are decoded on the event loop before the hand-off
   * so that a malformed request is refused without starting anything; the result is encoded on
   * the handler's thread, which spreads that work across cores. In direct mode the handler runs on
   * the event loop itself: the fastest path for handlers that never block (an async handler that
   * returns a future it completes later is fine), and a stalled loop for handlers that do.
   *
   * Load shedding. Two bounds keep a flood from queueing until the heap is gone: calls in flight
   * per connection (default 1,024, as in HTTP/2's SETTINGS_MAX_CONCURRENT_STREAMS advice) and calls
   * admitted server-wide (maxPendingCalls); past either, a request is answered RESOURCE_EXHAUSTED
   * without running. A user-supplied executor with a bounded queue sheds the same way when it
   * rejects a task.
   */
  private final ServerSettings settings;
  private final Codec codec = new TaggedCodec();
  private final IntObjectMap<ServerMethod> methods = new IntObjectHashMap<>();
  private final String serviceNames;
  private final ExecutorService executor;
  private final boolean ownsExecutor;
  private final Ticker ticker;
  private final AtomicInteger pending = new AtomicInteger();
  private final @Nullable SslContext sslContext;
  private final EventLoopGroup bossGroup;
  private final EventLoopGroup workerGroup;
  private final ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
  private final Object lock = new Object();
  private @Nullable Channel serverChannel; // guarded by lock
  private boolean shutdown; // guarded by lock
  private boolean resourcesReleased; // guarded by lock

  public NettyServer(ServerSettings settings, Ticker ticker) {
    this.settings = settings;
    this.ticker = ticker;
    TreeSet<String> names = new TreeSet<>();
    for (ServerSettings.Service s : settings.services()) {
      register(s);
      names.add(ServiceDescriptor.serviceName(s.iface()));
    }
    this.serviceNames = String.join(", ", names);
    this.sslContext = settings.tls() == null ? null : TlsContexts.server(settings.tls());
    if (settings.executor() != null) {
      this.executor = settings.executor();
      this.ownsExecutor = false;
    } else {
      this.executor =
          Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("ringmesh-rpc-", 0).factory());
      this.ownsExecutor = true;
    }
    this.bossGroup = Transports.newGroup(1, "ringmesh-rpc-accept");
    this.workerGroup = Transports.newGroup(settings.ioThreads(), "ringmesh-rpc-server");
  }

  private void register(ServerSettings.Service service) {
    Class<?> iface = service.iface();
    Object impl = service.implementation();
    if (!iface.isInstance(impl)) {
      throw new IllegalArgumentException(
          impl.getClass().getName() + " does not implement " + iface.getName());
    }
    ServiceDescriptor descriptor = ServiceDescriptor.of(iface, codec);
    for (RpcMethod m : descriptor.methods()) {
      ServerMethod clash = methods.get(m.id());
      if (clash != null) {
        throw new IllegalArgumentException(
            clash.method().fullName().equals(m.fullName())
                ? "service " + ServiceDescriptor.serviceName(iface) + " is registered twice"
                : "methods "
                    + clash.method().fullName()
                    + " and "
                    + m.fullName()
                    + " hash to the same id; rename one of them");
      }
      methods.put(m.id(), new ServerMethod(m, invoker(m, impl)));
    }
  }

  private static MethodHandle invoker(RpcMethod m, Object impl) {
    try {
      return MethodHandles.lookup()
          .unreflect(m.method())
          .bindTo(impl)
          .asSpreader(Object[].class, m.method().getParameterCount())
          .asType(MethodType.methodType(Object.class, Object[].class));
    } catch (IllegalAccessException e) {
      throw new IllegalArgumentException(
          "method " + m.fullName() + " cannot be called by the server: " + e.getMessage(), e);
    }
  }

  /** Binds and starts accepting; returns the bound port. */
  public int start() {
    ServerBootstrap b =
        new ServerBootstrap()
            .group(bossGroup, workerGroup)
            .channel(Transports.serverChannel())
            .option(ChannelOption.SO_BACKLOG, 1024)
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
            .childHandler(
                new ChannelInitializer<>() {
                  @Override
                  protected void initChannel(Channel ch) {
                    onConnection(ch);
                  }
                });
    Channel ch;
    try {
      ch = b.bind(settings.bindAddress(), settings.port()).syncUninterruptibly().channel();
    } catch (RuntimeException e) {
      releaseResources();
      throw new IllegalStateException(
          "could not listen on "
              + settings.bindAddress()
              + ":"
              + settings.port()
              + ": "
              + e.getMessage(),
          e);
    }
    synchronized (lock) {
      serverChannel = ch;
    }
    return port();
  }

  private void onConnection(Channel ch) {
    synchronized (lock) {
      if (shutdown) {
        ch.close();
        return;
      }
      connections.add(ch);
    }
    ChannelPipeline p = ch.pipeline();
    if (sslContext != null) {
      p.addLast("tls", sslContext.newHandler(ch.alloc()));
    }
    long idle = settings.idleTimeout().toNanos();
    if (idle > 0) {
      p.addLast("idle", new IdleStateHandler(0, 0, idle, TimeUnit.NANOSECONDS));
    }
    p.addLast("rpc", new ServerConnection(this));
  }

  /** The bound port. */
  public int port() {
    synchronized (lock) {
      if (serverChannel == null) {
        throw new IllegalStateException("the server has not been started; call start()");
      }
      return ((InetSocketAddress) serverChannel.localAddress()).getPort();
    }
  }

  /** Connections open now. */
  public int openConnections() {
    return connections.size();
  }

  ServerSettings settings() {
    return settings;
  }

  Codec codec() {
    return codec;
  }

  IntObjectMap<ServerMethod> methods() {
    return methods;
  }

  String serviceNames() {
    return serviceNames;
  }

  ExecutorService executor() {
    return executor;
  }

  Ticker ticker() {
    return ticker;
  }

  List<ServerInterceptor> interceptors() {
    return settings.interceptors();
  }

  boolean tryAdmit() {
    int max = settings.maxPendingCalls();
    while (true) {
      int n = pending.get();
      if (n >= max) {
        return false;
      }
      if (pending.compareAndSet(n, n + 1)) {
        return true;
      }
    }
  }

  void release() {
    pending.decrementAndGet();
  }

  /** Stops accepting, sends GOAWAY on every connection; in-flight calls go on. Idempotent. */
  public void shutdown() {
    Channel ch;
    synchronized (lock) {
      if (shutdown) {
        return;
      }
      shutdown = true;
      ch = serverChannel;
    }
    if (ch != null) {
      ch.close().syncUninterruptibly();
    }
    forEachConnection(c -> c.goAway("the server is shutting down"));
  }

  /** Shuts down, cancels every in-flight call and closes every connection. */
  public void shutdownNow() {
    shutdown();
    forEachConnection(ServerConnection::abort);
  }

  private void forEachConnection(java.util.function.Consumer<ServerConnection> action) {
    for (Channel c : new ArrayList<>(connections)) {
      ServerConnection conn = c.pipeline().get(ServerConnection.class);
      if (conn != null) {
        c.eventLoop().execute(() -> action.accept(conn));
      }
    }
  }

  /** True once shut down and every connection closed. */
  public boolean isTerminated() {
    synchronized (lock) {
      return shutdown && connections.isEmpty() && resourcesReleased;
    }
  }

  /**
   * Waits until every connection has closed after {@link #shutdown()}, then releases the event
   * loops and the default executor.
   */
  public boolean awaitTermination(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (lock) {
      if (!shutdown) {
        throw new IllegalStateException("awaitTermination() before shutdown()");
      }
    }
    if (!connections
        .newCloseFuture()
        .await(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
      return false;
    }
    releaseResources();
    Future<?> boss = bossGroup.terminationFuture();
    Future<?> workers = workerGroup.terminationFuture();
    return boss.await(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)
        && workers.await(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
  }

  private void releaseResources() {
    synchronized (lock) {
      if (resourcesReleased) {
        return;
      }
      resourcesReleased = true;
    }
    bossGroup.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
    workerGroup.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
    if (ownsExecutor) {
      executor.shutdownNow();
    }
  }

  /** Graceful shutdown within the grace period, then forced. */
  public void close() {
    shutdown();
    try {
      if (!awaitTermination(settings.shutdownGracePeriod())) {
        shutdownNow();
        awaitTermination(Duration.ofSeconds(5));
      }
    } catch (InterruptedException e) {
      shutdownNow();
      releaseResources();
      Thread.currentThread().interrupt();
    }
  }
}
