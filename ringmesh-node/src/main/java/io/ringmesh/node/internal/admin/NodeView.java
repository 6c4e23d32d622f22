package io.ringmesh.node.internal.admin;

import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * What the admin HTTP server may see of the node it runs in: identity, readiness, the rings, the
 * cluster's nodes, shards and locks, and the services the JSON gateway may call.
 *
 * <p>The node process implements this interface; the admin server only reads it, on its own
 * threads, once per request. Implementations must be thread-safe, and each method should answer
 * from state the node already holds (a snapshot), without blocking on the network: the dashboard
 * polls every second.
 */
public interface NodeView {

  /** This node's id, as it appears in the registry and on the rings. */
  String nodeId();

  /** The roles this node runs: {@code "coordinator"}, {@code "service"}, or both. */
  Set<String> roles();

  /** Whether this node is ready to take traffic, and if not, why not. */
  Readiness readiness();

  /** One ring per service this node knows of, in a stable order (the dashboard shows the first). */
  List<ServiceRing> rings();

  /** Every node of the cluster this node knows of, itself included. */
  List<NodeStatus> nodes();

  /** Every lock shard and where its Raft group's leader and replicas are. */
  List<ShardStatus> shards();

  /** At most {@code limit} held locks ({@code limit >= 1}), in a stable order (by name). */
  List<LockStatus> locks(int limit);

  /**
   * The service the JSON gateway calls for {@code service}, or null if this node knows no service
   * of that name. The gateway never resolves a class from request input; this is the only way in.
   */
  @Nullable GatewayTarget gatewayTarget(String service);

  /** Ready to take traffic, or not with a reason a person can act on. */
  record Readiness(boolean ready, String reason) {
    public Readiness {
      Objects.requireNonNull(reason, "reason");
    }

    /** Ready, with reason {@code "ok"}. */
    public static Readiness ok() {
      return new Readiness(true, "ok");
    }

    /** Not ready, for this reason. */
    public static Readiness notReady(String reason) {
      return new Readiness(false, reason);
    }
  }

  /** The ring of one service: its algorithm and the share of the keyspace each member owns. */
  record ServiceRing(String service, String algorithm, List<RingMember> members) {
    public ServiceRing {
      Objects.requireNonNull(service, "service");
      Objects.requireNonNull(algorithm, "algorithm");
      members = List.copyOf(members);
    }
  }

  /**
   * One node on a ring: its weight and the fraction {@code share} (0..1) of the keyspace it owns;
   * the shares of a ring's members sum to 1.
   */
  record RingMember(String nodeId, double weight, double share, boolean healthy) {
    public RingMember {
      Objects.requireNonNull(nodeId, "nodeId");
      if (!(share >= 0 && share <= 1)) {
        throw new IllegalArgumentException("share must be in [0, 1] but was " + share);
      }
    }
  }

  /**
   * One node of the cluster as this node sees it. {@code adminAddress} is null when the node has no
   * admin port or has not published it; {@code lastSeenEpochMillis} is when this node last heard
   * from it (its registry heartbeat).
   */
  record NodeStatus(
      String nodeId,
      Set<String> roles,
      String rpcAddress,
      @Nullable String adminAddress,
      boolean healthy,
      double requestsPerSecond,
      long lastSeenEpochMillis) {
    public NodeStatus {
      Objects.requireNonNull(nodeId, "nodeId");
      roles = Collections.unmodifiableSortedSet(new TreeSet<>(roles)); // stable order in JSON
      Objects.requireNonNull(rpcAddress, "rpcAddress");
    }
  }

  /** One lock shard: its leader (null while it has none) and its replicas' node ids. */
  record ShardStatus(int shard, @Nullable String leaderId, List<String> replicaIds) {
    public ShardStatus {
      replicaIds = List.copyOf(replicaIds);
    }
  }

  /**
   * One held lock: who holds it ({@code holder}, a session or node id), its fencing token, and who
   * waits for it, in FIFO order.
   */
  record LockStatus(String name, String holder, long token, List<String> waiters) {
    public LockStatus {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(holder, "holder");
      waiters = List.copyOf(waiters);
    }
  }

  /**
   * A service the JSON gateway may call: its interface, and a proxy implementing it (normally a
   * cluster client's routed proxy, so a gateway call is routed like any other call).
   */
  record GatewayTarget(
      Class<?> iface, Object proxy, @Nullable Function<String, Object> proxyForKey) {
    public GatewayTarget {
      if (!iface.isInterface()) {
        throw new IllegalArgumentException(iface.getName() + " is not an interface");
      }
      if (!iface.isInstance(proxy)) {
        throw new IllegalArgumentException("the proxy does not implement " + iface.getName());
      }
    }

    /** The target for this interface and proxy; calls cannot be given a key of their own. */
    public static <T> GatewayTarget of(Class<T> iface, T proxy) {
      return new GatewayTarget(iface, proxy, null);
    }

    /**
     * The target for this interface and proxy, and {@code forKey} making a proxy that routes every
     * call by the key it is given (the gateway's {@code ?key=}).
     */
    public static <T> GatewayTarget of(Class<T> iface, T proxy, Function<String, T> forKey) {
      return new GatewayTarget(iface, proxy, forKey::apply);
    }
  }
}
