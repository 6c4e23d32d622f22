package io.ringmesh.cluster;

import io.ringmesh.ring.Algorithm;
import io.ringmesh.ring.HashRing;
import io.ringmesh.ring.Node;
import io.ringmesh.rpc.Endpoint;
import io.ringmesh.rpc.RpcServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * In-process nodes serving {@link Kv} on loopback, each under a stable node id, and a {@link
 * StaticDiscovery} that lists them. Closes every server it started.
 */
final class TestCluster implements AutoCloseable {
  static final String SERVICE = ClusterClient.serviceName(Kv.class);

  final StaticDiscovery discovery = new StaticDiscovery();
  private final Map<String, KvNode> nodes = new ConcurrentHashMap<>();
  final CountDownLatch releaseHeld = new CountDownLatch(1);
  final AtomicInteger held = new AtomicInteger();

  /** Held calls the server cancelled (a blocking one interrupted, an async one's future). */
  final AtomicInteger cancelled = new AtomicInteger();

  TestCluster(int n) {
    for (int i = 0; i < n; i++) {
      start("node-" + i);
    }
  }

  /** Starts (or restarts, on a new port) node {@code id} and lists it in discovery. */
  void start(String id) {
    KvNode node = new KvNode(id);
    RpcServer server = RpcServer.builder().port(0).service(Kv.class, node).build().start();
    node.server = server;
    KvNode old = nodes.put(id, node);
    if (old != null) {
      old.server.close();
    }
    discovery.add(SERVICE, ServiceInstance.of(id, Endpoint.of("127.0.0.1", server.port())));
  }

  RpcServer server(String id) {
    return nodes.get(id).server;
  }

  int port(String id) {
    return nodes.get(id).server.port();
  }

  /**
   * Makes node {@code id} hold its {@code owner} and {@code ownerIdem*} calls like {@code hold}.
   */
  void stall(String id) {
    nodes.get(id).stalled = true;
  }

  /** Makes node {@code id} die (shutdownNow) while running its next crash call. */
  void crashOnNextCall(String id) {
    nodes.get(id).crashing = true;
  }

  List<String> ids() {
    return new ArrayList<>(nodes.keySet());
  }

  /** The ring a client builds over the cluster's node ids (RING, weight 1). */
  HashRing<Void> ring() {
    return HashRing.<Void>builder()
        .algorithm(Algorithm.RING)
        .nodes(ids().stream().map(id -> Node.<Void>of(id)).toList())
        .build();
  }

  /**
   * A key that node {@code id} owns, found on the ring rather than by calling, so that the client
   * has no connection to the node yet: a request to a dead node is then certainly never sent. (A
   * pooled connection to a node that just died can still take a request before the client sees the
   * reset; that request was sent.)
   */
  String keyOn(String id) {
    HashRing<Void> ring = ring();
    for (int i = 0; ; i++) {
      String key = "key-" + i;
      if (ring.route(key).id().equals(id)) {
        return key;
      }
    }
  }

  @Override
  public void close() {
    releaseHeld.countDown();
    for (KvNode n : nodes.values()) {
      n.server.shutdownNow();
    }
    for (KvNode n : nodes.values()) {
      try {
        n.server.awaitTermination(Duration.ofSeconds(5));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private final class KvNode implements Kv {
    private final String id;
    volatile RpcServer server;
    volatile boolean crashing;
    volatile boolean stalled;

    KvNode(String id) {
      this.id = id;
    }

    @Override
    public String owner(String key) {
      return stalled ? hold() : id;
    }

    @Override
    public String ownerIdem(String key) {
      return stalled ? hold() : id;
    }

    @Override
    public CompletableFuture<String> ownerAsync(String key) {
      return CompletableFuture.completedFuture(id);
    }

    @Override
    public CompletableFuture<String> ownerIdemAsync(String key) {
      if (!stalled) {
        return CompletableFuture.completedFuture(id);
      }
      held.incrementAndGet();
      CompletableFuture<String> never = new CompletableFuture<>();
      never.whenComplete(
          (v, t) -> {
            if (never.isCancelled()) {
              cancelled.incrementAndGet();
            }
          });
      return never;
    }

    @Override
    public String any() {
      return id;
    }

    @Override
    public String hold() {
      held.incrementAndGet();
      try {
        releaseHeld.await(20, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        cancelled.incrementAndGet();
        Thread.currentThread().interrupt();
      }
      return id;
    }

    @Override
    public String holdKey(String key) {
      return hold();
    }

    @Override
    public CompletableFuture<String> holdKeyAsync(String key) {
      return CompletableFuture.completedFuture(hold()); // the handler's own thread waits
    }

    @Override
    public String crash(String key) {
      return maybeCrash();
    }

    @Override
    public String crashIdem(String key) {
      return maybeCrash();
    }

    @Override
    public CompletableFuture<String> crashIdemAsync(String key) {
      // A thread of its own: a crashing call blocks its thread, which must not be a shared pool's.
      CompletableFuture<String> f = new CompletableFuture<>();
      Thread.ofVirtual().start(() -> f.complete(maybeCrash()));
      return f;
    }

    /** If told to crash: the server dies under this call (it was received and is running). */
    private String maybeCrash() {
      if (crashing) {
        Thread.ofPlatform().start(server::shutdownNow);
        try {
          new CountDownLatch(1).await(10, TimeUnit.SECONDS); // until shutdownNow cancels us
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      return id;
    }
  }
}
