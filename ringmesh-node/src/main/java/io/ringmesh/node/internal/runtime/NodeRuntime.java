package io.ringmesh.node.internal.runtime;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.ringmesh.cluster.ClusterClient;
import io.ringmesh.cluster.RegistryDiscovery;
import io.ringmesh.coord.Coordinator;
import io.ringmesh.coord.LockClient;
import io.ringmesh.coord.LockException;
import io.ringmesh.coord.Registry;
import io.ringmesh.coord.RegistryEntry;
import io.ringmesh.node.internal.admin.AdminServer;
import io.ringmesh.rpc.RpcClient;
import io.ringmesh.rpc.RpcServer;
import io.ringmesh.rpc.TlsConfig;
import java.io.IOException;
import java.net.BindException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running node: what its roles call for, started in dependency order and stopped in reverse.
 *
 * <p>Start order: the data directory; the coordinator (coordinator role), whose shards must have
 * leaders before anything uses them; the lock/registry client (every node has a session); the RPC
 * server with the hosted services (service role); then the registry entries. A graceful stop goes
 * the other way: deregister first (callers stop routing here), keep serving for the drain delay
 * (until callers can have seen the change), drain in-flight calls, close the session, stop the
 * coordinator. A crashed node's entries go when its session expires.
 *
 * <p>Thread-safe: {@link #close} may race with nothing else; accessors read final fields.
 */
public final class NodeRuntime implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(NodeRuntime.class);

  private final NodeConfig config;
  private final String nodeId;
  private final @Nullable Coordinator coordinator;
  private final RpcClient rpcClient;
  private final LockClient lockClient;
  private final @Nullable RpcServer rpcServer;
  private final List<HostedService> services;
  private final List<String> registered;
  private final Parts parts;

  private NodeRuntime(Parts p) {
    this.config = p.config;
    this.nodeId = p.nodeId;
    this.coordinator = p.coordinator;
    this.rpcClient = p.rpcClient;
    this.lockClient = p.lockClient;
    this.rpcServer = p.rpcServer;
    this.services = p.services;
    this.registered = List.copyOf(p.registered);
    this.parts = p;
  }

  /**
   * Starts a node as {@code config} says, reporting each step to {@code progress}.
   *
   * @throws NodeConfig.ConfigException for a wrong setting, naming it
   * @throws NodeStartException when a part fails to start (a port in use, an unreadable data
   *     directory), naming the part and the setting; what had started is stopped again
   */
  public static NodeRuntime start(NodeConfig config, Consumer<String> progress) {
    config.validate();
    Parts p = new Parts(config);
    try {
      p.nodeId = config.id != null ? config.id : defaultId(config);
      Path data = dataDirectory(Path.of(config.data));
      progress.accept("data in " + data);
      if (config.isCoordinator()) {
        progress.accept("starting the coordinator (electing shard leaders) ...");
        p.coordinator = startCoordinator(config, p.nodeId, data.resolve("coordinator"));
      }
      p.rpcClient = rpcClient(config);
      LockClient.Builder lb =
          LockClient.builder().rpcClient(p.rpcClient).sessionTtl(config.sessionTtl());
      if (config.coordinators == null || config.coordinators.isBlank()) {
        lb.coordinator(p.coordinator);
      } else {
        lb.connect(config.coordinators);
      }
      progress.accept("opening a session with the coordinators ...");
      p.lockClient = openSession(lb, config, progress);
      if (config.isService() && config.services.isEmpty()) {
        // The embedded default with nothing to host (validate() refuses a service-only node
        // without services): the node still runs the coordinator, the admin port and the JSON
        // gateway, which routes to services hosted elsewhere.
        progress.accept(
            "no services to host (add --service CLASS to host one); no service RPC port opened");
      } else if (config.isService()) {
        for (NodeConfig.ServiceSettings s : config.services) {
          p.services.add(HostedService.create(s, p.nodeId));
        }
        RpcServer.Builder sb =
            RpcServer.builder()
                .bindAddress(config.bind)
                .port(config.rpcPort)
                .interceptor(call -> p.served.increment());
        if (config.tls != null && config.tls.cert != null && config.tls.key != null) {
          try {
            sb.tls(TlsConfig.forServer(Path.of(config.tls.cert), Path.of(config.tls.key)).build());
          } catch (IllegalArgumentException e) {
            throw new NodeConfig.ConfigException("tls.cert, tls.key: " + e.getMessage());
          }
        }
        for (HostedService s : p.services) {
          s.addTo(sb);
        }
        p.rpcServer = bound("rpc-port", config.rpcPort, config.bind, () -> sb.build().start());
        progress.accept(
            "serving " + p.services.size() + " service(s) on port " + p.rpcServer.port());
      }
      p.discovery = new RegistryDiscovery(p.lockClient.registry());
      p.meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
      p.routed =
          ClusterClient.builder()
              .discovery(p.discovery)
              .rpcClient(p.rpcClient)
              .meterRegistry(p.meters)
              .build();
      List<Class<?>> callable = new ArrayList<>();
      p.services.forEach(s -> callable.addAll(s.interfaces()));
      for (String name : config.gateway) {
        callable.add(HostedService.gatewayInterface(name));
      }
      p.view =
          new RuntimeView(
              p.nodeId,
              new LinkedHashSet<>(config.roles),
              p.lockClient,
              RuntimeView.gatewayTargets(callable, p.routed),
              p.served);
      NodeMeters.bind(p.meters, p.view, p.served);
      AdminServer.Builder ab =
          AdminServer.builder(p.view)
              .bindAddress(config.bind)
              .port(config.adminPort)
              .meterRegistry(p.meters);
      p.admin = bound("admin-port", config.adminPort, config.bind, ab::start);
      progress.accept(
          "admin HTTP and dashboard on http://"
              + advertisedHost(config.bind)
              + ":"
              + p.admin.port()
              + "/");
      register(p, progress);
      return new NodeRuntime(p);
    } catch (RuntimeException e) {
      p.close();
      throw e;
    }
  }

  /** The service name every node registers itself under, with its roles and admin address. */
  public static final String NODE_SERVICE = "ringmesh.node";

  /**
   * The {@link #NODE_SERVICE} entry's metadata key for the node's session id, so that every node's
   * view can name the holder of a lock by node id.
   */
  static final String SESSION_METADATA = "session";

  /**
   * Registers the node and each hosted service under the node's session, so that they vanish when
   * the node dies (its session expires) and the moment it deregisters on a graceful stop.
   */
  private static void register(Parts p, Consumer<String> progress) {
    NodeConfig c = p.config;
    String host = advertisedHost(c.bind);
    Registry registry = p.lockClient.registry();
    Map<String, String> meta = new TreeMap<>();
    meta.put("roles", String.join(",", c.roles));
    meta.put("admin", host + ":" + p.admin.port());
    int nodePort = p.rpcServer != null ? p.rpcServer.port() : p.coordinator.rpcPort();
    Map<String, String> nodeMeta = new TreeMap<>(meta);
    nodeMeta.put(SESSION_METADATA, p.lockClient.sessionId().toString());
    registry.register(
        new RegistryEntry(NODE_SERVICE, p.nodeId, host, nodePort, 1, VERSION, nodeMeta));
    p.registered.add(NODE_SERVICE);
    for (HostedService s : p.services) {
      for (Class<?> iface : s.interfaces()) {
        String name = ClusterClient.serviceName(iface);
        registry.register(
            new RegistryEntry(name, p.nodeId, host, p.rpcServer.port(), s.weight(), VERSION, meta));
        p.registered.add(name);
      }
    }
    progress.accept("registered as " + p.nodeId + " (" + p.registered + ")");
  }

  /** How long a node waits for the coordinators at start, so start order does not matter. */
  private static final Duration COORDINATOR_WAIT = Duration.ofSeconds(120);

  private static LockClient openSession(
      LockClient.Builder b, NodeConfig config, Consumer<String> progress) {
    long deadline = System.nanoTime() + COORDINATOR_WAIT.toNanos();
    long pause = 200;
    boolean told = false;
    while (true) {
      try {
        return b.build();
      } catch (LockException e) {
        if (e.code() != LockException.Code.UNAVAILABLE) {
          throw new NodeStartException(
              "the coordinators refused this node's session: " + e.getMessage(), e);
        }
        if (System.nanoTime() > deadline) {
          throw new NodeStartException(
              "no coordinator answered within "
                  + COORDINATOR_WAIT.toSeconds()
                  + " s at '"
                  + config.coordinators
                  + "' (setting 'coordinators'): "
                  + e.getMessage(),
              e);
        }
        if (!told) {
          progress.accept("no coordinator answers yet at " + config.coordinators + "; retrying");
          told = true;
        }
        try {
          Thread.sleep(pause); // start-up retry pacing
        } catch (InterruptedException i) {
          Thread.currentThread().interrupt();
          throw new NodeStartException("interrupted while waiting for the coordinators", i);
        }
        pause = Math.min(2_000, pause * 2);
      }
    }
  }

  /**
   * The address the node registers: {@code bind}, or for a wildcard bind the address the host name
   * resolves to, unless that is a loopback address (as Debian's /etc/hosts makes it), which other
   * hosts could not reach: then the first non-loopback IPv4 address of an interface that is up.
   */
  static String advertisedHost(String bind) {
    if (!bind.equals("0.0.0.0") && !bind.equals("::")) {
      return bind;
    }
    try {
      InetAddress local = InetAddress.getLocalHost();
      if (!local.isLoopbackAddress()) {
        return local.getHostAddress();
      }
    } catch (UnknownHostException e) {
      // the host name does not resolve; look at the interfaces
    }
    String found = firstInterfaceAddress();
    return found != null ? found : "127.0.0.1";
  }

  static @Nullable String firstInterfaceAddress() {
    try {
      for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
        if (!ni.isUp() || ni.isLoopback()) {
          continue;
        }
        for (InetAddress a : Collections.list(ni.getInetAddresses())) {
          if (a instanceof Inet4Address && !a.isLoopbackAddress() && !a.isLinkLocalAddress()) {
            return a.getHostAddress();
          }
        }
      }
    } catch (SocketException e) {
      // no interfaces to list
    }
    return null;
  }

  private static final String VERSION =
      Optional.ofNullable(NodeRuntime.class.getPackage().getImplementationVersion()).orElse("dev");

  /** This node's id. */
  public String nodeId() {
    return nodeId;
  }

  /** The settings it runs with. */
  public NodeConfig config() {
    return config;
  }

  /** Its coordinator, if it has the coordinator role. */
  public @Nullable Coordinator coordinator() {
    return coordinator;
  }

  /** Its client of the coordinators (locks, registry), holding the node's session. */
  public LockClient lockClient() {
    return lockClient;
  }

  /** The port of its service RPC server, or -1 without the service role. */
  public int rpcPort() {
    return rpcServer == null ? -1 : rpcServer.port();
  }

  /** The port of its admin HTTP server. */
  public int adminPort() {
    return parts.admin == null ? -1 : parts.admin.port();
  }

  /** The services it hosts. */
  public List<HostedService> services() {
    return services;
  }

  /**
   * Stops the node: deregisters, serves on for {@code drain-delay}, drains calls, closes the
   * session, stops the coordinator.
   */
  @Override
  public void close() {
    parts.close();
  }

  private static String defaultId(NodeConfig config) {
    return config.isCoordinator() && config.coordinator.self != null
        ? config.coordinator.self
        : "node-" + config.rpcPort;
  }

  private static Path dataDirectory(Path dir) {
    try {
      Files.createDirectories(dir);
    } catch (AccessDeniedException e) {
      throw new NodeStartException(
          "data directory " + dir.toAbsolutePath() + " cannot be created: permission denied");
    } catch (IOException e) {
      throw new NodeStartException(
          "data directory " + dir.toAbsolutePath() + " cannot be created: " + e);
    }
    if (!Files.isReadable(dir) || !Files.isWritable(dir)) {
      throw new NodeStartException(
          "data directory "
              + dir.toAbsolutePath()
              + " is not readable and writable by this user; fix its permissions or set 'data'");
    }
    return dir.toAbsolutePath();
  }

  private static Coordinator startCoordinator(NodeConfig config, String nodeId, Path dir) {
    NodeConfig.CoordinatorSettings c = config.coordinator;
    Coordinator.Builder b =
        Coordinator.builder().dataDirectory(dir).rpcPort(c.port).rpcBindAddress(config.bind);
    if (c.peers != null && c.self != null) {
      b.peers(c.peers).self(c.self);
    } else if (nodeId.matches("[A-Za-z0-9._-]+")) {
      // A coordinator alone takes the node's id, so shard leaders read as the node on the
      // dashboard and in 'cluster status' (its Raft port stays ephemeral: it has no peers).
      b.peers(nodeId + "=127.0.0.1:0").self(nodeId);
    }
    if (c.shards != null) {
      b.shards(c.shards);
    }
    if (c.groups != null) {
      b.groups(c.groups);
    }
    b.join(c.join);
    Duration[] election = config.electionTimeout();
    if (election != null) {
      b.electionTimeout(election[0], election[1]);
    }
    return bound(
        "coordinator.port",
        c.port,
        config.bind,
        () -> {
          try {
            return b.start();
          } catch (IOException e) {
            throw new NodeStartException("the coordinator did not start: " + e.getMessage(), e);
          }
        });
  }

  private static RpcClient rpcClient(NodeConfig config) {
    // One client serves routed calls and the node's lock session. Its keepalive follows the
    // session TTL, as LockClient's own does: a hung coordinator or service node (paused, cut off
    // without a reset) is dropped after about two thirds of a TTL, so waits held open there move
    // on, instead of after the RPC defaults' 30 s + 10 s.
    Duration third = config.sessionTtl().dividedBy(3);
    RpcClient.Builder b = RpcClient.builder().keepAlive(third, third);
    if (config.tls != null && config.tls.trust != null) {
      try {
        b.tls(TlsConfig.forClient().trustedCertificates(Path.of(config.tls.trust)).build());
      } catch (IllegalArgumentException e) {
        throw new NodeConfig.ConfigException("tls.trust: " + e.getMessage());
      }
    }
    return b.build();
  }

  /** Runs {@code start}; a bind failure anywhere in its causes names the setting and port. */
  static <T> T bound(String setting, int port, String bind, java.util.function.Supplier<T> start) {
    return bound(setting, port, "'bind'", bind, start);
  }

  /**
   * Runs {@code start}, which opens {@code port} on {@code bind}; a bind failure anywhere in its
   * causes becomes a {@link NodeStartException} naming the port's setting, or {@code bindSetting}
   * when the address is not this host's. Any other failure passes through unchanged.
   */
  public static <T> T bound(
      String setting,
      int port,
      String bindSetting,
      String bind,
      java.util.function.Supplier<T> start) {
    try {
      return start.get();
    } catch (Exception e) { // Netty rethrows its native bind error undeclared
      for (Throwable t = e; t != null; t = t.getCause()) {
        if (String.valueOf(t.getMessage()).contains("Cannot assign requested address")) {
          throw new NodeStartException(
              setting
                  + " "
                  + port
                  + " cannot be opened on bind address "
                  + bind
                  + ", which is not an address of this host; set "
                  + bindSetting
                  + " to one of its addresses, or 0.0.0.0 for all",
              e);
        }
        if (t instanceof BindException
            || String.valueOf(t.getMessage()).contains("Address already in use")) {
          throw new NodeStartException(
              setting
                  + " "
                  + port
                  + " is already in use (another node or process listens there); stop it or"
                  + " set another "
                  + setting,
              e);
        }
      }
      if (e instanceof RuntimeException r) {
        throw r;
      }
      throw new NodeStartException(setting + " " + port + ": " + e, e);
    }
  }

  /** What has been started so far, so that a failed start stops it again. */
  private static final class Parts {
    final NodeConfig config;
    String nodeId = "";
    @Nullable Coordinator coordinator;
    @Nullable RpcClient rpcClient;
    @Nullable LockClient lockClient;
    @Nullable RpcServer rpcServer;
    final List<HostedService> services = new ArrayList<>();
    final List<String> registered = new ArrayList<>();
    final LongAdder served = new LongAdder();
    @Nullable RegistryDiscovery discovery;
    @Nullable ClusterClient routed;
    @Nullable RuntimeView view;
    @Nullable PrometheusMeterRegistry meters;
    @Nullable AdminServer admin;

    Parts(NodeConfig config) {
      this.config = config;
    }

    void close() {
      if (view != null) {
        view.close();
      }
      if (lockClient != null) {
        for (String service : registered) {
          try {
            lockClient.registry().deregister(service, nodeId);
          } catch (RuntimeException e) {
            LOG.warn(
                "could not deregister {} (its entry goes when the session ends): {}",
                service,
                e.toString());
          }
        }
      }
      if (rpcServer != null) {
        if (!registered.isEmpty()) {
          awaitDrainDelay();
        }
        rpcServer.shutdown();
        try {
          if (!rpcServer.awaitTermination(Duration.ofSeconds(10))) {
            LOG.warn("in-flight calls did not finish within 10 s; stopping them");
            rpcServer.shutdownNow();
          }
        } catch (InterruptedException e) {
          rpcServer.shutdownNow();
          Thread.currentThread().interrupt();
        }
      }
      if (admin != null) {
        admin.close();
      }
      if (routed != null) {
        routed.close();
      }
      if (discovery != null) {
        discovery.close();
      }
      if (meters != null) {
        meters.close();
      }
      if (lockClient != null) {
        lockClient.close();
      }
      if (rpcClient != null) {
        rpcClient.close();
      }
      if (coordinator != null) {
        coordinator.close();
      }
    }

    /**
     * Keeps serving for the drain delay after deregistering. Callers learn of the change through a
     * registry watch, some milliseconds later, and until then route calls here; a server that
     * stopped at once would refuse them, and they would succeed only by being retried elsewhere
     * (never-run calls are, by ClusterClient) within the caller's attempts and retry budget. The
     * delay lets them see the leave first, as Kubernetes' pre-stop pause lets endpoints update
     * before a pod stops.
     */
    private void awaitDrainDelay() {
      Duration delay = config.drainDelay();
      if (delay.isZero()) {
        return;
      }
      try {
        Thread.sleep(delay); // a deliberate pause, not a wait for a condition
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
