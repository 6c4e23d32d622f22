package io.ringmesh.node.internal.demo;

import io.ringmesh.cluster.ClusterClient;
import io.ringmesh.cluster.Discovery;
import io.ringmesh.cluster.RegistryDiscovery;
import io.ringmesh.cluster.ServiceInstance;
import io.ringmesh.coord.FencedResource;
import io.ringmesh.coord.Lease;
import io.ringmesh.coord.LockClient;
import io.ringmesh.coord.LockException;
import io.ringmesh.coord.ShardInfo;
import io.ringmesh.examples.pricing.Pricing;
import io.ringmesh.examples.pricing.PricingService;
import io.ringmesh.node.internal.sim.Zipf;
import io.ringmesh.rpc.RpcClient;
import io.ringmesh.rpc.RpcException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntFunction;

/**
 * {@code ringmesh demo}: a real local cluster (3 coordinators and 4 service nodes, each its own
 * process) running the example price service, put through the faults Ringmesh exists for, with
 * every figure measured rather than assumed.
 *
 * <p>Phases: (1) the same Zipf load routed by the ring and round-robin, comparing cache hit rates;
 * (2) a service node killed with SIGKILL mid-load: failed calls by kind, keys moved against the
 * ideal, and how long until the ring excluded the node; (3) 8 workers contending for 3 locks to
 * update fenced counters while the busiest lock's shard leader is killed: final value against
 * expected, stale tokens accepted, and the failover time; (4) a summary, with {@code --json} as one
 * object. A check that fails makes the exit code 1.
 */
public final class Demo {
  static final String SERVICE = ClusterClient.serviceName(Pricing.class);
  private static final int SERVICE_NODES = 4;
  private static final int KEYS = 2_000;
  private static final double ZIPF = 0.6;
  private static final int LOAD_CALLS = 30_000;
  private static final int CONCURRENCY = 16;
  private static final Duration LOCK_PHASE = Duration.ofSeconds(15);
  private static final int LOCKS = 3;
  private static final int LOCK_WORKERS = 8;

  private final PrintStream out;
  private final PrintStream err;
  private final Summary summary = new Summary();
  private final List<String> failedChecks = new ArrayList<>();

  public Demo(PrintStream out, PrintStream err) {
    this.out = out;
    this.err = err;
  }

  /** The demo's figures, in the order the summary prints them. */
  public static final class Summary {
    public double cacheHitRateRing;
    public double cacheHitRateRoundRobin;
    public long calls;
    public long failedIdempotentCalls;
    public long failedOtherCalls;
    public double keysMovedFraction;
    public double idealMovedFraction;
    public long keysMovedCollateral;
    public long ringExclusionMs = -1;
    public long lockFinalValue;
    public long lockExpectedValue;
    public long staleTokensAccepted;
    public long staleTokensRejected;
    public long lockFailoverMs = -1;
    public List<String> checksFailed = new ArrayList<>();

    /** The fields issue #8 names, in snake case, in order. */
    public Map<String, Object> toJson() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("cache_hit_rate_ring", round(cacheHitRateRing));
      m.put("cache_hit_rate_round_robin", round(cacheHitRateRoundRobin));
      m.put("calls", calls);
      m.put("failed_idempotent_calls", failedIdempotentCalls);
      m.put("failed_other_calls", failedOtherCalls);
      m.put("keys_moved_fraction", round(keysMovedFraction));
      m.put("ideal_moved_fraction", round(idealMovedFraction));
      m.put("keys_moved_collateral", keysMovedCollateral);
      m.put("ring_exclusion_ms", ringExclusionMs);
      m.put("lock_final_value", lockFinalValue);
      m.put("lock_expected_value", lockExpectedValue);
      m.put("stale_tokens_accepted", staleTokensAccepted);
      m.put("stale_tokens_rejected", staleTokensRejected);
      m.put("lock_failover_ms", lockFailoverMs);
      m.put("checks_failed", checksFailed);
      return m;
    }

    private static double round(double v) {
      return Math.round(v * 10_000) / 10_000.0;
    }
  }

  /**
   * Runs the phases on {@code cluster}, started and left running for the caller.
   *
   * @return the summary; {@code checksFailed} lists what did not hold
   */
  public Summary run(DemoCluster cluster, Runnable onClusterUp) throws Exception {
    startCluster(cluster);
    try (RpcClient rpc = RpcClient.builder().defaultDeadline(Duration.ofSeconds(5)).build();
        LockClient locks =
            LockClient.builder()
                .rpcClient(rpc)
                .connect(cluster.coordinators())
                .sessionTtl(Duration.ofSeconds(4))
                .build();
        RegistryDiscovery discovery = new RegistryDiscovery(locks.registry());
        ClusterClient routed =
            ClusterClient.builder()
                .discovery(discovery)
                .rpcClient(rpc)
                .defaultDeadline(Duration.ofSeconds(3))
                .build()) {
      awaitInstances(discovery, SERVICE_NODES, Duration.ofSeconds(60));
      onClusterUp.run();
      Pricing pricing = routed.proxy(Pricing.class);
      Map<String, String> owners = loadPhase(pricing, discovery, rpc);
      killPhase(cluster, pricing, discovery, owners);
      lockPhase(cluster, rpc, locks);
    }
    summary.checksFailed = List.copyOf(failedChecks);
    return summary;
  }

  private void startCluster(DemoCluster cluster) throws Exception {
    err.println(
        "Starting 3 coordinators and "
            + SERVICE_NODES
            + " service nodes (processes) in "
            + cluster.directory());
    Progress p = new Progress(err, "cluster");
    List<DemoCluster.Member> members = cluster.members();
    Map<String, CompletableFuture<Void>> ups = new LinkedHashMap<>();
    for (DemoCluster.Member m : members) {
      if (m.coordinator) {
        ups.put(m.id, cluster.start(m.id));
      }
    }
    int done = 0;
    for (var e : ups.entrySet()) {
      cluster.awaitUp(e.getKey(), e.getValue(), Duration.ofSeconds(120));
      p.show(++done / (double) members.size(), e.getKey() + " up");
    }
    ups.clear();
    for (DemoCluster.Member m : members) {
      if (!m.coordinator) {
        ups.put(m.id, cluster.start(m.id));
      }
    }
    for (var e : ups.entrySet()) {
      cluster.awaitUp(e.getKey(), e.getValue(), Duration.ofSeconds(120));
      p.show(++done / (double) members.size(), e.getKey() + " up");
    }
    p.done(members.size() + " nodes up");
  }

  private static void awaitInstances(RegistryDiscovery discovery, int n, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    CountDownLatch seen = new CountDownLatch(1);
    Discovery.Subscription sub =
        discovery.subscribe(
            SERVICE,
            (s, list) -> {
              if (list.size() >= n) {
                seen.countDown();
              }
            });
    try {
      if (discovery.instances(SERVICE).size() >= n) {
        return;
      }
      if (!seen.await(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
        throw new IllegalStateException(
            "only "
                + discovery.instances(SERVICE).size()
                + " of "
                + n
                + " service nodes registered within "
                + timeout.toSeconds()
                + " s");
      }
    } finally {
      sub.close();
    }
  }

  // ---- phase 1: ring routing against round-robin on the same Zipf load ----

  private Map<String, String> loadPhase(Pricing routed, RegistryDiscovery discovery, RpcClient rpc)
      throws Exception {
    err.println();
    err.printf(
        "Phase 1/3: load. %,d price quotes, Zipf(%.1f) over %,d products, %d in flight: routed by"
            + " the ring, then round-robin%n",
        LOAD_CALLS, ZIPF, KEYS, CONCURRENCY);
    int[] draws = Zipf.draws(KEYS, ZIPF, LOAD_CALLS, 42);
    List<ServiceInstance> nodes = discovery.instances(SERVICE);
    List<Pricing> direct = new ArrayList<>();
    for (ServiceInstance i : nodes) {
      direct.add(rpc.proxy(Pricing.class, i.endpoint()));
    }
    direct.forEach(Pricing::clearCache);
    Map<String, String> owners = new ConcurrentHashMap<>();
    LoadResult ring = load("ring routing", draws, i -> routed, owners);
    direct.forEach(Pricing::clearCache);
    AtomicInteger next = new AtomicInteger();
    LoadResult rr =
        load(
            "round-robin",
            draws,
            i -> direct.get(Math.floorMod(next.getAndIncrement(), direct.size())),
            null);
    summary.cacheHitRateRing = ring.hitRate();
    summary.cacheHitRateRoundRobin = rr.hitRate();
    summary.calls += ring.calls + rr.calls;
    summary.failedIdempotentCalls += ring.failed + rr.failed;
    out.printf(
        "  cache hit rate: %.1f%% routed by the ring, %.1f%% round-robin (%,.0f and %,.0f calls/s)%n",
        100 * ring.hitRate(), 100 * rr.hitRate(), ring.callsPerSecond(), rr.callsPerSecond());
    check(ring.hitRate() > rr.hitRate(), "the ring's cache hit rate beats round-robin's");
    check(ring.failed == 0 && rr.failed == 0, "no call failed under steady load");
    return owners;
  }

  private record LoadResult(long calls, long hits, long failed, long nanos) {
    double hitRate() {
      return calls == 0 ? 0 : hits / (double) calls;
    }

    double callsPerSecond() {
      return calls / (nanos / 1e9);
    }
  }

  private LoadResult load(
      String label, int[] draws, IntFunction<Pricing> target, Map<String, String> owners)
      throws InterruptedException {
    Progress p = new Progress(err, label);
    AtomicInteger cursor = new AtomicInteger();
    LongAdder hits = new LongAdder();
    LongAdder calls = new LongAdder();
    LongAdder failed = new LongAdder();
    long start = System.nanoTime();
    ExecutorService pool = Executors.newFixedThreadPool(CONCURRENCY);
    try {
      for (int t = 0; t < CONCURRENCY; t++) {
        pool.execute(
            () -> {
              int i;
              while ((i = cursor.getAndIncrement()) < draws.length) {
                String sku = "sku-" + draws[i];
                try {
                  Pricing.Quote q = target.apply(i).quote(sku);
                  calls.increment();
                  if (q.fromCache()) {
                    hits.increment();
                  }
                  if (owners != null) {
                    owners.put(sku, q.servedBy());
                  }
                } catch (RuntimeException e) {
                  calls.increment();
                  failed.increment();
                }
              }
            });
      }
      pool.shutdown();
      while (!pool.awaitTermination(200, TimeUnit.MILLISECONDS)) {
        p.show(
            Math.min(cursor.get(), draws.length) / (double) draws.length,
            String.format("hit rate %.1f%%", 100.0 * hits.sum() / Math.max(1, calls.sum())));
      }
    } finally {
      pool.shutdownNow();
    }
    LoadResult r = new LoadResult(calls.sum(), hits.sum(), failed.sum(), System.nanoTime() - start);
    p.done(String.format("hit rate %.1f%%, %d failed", 100 * r.hitRate(), r.failed));
    return r;
  }

  // ---- phase 2: a service node killed mid-load ----

  private void killPhase(
      DemoCluster cluster, Pricing pricing, RegistryDiscovery discovery, Map<String, String> owners)
      throws Exception {
    err.println();
    Map<String, Integer> perNode = new HashMap<>();
    owners.values().forEach(n -> perNode.merge(n, 1, Integer::sum));
    String victim =
        perNode.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey();
    err.printf(
        "Phase 2/3: node %s (owner of %d of %d products seen) killed with SIGKILL mid-load%n",
        victim, perNode.get(victim), owners.size());
    AtomicBoolean stop = new AtomicBoolean();
    LongAdder idemFailed = new LongAdder();
    LongAdder otherFailed = new LongAdder();
    LongAdder calls = new LongAdder();
    Map<String, LongAdder> otherFailures = new ConcurrentHashMap<>();
    int[] draws = Zipf.draws(KEYS, ZIPF, 1 << 20, 7);
    AtomicInteger cursor = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(8);
    for (int t = 0; t < 8; t++) {
      pool.execute(
          () -> {
            while (!stop.get()) {
              int i = cursor.getAndIncrement() & ((1 << 20) - 1);
              String sku = "sku-" + draws[i];
              boolean idempotent = i % 10 != 0;
              try {
                if (idempotent) {
                  pricing.quote(sku);
                } else {
                  pricing.order(sku, 1);
                }
              } catch (RuntimeException e) {
                (idempotent ? idemFailed : otherFailed).increment();
                if (!idempotent) {
                  otherFailures.computeIfAbsent(statusOf(e), k -> new LongAdder()).increment();
                }
              }
              calls.increment();
            }
          });
    }
    Progress p = new Progress(err, "kill " + victim);
    CountDownLatch excluded = new CountDownLatch(1);
    AtomicLong excludedAt = new AtomicLong();
    long killedAt;
    Discovery.Subscription sub =
        discovery.subscribe(
            SERVICE,
            (s, list) -> {
              if (list.stream().noneMatch(i -> i.nodeId().equals(victim))) {
                excludedAt.compareAndSet(0, System.nanoTime());
                excluded.countDown();
              }
            });
    try {
      keepLoading(p, 2_000, "load before the kill");
      killedAt = System.nanoTime();
      cluster.kill(victim);
      long deadline = killedAt + TimeUnit.SECONDS.toNanos(30);
      while (!excluded.await(200, TimeUnit.MILLISECONDS)) {
        if (System.nanoTime() > deadline) {
          break;
        }
        p.show(
            (System.nanoTime() - killedAt) / 8e9,
            "waiting for the ring to drop " + victim + ", " + calls.sum() + " calls");
      }
    } finally {
      sub.close();
    }
    if (excludedAt.get() != 0) {
      summary.ringExclusionMs = TimeUnit.NANOSECONDS.toMillis(excludedAt.get() - killedAt);
    }
    keepLoading(p, 1_000, "load after the exclusion");
    stop.set(true);
    pool.shutdown();
    pool.awaitTermination(10, TimeUnit.SECONDS);
    p.done(calls.sum() + " calls, " + (idemFailed.sum() + otherFailed.sum()) + " failed");
    summary.calls += calls.sum();
    summary.failedIdempotentCalls += idemFailed.sum();
    summary.failedOtherCalls += otherFailed.sum();

    // Keys moved: every product seen in phase 1, asked again now that the ring has 3 nodes.
    int moved = 0;
    int collateral = 0;
    for (Map.Entry<String, String> e : owners.entrySet()) {
      String now = pricing.quote(e.getKey()).servedBy();
      if (!now.equals(e.getValue())) {
        moved++;
        if (!e.getValue().equals(victim)) {
          collateral++;
        }
      }
    }
    summary.keysMovedFraction = moved / (double) owners.size();
    summary.idealMovedFraction = 1.0 / SERVICE_NODES;
    summary.keysMovedCollateral = collateral;
    out.printf(
        "  failed calls: %d idempotent (quotes), %d not idempotent (orders%s) of %,d%n",
        idemFailed.sum(),
        otherFailed.sum(),
        otherFailures.isEmpty() ? "" : ": " + otherFailures,
        calls.sum());
    out.printf(
        "  ring excluded %s %s after the kill (session TTL 4 s)%n",
        victim, summary.ringExclusionMs < 0 ? "NOT within 30 s" : summary.ringExclusionMs + " ms");
    out.printf(
        "  keys moved: %.1f%% of %,d products (ideal 1/n = %.1f%%; %s owned %.1f%%), %d of them"
            + " from nodes that stayed%n",
        100 * summary.keysMovedFraction,
        owners.size(),
        100 * summary.idealMovedFraction,
        victim,
        100.0 * perNode.get(victim) / owners.size(),
        collateral);
    check(idemFailed.sum() == 0, "no idempotent call failed while a node died");
    check(summary.ringExclusionMs >= 0, "the ring excluded the killed node within 30 s");
    check(collateral == 0, "no key moved between nodes that stayed");

    Progress r = new Progress(err, "restart " + victim);
    r.show(0, "starting");
    CompletableFuture<Void> up = cluster.start(victim);
    cluster.awaitUp(victim, up, Duration.ofSeconds(120));
    awaitInstances(discovery, SERVICE_NODES, Duration.ofSeconds(60));
    r.done(victim + " is back on the ring");
  }

  private static String statusOf(RuntimeException e) {
    return e instanceof RpcException r ? r.status().name() : e.getClass().getSimpleName();
  }

  /** Lets the load run for {@code millis}, showing {@code what}. */
  private static void keepLoading(Progress p, long millis, String what)
      throws InterruptedException {
    long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
    while (System.nanoTime() < end) {
      p.show(0, what);
      Thread.sleep(Math.min(100, millis)); // pacing a load window, not synchronisation
    }
  }

  // ---- phase 3: locks and a fenced resource while a shard leader dies ----

  private void lockPhase(DemoCluster cluster, RpcClient rpc, LockClient admin) throws Exception {
    err.println();
    String busiest = "inventory-0";
    int shard = admin.shardOf(busiest);
    Optional<String> leader = leaderOf(admin, shard);
    err.printf(
        "Phase 3/3: locks. %d workers (each its own session) update %d fenced counters for %d s;"
            + " the leader of %s's shard %d (%s) is killed mid-run%n",
        LOCK_WORKERS, LOCKS, LOCK_PHASE.toSeconds(), busiest, shard, leader.orElse("unknown"));
    List<Counter> counters = new ArrayList<>();
    for (int i = 0; i < LOCKS; i++) {
      counters.add(new Counter("inventory-" + i));
    }
    AtomicBoolean stop = new AtomicBoolean();
    AtomicLong killedAt = new AtomicLong();
    AtomicLong firstGrantAfterKill = new AtomicLong();
    List<LockClient> clients = new ArrayList<>();
    List<Thread> workers = new ArrayList<>();
    AtomicReference<Throwable> unexpected = new AtomicReference<>();
    try {
      for (int w = 0; w < LOCK_WORKERS; w++) {
        clients.add(
            LockClient.builder()
                .rpcClient(rpc)
                .connect(cluster.coordinators())
                .sessionTtl(Duration.ofSeconds(4))
                .build());
      }
      for (int w = 0; w < LOCK_WORKERS; w++) {
        LockClient client = clients.get(w);
        // Half the workers on the busiest lock, the rest spread over the others.
        Counter c = counters.get(w < LOCK_WORKERS / 2 ? 0 : 1 + w % (LOCKS - 1));
        workers.add(
            Thread.ofPlatform()
                .name("lock-worker-" + w)
                .start(
                    () -> lockWorker(client, c, stop, killedAt, firstGrantAfterKill, unexpected)));
      }
      Progress p = new Progress(err, "locks");
      long start = System.nanoTime();
      long end = start + LOCK_PHASE.toNanos();
      boolean killed = false;
      String victim = leader.orElse(null);
      while (System.nanoTime() < end) {
        double f = (System.nanoTime() - start) / (double) LOCK_PHASE.toNanos();
        if (!killed && f > 0.3) {
          // The leader now: leaders may have moved since the phase began.
          victim = leaderOf(admin, shard).orElse(victim);
          if (victim != null) {
            killedAt.set(System.nanoTime());
            cluster.kill(victim);
          }
          killed = true;
        }
        p.show(
            f,
            counters.stream().mapToLong(Counter::expected).sum()
                + " updates"
                + (killed ? ", " + victim + " killed" : ""));
        Thread.sleep(100); // pacing the progress bar
      }
      stop.set(true);
      for (Thread t : workers) {
        t.join(TimeUnit.SECONDS.toMillis(20));
      }
      p.done(counters.stream().mapToLong(Counter::expected).sum() + " updates");
      if (firstGrantAfterKill.get() != 0) {
        summary.lockFailoverMs =
            TimeUnit.NANOSECONDS.toMillis(firstGrantAfterKill.get() - killedAt.get());
      }
      if (victim != null) {
        Progress r = new Progress(err, "restart " + victim);
        r.show(0, "starting");
        CompletableFuture<Void> up = cluster.start(victim);
        cluster.awaitUp(victim, up, Duration.ofSeconds(120));
        r.done(victim + " rejoined");
      } else {
        failedChecks.add("the shard of " + busiest + " had no leader to kill");
      }
    } finally {
      stop.set(true);
      clients.forEach(LockClient::close);
    }
    for (Counter c : counters) {
      summary.lockFinalValue += c.resource.apply(Long.MAX_VALUE, v -> v.get());
      summary.lockExpectedValue += c.expected();
      summary.staleTokensAccepted += c.staleAccepted.get();
      summary.staleTokensRejected += c.staleRejected.get();
    }
    out.printf(
        "  fenced counters: final %d, expected %d; stale tokens accepted %d, rejected %d%n",
        summary.lockFinalValue,
        summary.lockExpectedValue,
        summary.staleTokensAccepted,
        summary.staleTokensRejected);
    out.printf(
        "  lock failover: %s from killing the shard leader to the next grant of %s%n",
        summary.lockFailoverMs < 0 ? "NO grant" : summary.lockFailoverMs + " ms", busiest);
    check(
        summary.lockFinalValue == summary.lockExpectedValue,
        "every counter equals its expected value");
    check(summary.staleTokensAccepted == 0, "no stale token was accepted");
    check(summary.lockFailoverMs >= 0, busiest + " was granted again after its shard leader died");
    if (unexpected.get() != null) {
      failedChecks.add("a lock worker failed unexpectedly: " + unexpected.get());
    }
  }

  private static Optional<String> leaderOf(LockClient admin, int shard) {
    return admin.shards().stream()
        .filter(s -> !s.registry() && s.shard() == shard)
        .findFirst()
        .flatMap(ShardInfo::leader);
  }

  /**
   * A counter guarded by a lock and by fencing. The read-modify-write is deliberately not atomic
   * (read, then a fenced write), so two holders at once would lose an update or write with a stale
   * token; the checks catch either.
   */
  private static final class Counter {
    final String lock;
    final FencedResource<AtomicLong> resource = new FencedResource<>(new AtomicLong());
    final AtomicLong done = new AtomicLong();
    final AtomicLong lastAccepted = new AtomicLong();
    final AtomicLong staleAccepted = new AtomicLong();
    final AtomicLong staleRejected = new AtomicLong();

    Counter(String lock) {
      this.lock = lock;
    }

    long expected() {
      return done.get();
    }
  }

  private static void lockWorker(
      LockClient client,
      Counter c,
      AtomicBoolean stop,
      AtomicLong killedAt,
      AtomicLong firstGrantAfterKill,
      AtomicReference<Throwable> unexpected) {
    while (!stop.get()) {
      long askedAt = System.nanoTime();
      try (Lease lease = client.acquire(c.lock, Duration.ofSeconds(10))) {
        long killed = killedAt.get();
        // Failover: the first grant of a request made after the kill, which only a leader that
        // is alive can make (an earlier request may have been granted before the kill).
        if (killed != 0 && askedAt > killed && c.lock.equals("inventory-0")) {
          firstGrantAfterKill.compareAndSet(0, System.nanoTime());
        }
        long token = lease.fencingToken();
        long seen = c.resource.apply(token, AtomicLong::get);
        try {
          c.resource.accept(token, v -> v.set(seen + 1));
          c.done.incrementAndGet();
          long prev = c.lastAccepted.getAndAccumulate(token, Math::max);
          if (token < prev) {
            c.staleAccepted.incrementAndGet();
          }
        } catch (LockException e) {
          if (e.code() == LockException.Code.STALE_TOKEN) {
            c.staleRejected.incrementAndGet();
          } else {
            throw e;
          }
        }
      } catch (LockException e) {
        // UNAVAILABLE or SESSION_EXPIRED while the shard fails over, DEADLINE_EXCEEDED while
        // waiting: the worker tries again after a short pause, as an application would.
        if (e.code() == LockException.Code.INVALID_ARGUMENT) {
          unexpected.compareAndSet(null, e);
          return;
        }
        if (e.code() != LockException.Code.DEADLINE_EXCEEDED) {
          backOff();
        }
      } catch (RuntimeException e) {
        unexpected.compareAndSet(null, e);
        return;
      }
    }
  }

  private static void backOff() {
    try {
      Thread.sleep(50); // retry pacing while a shard elects a leader
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void check(boolean holds, String what) {
    if (!holds) {
      failedChecks.add(what);
    }
  }

  /** The service class and settings the demo's service nodes run. */
  static Map<String, String> serviceSettings() {
    return Map.of("cache.capacity", "500", "work.rounds", "500");
  }

  static String serviceClass() {
    return PricingService.class.getName();
  }

  static int serviceNodes() {
    return SERVICE_NODES;
  }
}
