package io.ringmesh.node.internal.admin;

import io.ringmesh.rpc.RpcException;
import io.ringmesh.rpc.Status;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;

/**
 * A node view for tests: three nodes on two rings, four shards, three locks, and a {@link
 * Calculator} service for the gateway. Nodes can be flipped unhealthy. Thread-safe.
 */
final class FakeNodeView implements NodeView {
  static final List<String> NODE_IDS = List.of("node-a", "node-b", "node-c");

  private final Map<String, Boolean> healthy = new LinkedHashMap<>();
  private volatile Readiness readiness = Readiness.ok();
  private volatile boolean failing;
  private final CompletableFuture<String> gate = new CompletableFuture<>();
  private final Calculator calculator = new CalculatorImpl(gate);

  /** The keys the gateway asked "calc-keyed" proxies for, in order. */
  final List<String> keysAsked = new java.util.concurrent.CopyOnWriteArrayList<>();

  FakeNodeView() {
    NODE_IDS.forEach(id -> healthy.put(id, true));
  }

  synchronized void setHealthy(String nodeId, boolean value) {
    healthy.replace(nodeId, value);
  }

  private synchronized boolean healthy(String nodeId) {
    return healthy.get(nodeId);
  }

  /** From now on, {@link #nodes()} throws (a bug in the node, as the admin server sees it). */
  void setFailing(boolean failing) {
    this.failing = failing;
  }

  /** What {@link Calculator#gated()} returns; the test completes it. */
  CompletableFuture<String> gate() {
    return gate;
  }

  void setReadiness(Readiness readiness) {
    this.readiness = readiness;
  }

  @Override
  public String nodeId() {
    return "node-a";
  }

  @Override
  public Set<String> roles() {
    return Set.of("coordinator", "service");
  }

  @Override
  public Readiness readiness() {
    return readiness;
  }

  @Override
  public List<ServiceRing> rings() {
    return List.of(
        new ServiceRing(
            "orders",
            "maglev",
            List.of(
                new RingMember("node-a", 100, 0.40, healthy("node-a")),
                new RingMember("node-b", 100, 0.35, healthy("node-b")),
                new RingMember("node-c", 50, 0.25, healthy("node-c")))),
        new ServiceRing(
            "users",
            "rendezvous",
            List.of(
                new RingMember("node-a", 100, 0.5, healthy("node-a")),
                new RingMember("node-c", 100, 0.5, healthy("node-c")))));
  }

  @Override
  public List<NodeStatus> nodes() {
    if (failing) {
      throw new IllegalStateException("the registry snapshot is broken");
    }
    List<NodeStatus> nodes = new ArrayList<>();
    int i = 0;
    for (String id : NODE_IDS) {
      nodes.add(
          new NodeStatus(
              id,
              i == 0 ? Set.of("coordinator", "service") : Set.of("service"),
              "10.0.0." + (i + 1) + ":7400",
              i == 2 ? null : "10.0.0." + (i + 1) + ":9400",
              healthy(id),
              120.5 * (i + 1),
              System.currentTimeMillis() - 200L * i));
      i++;
    }
    return nodes;
  }

  @Override
  public List<ShardStatus> shards() {
    return List.of(
        new ShardStatus(0, "node-a", List.of("node-a", "node-b", "node-c")),
        new ShardStatus(1, "node-b", List.of("node-b", "node-c", "node-a")),
        new ShardStatus(2, "node-c", List.of("node-c", "node-a", "node-b")),
        new ShardStatus(3, null, List.of("node-a", "node-b", "node-c")));
  }

  @Override
  public List<LockStatus> locks(int limit) {
    List<LockStatus> all =
        List.of(
            new LockStatus("inventory", "session-17@node-c", 12, List.of()),
            new LockStatus(
                "order-42",
                "session-3@node-a",
                7,
                List.of("session-9@node-b", "session-11@node-c")),
            new LockStatus("payments", "session-5@node-b", 31, List.of("session-3@node-a")));
    return all.subList(0, Math.min(limit, all.size()));
  }

  @Override
  public @Nullable GatewayTarget gatewayTarget(String service) {
    return switch (service) {
      case "calc" -> GatewayTarget.of(Calculator.class, calculator);
      case "calc-keyed" ->
          GatewayTarget.of(
              Calculator.class,
              calculator,
              key -> {
                keysAsked.add(key);
                return calculator;
              });
      default -> null;
    };
  }

  /** A gateway target. */
  public interface Calculator {
    int add(int a, int b);

    CompletableFuture<Integer> addAsync(int a, int b);

    long sum(List<Long> values);

    String greet(Person person);

    Map<String, Integer> lengths(List<String> words);

    void fail(String status);

    CompletableFuture<String> failAsync(String status);

    CompletableFuture<String> gated();
  }

  /** An argument type. */
  public record Person(String name, int age) {}

  private static final class CalculatorImpl implements Calculator {
    private final CompletableFuture<String> gate;

    CalculatorImpl(CompletableFuture<String> gate) {
      this.gate = gate;
    }

    @Override
    public CompletableFuture<String> gated() {
      return gate;
    }

    @Override
    public int add(int a, int b) {
      return a + b;
    }

    @Override
    public CompletableFuture<Integer> addAsync(int a, int b) {
      // Completes on another thread, as a routed call does.
      return CompletableFuture.supplyAsync(() -> a + b);
    }

    @Override
    public long sum(List<Long> values) {
      return values.stream().mapToLong(Long::longValue).sum();
    }

    @Override
    public String greet(Person person) {
      return "hello " + person.name() + " (" + person.age() + ")";
    }

    @Override
    public Map<String, Integer> lengths(List<String> words) {
      Map<String, Integer> m = new LinkedHashMap<>();
      words.forEach(w -> m.put(w, w.length()));
      return m;
    }

    @Override
    public void fail(String status) {
      if (status.equals("bug")) {
        throw new IllegalStateException("the service has a bug");
      }
      throw new RpcException(Status.valueOf(status), "failed on purpose with " + status);
    }

    @Override
    public CompletableFuture<String> failAsync(String status) {
      return CompletableFuture.failedFuture(
          new RpcException(Status.valueOf(status), "failed on purpose with " + status));
    }
  }
}
