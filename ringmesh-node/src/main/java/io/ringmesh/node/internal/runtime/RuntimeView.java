package io.ringmesh.node.internal.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ringmesh.cluster.ClusterClient;
import io.ringmesh.coord.LockClient;
import io.ringmesh.coord.LockInfo;
import io.ringmesh.coord.RegistryEntry;
import io.ringmesh.coord.RegistrySnapshot;
import io.ringmesh.coord.ShardInfo;
import io.ringmesh.node.internal.admin.NodeView;
import io.ringmesh.node.internal.admin.RingShares;
import io.ringmesh.ring.Algorithm;
import io.ringmesh.ring.HashRing;
import io.ringmesh.ring.Node;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the admin server shows of a running node. Every answer comes from snapshots that one
 * background thread refreshes each second (registry, shards, locks, peers' request rates), so a
 * dashboard poll never waits on the network.
 *
 * <p>A node that leaves the registry stays listed, unhealthy, with the time it was last seen: the
 * dashboard shows a crashed node going red instead of silently vanishing. Peers' request rates are
 * what each peer reports of itself on its own admin port ({@code /api/nodes}); a peer whose admin
 * port does not answer is shown unhealthy.
 *
 * <p>Thread-safe.
 */
final class RuntimeView implements NodeView, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RuntimeView.class);

  private final String nodeId;
  private final Set<String> roles;
  private final LockClient client;
  private final boolean coordinator;
  private final Map<String, NodeView.GatewayTarget> gateway;
  private final LongAdder served;
  private final ScheduledExecutorService refresher;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofMillis(500)).build();
  private final ObjectMapper json = new ObjectMapper();
  private final RingShares shares = new RingShares();

  /** The last ring built per service; only the refresher thread touches it. */
  private final Map<String, BuiltRing> builtRings = new HashMap<>();

  private volatile Readiness readiness = Readiness.notReady("starting");
  private volatile List<ServiceRing> rings = List.of();
  private volatile List<NodeStatus> nodes = List.of();
  private volatile List<ShardStatus> shards = List.of();
  private volatile List<LockStatus> locks = List.of();
  private final Map<String, NodeStatus> known = new ConcurrentHashMap<>();
  private long lastServed;
  private long lastRefreshNanos = System.nanoTime();
  private double selfRate;

  RuntimeView(
      String nodeId,
      Set<String> roles,
      LockClient client,
      Map<String, NodeView.GatewayTarget> gateway,
      LongAdder served) {
    this.nodeId = nodeId;
    this.roles = Set.copyOf(roles);
    this.client = client;
    this.coordinator = roles.contains("coordinator");
    this.gateway = Map.copyOf(gateway);
    this.served = served;
    this.refresher =
        Executors.newSingleThreadScheduledExecutor(
            r -> Thread.ofPlatform().daemon().name("node-view-refresh").unstarted(r));
    refresher.scheduleWithFixedDelay(this::refresh, 0, 1, TimeUnit.SECONDS);
  }

  @Override
  public String nodeId() {
    return nodeId;
  }

  @Override
  public Set<String> roles() {
    return roles;
  }

  @Override
  public Readiness readiness() {
    return readiness;
  }

  @Override
  public List<ServiceRing> rings() {
    return rings;
  }

  @Override
  public List<NodeStatus> nodes() {
    return nodes;
  }

  @Override
  public List<ShardStatus> shards() {
    return shards;
  }

  @Override
  public List<LockStatus> locks(int limit) {
    List<LockStatus> l = locks;
    return l.size() <= limit ? l : l.subList(0, limit);
  }

  @Override
  public @Nullable GatewayTarget gatewayTarget(String service) {
    return gateway.get(service);
  }

  @Override
  public void close() {
    refresher.shutdownNow();
    http.close();
  }

  private void refresh() {
    long now = System.nanoTime();
    long count = served.sum();
    selfRate = (count - lastServed) / Math.max(1e-3, (now - lastRefreshNanos) / 1e9);
    lastServed = count;
    lastRefreshNanos = now;
    try {
      RegistrySnapshot registry = client.registry().snapshot();
      refreshNodes(registry);
      refreshRings(registry);
      refreshShards();
      refreshLocks(registry);
      readiness = computeReadiness(registry);
    } catch (RuntimeException e) {
      readiness = Readiness.notReady("cannot reach the coordinators: " + e.getMessage());
      LOG.debug("admin view refresh failed", e);
    }
  }

  private Readiness computeReadiness(RegistrySnapshot registry) {
    boolean registered =
        registry.entries(NodeRuntime.NODE_SERVICE).stream()
            .anyMatch(e -> e.nodeId().equals(nodeId));
    if (!registered) {
      return Readiness.notReady("not registered yet");
    }
    if (coordinator) {
      long leaderless = shards.stream().filter(s -> s.leaderId() == null).count();
      if (leaderless > 0) {
        return Readiness.notReady(leaderless + " shard(s) have no leader yet");
      }
    }
    return Readiness.ok();
  }

  private void refreshNodes(RegistrySnapshot registry) {
    long nowMillis = System.currentTimeMillis();
    Set<String> present = new LinkedHashSet<>();
    for (RegistryEntry e : registry.entries(NodeRuntime.NODE_SERVICE)) {
      present.add(e.nodeId());
      String admin = e.metadata().get("admin");
      Set<String> r =
          new LinkedHashSet<>(Arrays.asList(e.metadata().getOrDefault("roles", "").split(",")));
      double rate;
      boolean healthy;
      if (e.nodeId().equals(nodeId)) {
        rate = selfRate;
        healthy = true;
      } else {
        PeerReport peer = admin == null ? null : askPeer(admin, e.nodeId());
        healthy = admin == null || peer != null;
        rate = peer == null ? 0 : peer.rate;
      }
      known.put(
          e.nodeId(),
          new NodeStatus(
              e.nodeId(), r, e.host() + ":" + e.port(), admin, healthy, rate, nowMillis));
    }
    known.replaceAll(
        (id, s) ->
            present.contains(id)
                ? s
                : new NodeStatus(
                    id,
                    s.roles(),
                    s.rpcAddress(),
                    s.adminAddress(),
                    false,
                    0,
                    s.lastSeenEpochMillis()));
    nodes = known.values().stream().sorted((a, b) -> a.nodeId().compareTo(b.nodeId())).toList();
  }

  private record PeerReport(double rate) {}

  private @Nullable PeerReport askPeer(String admin, String peerId) {
    try {
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(URI.create("http://" + admin + "/api/nodes"))
                  .timeout(Duration.ofMillis(700))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 200) {
        return null;
      }
      JsonNode body = json.readTree(r.body());
      JsonNode list = body.isArray() ? body : body.path("nodes");
      for (JsonNode n : list) {
        if (peerId.equals(n.path("nodeId").asText())) {
          return new PeerReport(n.path("requestsPerSecond").asDouble());
        }
      }
      return new PeerReport(0);
    } catch (java.io.IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  private void refreshRings(RegistrySnapshot registry) {
    Map<String, List<RegistryEntry>> byService = new TreeMap<>();
    for (RegistryEntry e : registry.entries()) {
      if (!e.service().equals(NodeRuntime.NODE_SERVICE)) {
        byService.computeIfAbsent(e.service(), k -> new ArrayList<>()).add(e);
      }
    }
    for (String gone : List.copyOf(builtRings.keySet())) {
      if (!byService.containsKey(gone)) {
        builtRings.remove(gone);
        shares.forget(gone);
      }
    }
    List<ServiceRing> out = new ArrayList<>();
    byService.forEach((service, entries) -> out.add(ring(service, entries)));
    rings = List.copyOf(out);
  }

  /** The service's ring as every client builds it from the registry (RING, by node id). */
  private ServiceRing ring(String service, List<RegistryEntry> entries) {
    Map<String, NodeStatus> status = new HashMap<>();
    nodes.forEach(n -> status.put(n.nodeId(), n));
    return shares.serviceRing(
        service,
        hashRing(service, entries),
        id -> status.get(id) == null || status.get(id).healthy());
  }

  /**
   * The ring of {@code entries}, the same instance while the members and weights stay the same, so
   * that RingShares (which caches by ring) samples a ring once, not at every refresh.
   */
  private HashRing<String> hashRing(String service, List<RegistryEntry> entries) {
    Map<String, Double> members = new TreeMap<>();
    entries.forEach(e -> members.put(e.nodeId(), e.weight()));
    BuiltRing last = builtRings.get(service);
    if (last != null && last.members().equals(members)) {
      return last.ring();
    }
    var b = HashRing.<String>builder().algorithm(Algorithm.RING);
    members.forEach((id, weight) -> b.node(Node.of(id, weight)));
    HashRing<String> ring = b.build();
    builtRings.put(service, new BuiltRing(members, ring));
    return ring;
  }

  private record BuiltRing(Map<String, Double> members, HashRing<String> ring) {}

  private void refreshShards() {
    List<ShardStatus> out = new ArrayList<>();
    for (ShardInfo s : client.shards()) {
      if (!s.registry()) {
        out.add(new ShardStatus(s.shard(), s.leader().orElse(null), s.replicas()));
      }
    }
    shards = List.copyOf(out);
  }

  private void refreshLocks(RegistrySnapshot registry) {
    Map<String, String> holders = sessionOwners(registry);
    List<LockStatus> out = new ArrayList<>();
    for (LockInfo l : client.locks(200)) {
      if (l.holder().isPresent()) {
        String session = l.holder().get().toString();
        out.add(
            new LockStatus(
                l.name(),
                holders.getOrDefault(session, session),
                l.fencingToken(),
                waiters(l.waiters())));
      }
    }
    locks = List.copyOf(out);
  }

  private static List<String> waiters(int n) {
    List<String> w = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      w.add("waiter " + (i + 1));
    }
    return w;
  }

  /**
   * Session id to node id, for the sessions of nodes: this one's, and each registered node's from
   * its entry. Another session (a demo worker's, a {@code ringmesh lock} command's) shows as its
   * id.
   */
  private Map<String, String> sessionOwners(RegistrySnapshot registry) {
    Map<String, String> m = new LinkedHashMap<>();
    for (RegistryEntry e : registry.entries(NodeRuntime.NODE_SERVICE)) {
      String session = e.metadata().get(NodeRuntime.SESSION_METADATA);
      if (session != null) {
        m.put(session, e.nodeId());
      }
    }
    m.put(client.sessionId().toString(), nodeId);
    return m;
  }

  /** The gateway's map: each hosted interface by its service name and by its binary name. */
  static Map<String, NodeView.GatewayTarget> gatewayTargets(
      List<Class<?>> interfaces, ClusterClient routed) {
    Map<String, NodeView.GatewayTarget> m = new LinkedHashMap<>();
    for (Class<?> iface : interfaces) {
      NodeView.GatewayTarget t = target(iface, routed);
      m.put(ClusterClient.serviceName(iface), t);
      m.put(iface.getName(), t);
      m.put(iface.getSimpleName(), t);
    }
    return m;
  }

  private static <T> NodeView.GatewayTarget target(Class<T> iface, ClusterClient routed) {
    return NodeView.GatewayTarget.of(
        iface, routed.proxy(iface), key -> routed.proxyForKey(iface, key));
  }
}
