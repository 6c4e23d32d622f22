package io.ringmesh.node.internal.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.ringmesh.cluster.ClusterClient;
import io.ringmesh.cluster.Discovery;
import io.ringmesh.cluster.RegistryDiscovery;
import io.ringmesh.cluster.ServiceInstance;
import io.ringmesh.coord.LockClient;
import io.ringmesh.examples.pricing.Pricing;
import io.ringmesh.node.internal.demo.NodeProcess;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #7's scenarios with real processes, one JVM per node: a coordinator in this JVM (a {@link
 * NodeRuntime} with the coordinator role and a 2 s session TTL) and five {@code ringmesh node}
 * processes ({@link NodeProcess}) hosting the example {@link Pricing} service, shared by the tests
 * of the class. Each test starts from all five nodes up and leaves them so.
 *
 * <ol>
 *   <li>A rolling restart under load: a {@link ClusterClient} here sends quotes and orders at a
 *       steady rate while each node in turn is stopped gracefully (SIGTERM) and started again with
 *       the same id on a new port; no call may fail.
 *   <li>Membership as a client in another process sees it ({@link RegistryWatcher}): a node killed
 *       with SIGKILL is gone within the session TTL plus {@link #CRASH_TOLERANCE}; a node stopped
 *       gracefully is gone within 1 s.
 *   <li>A node restarted on a new port keeps its keys.
 * </ol>
 *
 * <p>The rolling restart restarts two nodes by default, to keep the class well under two minutes on
 * two busy cores; with the environment variable {@code RINGMESH_LONG_TESTS=1} it restarts all five.
 * Measured figures (failed calls, visibility times) are printed to the test's output.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(180)
class ClusterScenariosTest {
  private static final String SERVICE = ClusterClient.serviceName(Pricing.class);
  private static final Duration SESSION_TTL = Duration.ofSeconds(2);

  /**
   * What a crashed node's entries may take beyond the session TTL to vanish from another process's
   * view. The leader counts the TTL from the last heartbeat it heard, which is no later than the
   * kill, and checks sessions every 100 ms; then come the Raft commit of the expiry, the registry
   * watch's answer to the watcher process, and scheduling delays on busy cores.
   */
  private static final Duration CRASH_TOLERANCE = Duration.ofSeconds(1);

  /** What a graceful stop may take to be seen by a client in another process (issue #7). */
  private static final Duration LEAVE_BOUND = Duration.ofSeconds(1);

  private static final Duration NODE_START = Duration.ofSeconds(90);
  private static final List<String> NODES = List.of("s1", "s2", "s3", "s4", "s5");
  private static final boolean LONG = "1".equals(System.getenv("RINGMESH_LONG_TESTS"));

  @TempDir static Path dir;

  private @Nullable NodeRuntime coordinator;
  private String coordinators = "";
  private @Nullable LockClient lockClient;
  private @Nullable RegistryDiscovery discovery;
  private final Map<String, NodeProcess> nodes = new ConcurrentHashMap<>();

  @BeforeAll
  @Timeout(150)
  void startCluster() throws Exception {
    coordinator = NodeRuntime.start(coordinatorConfig(), step -> log("coord: " + step));
    coordinators = "127.0.0.1:" + Objects.requireNonNull(coordinator.coordinator()).rpcPort();
    lockClient = LockClient.builder().connect(coordinators).build();
    discovery = new RegistryDiscovery(lockClient.registry());
    for (String id : NODES) {
      writeConfig(id);
      nodes.put(id, NodeProcess.start(id, config(id), dir.resolve(id + ".log")));
    }
    awaitAllUp();
  }

  /** Brings back any node a failed test left down. */
  @BeforeEach
  @Timeout(150)
  void allNodesUp() throws Exception {
    for (String id : NODES) {
      if (!nodes.get(id).isAlive()) {
        log("restarting " + id + ", left down by an earlier test");
        nodes.put(id, NodeProcess.start(id, config(id), dir.resolve(id + ".log")));
      }
    }
    awaitAllUp();
  }

  @AfterAll
  @Timeout(60)
  void stopCluster() {
    // The nodes first and together, while the coordinator is there to take their deregistration.
    List<CompletableFuture<Void>> stops = new ArrayList<>();
    for (NodeProcess p : nodes.values()) {
      stops.add(CompletableFuture.runAsync(p::close));
    }
    stops.forEach(CompletableFuture::join);
    for (NodeProcess p : nodes.values()) {
      log("--- the end of " + p.id() + "'s log:\n" + NodeProcess.tail(p.log()));
    }
    if (discovery != null) {
      discovery.close();
    }
    if (lockClient != null) {
      lockClient.close();
    }
    if (coordinator != null) {
      coordinator.close();
    }
  }

  @Test
  @Order(1)
  void rollingRestartUnderLoadFailsNoCall() throws Exception {
    List<String> restarted = LONG ? NODES : NODES.subList(0, 2);
    try (ClusterClient cluster = client();
        Load load = new Load(cluster.proxy(Pricing.class));
        Membership ring = new Membership(discovery, lockClient)) {
      load.start();
      load.awaitCompleted(200, Duration.ofSeconds(30));
      for (String id : restarted) {
        int oldPort = ring.port(id);
        long before = load.completed();
        long stopAt = System.nanoTime();
        nodes.get(id).close(); // SIGTERM: deregister, drain, exit
        ring.await(ids -> !ids.containsKey(id), Duration.ofSeconds(10), id + " gone");
        log(
            "%s stopped gracefully in %d ms; %d calls made while it stopped"
                .formatted(id, msSince(stopAt), load.completed() - before));
        long startAt = System.nanoTime();
        nodes.put(id, NodeProcess.start(id, config(id), dir.resolve(id + ".log")));
        ring.await(ids -> ids.containsKey(id), NODE_START, id + " back");
        log(
            "%s back in discovery %d ms after its start, port %d -> %d"
                .formatted(id, msSince(startAt), oldPort, ring.port(id)));
        load.awaitCompleted(load.completed() + 100, Duration.ofSeconds(30));
      }
      load.awaitCompleted(load.completed() + 100, Duration.ofSeconds(30));
      load.stop();
      log(
          "rolling restart of %s: %d quotes and %d orders, %d failed"
              .formatted(restarted, load.quotes.get(), load.orders.get(), load.failures.size()));
      assertThat(load.failures).as("failed calls").isEmpty();
      assertThat(load.quotes.get()).isPositive();
      assertThat(load.orders.get()).isPositive();
    }
  }

  @Test
  @Order(2)
  void aClientInAnotherProcessSeesACrashWithinTheTtlAndALeaveWithinOneSecond() throws Exception {
    try (Watcher watcher = Watcher.start(coordinators, dir.resolve("watcher.log"))) {
      watcher.await(ids -> ids.containsAll(NODES), Duration.ofSeconds(60), "all five nodes");

      long killedAt = System.currentTimeMillis();
      nodes.get("s2").kill();
      Watcher.Event gone =
          watcher.await(ids -> !ids.contains("s2"), SESSION_TTL.multipliedBy(5), "s2 gone");
      long crashMs = gone.millis() - killedAt;

      long restartAt = System.currentTimeMillis();
      nodes.put("s2", NodeProcess.start("s2", config("s2"), dir.resolve("s2.log")));
      Watcher.Event back = watcher.await(ids -> ids.contains("s2"), NODE_START, "s2 back");
      long rejoinMs = back.millis() - restartAt;

      long stoppedAt = System.currentTimeMillis();
      nodes.get("s4").close(); // SIGTERM
      Watcher.Event left =
          watcher.await(ids -> !ids.contains("s4"), Duration.ofSeconds(15), "s4 gone");
      long leaveMs = left.millis() - stoppedAt;
      nodes.put("s4", NodeProcess.start("s4", config("s4"), dir.resolve("s4.log")));

      log(
          ("another process saw: s2 gone %d ms after SIGKILL (TTL %d ms, bound %d ms); s2 back %d"
                  + " ms after its start; s4 gone %d ms after SIGTERM (bound %d ms)")
              .formatted(
                  crashMs,
                  SESSION_TTL.toMillis(),
                  SESSION_TTL.plus(CRASH_TOLERANCE).toMillis(),
                  rejoinMs,
                  leaveMs,
                  LEAVE_BOUND.toMillis()));
      // Not before the leader could have expired the session (its last heartbeat is at most a
      // third of the TTL old), and within the TTL plus the tolerance.
      assertThat(crashMs)
          .as("ms from SIGKILL to the crash seen elsewhere")
          .isBetween(SESSION_TTL.toMillis() / 2, SESSION_TTL.plus(CRASH_TOLERANCE).toMillis());
      assertThat(leaveMs)
          .as("ms from SIGTERM to the leave seen elsewhere")
          .isLessThanOrEqualTo(LEAVE_BOUND.toMillis());
    }
  }

  @Test
  @Order(3)
  void aNodeRestartedOnANewPortKeepsItsKeys() throws Exception {
    try (ClusterClient cluster = client();
        Membership ring = new Membership(discovery, lockClient)) {
      Pricing pricing = cluster.proxy(Pricing.class);
      ring.await(ids -> ids.keySet().containsAll(NODES), Duration.ofSeconds(30), "five nodes");
      List<String> skus = new ArrayList<>();
      for (int i = 0; i < 500; i++) {
        skus.add("sku-" + i);
      }
      Map<String, String> owner = owners(pricing, skus, ring);
      assertThat(new TreeSet<>(owner.values())).containsExactlyElementsOf(NODES);

      String moved = "s3";
      int oldPort = ring.port(moved);
      nodes.get(moved).close();
      ring.await(ids -> !ids.containsKey(moved), Duration.ofSeconds(10), moved + " gone");
      nodes.put(moved, NodeProcess.start(moved, config(moved), dir.resolve(moved + ".log")));
      ring.await(ids -> ids.containsKey(moved), NODE_START, moved + " back");
      int newPort = ring.port(moved);
      assertThat(newPort).as("the restarted node's port").isNotEqualTo(oldPort);

      Map<String, String> after = owners(pricing, skus, ring);
      long ownedByMoved = owner.values().stream().filter(moved::equals).count();
      long kept = skus.stream().filter(k -> owner.get(k).equals(after.get(k))).count();
      log(
          "%s moved from port %d to %d; %d of %d keys are its; %d keys kept their node"
              .formatted(moved, oldPort, newPort, ownedByMoved, owner.size(), kept));
      assertThat(after).isEqualTo(owner);
    }
  }

  /**
   * Each sku's serving node, asked with the five nodes in discovery and no change of membership
   * while asking. On a starved machine a live node's 2 s session can lapse (its registry client
   * then registers it again); keys rightly move meanwhile, so such a pass is asked again.
   */
  private static Map<String, String> owners(Pricing pricing, List<String> skus, Membership ring)
      throws InterruptedException {
    for (int pass = 1; ; pass++) {
      ring.await(ids -> ids.keySet().containsAll(NODES), NODE_START, "all five nodes");
      long changes = ring.changes();
      Map<String, String> owner = new LinkedHashMap<>();
      for (String sku : skus) {
        owner.put(sku, pricing.quote(sku).servedBy());
      }
      if (ring.changes() == changes) {
        return owner;
      }
      log("membership changed while asking (pass " + pass + "): asking again");
      assertThat(pass).as("passes disturbed by membership changes").isLessThan(5);
    }
  }

  // ---- the cluster ----

  private NodeConfig coordinatorConfig() {
    NodeConfig c = new NodeConfig();
    c.id = "coord";
    c.roles = new ArrayList<>(List.of("coordinator"));
    c.data = dir.resolve("coord").toString();
    c.rpcPort = 0;
    c.adminPort = 0;
    c.coordinator.port = 0;
    c.coordinator.shards = 2;
    c.sessionTtl = SESSION_TTL.toSeconds() + "s";
    return c;
  }

  private static Path config(String id) {
    return dir.resolve(id + ".yaml");
  }

  private void writeConfig(String id) throws IOException {
    String yaml =
        """
        id: %s
        roles: [service]
        rpc-port: 0
        admin-port: 0
        data: %s
        coordinators: %s
        session-ttl: %ds
        log-level: WARN
        services:
          - class: io.ringmesh.examples.pricing.PricingService
            settings:
              work.rounds: "1"
        """
            .formatted(id, dir.resolve(id), coordinators, SESSION_TTL.toSeconds());
    Files.writeString(config(id), yaml);
  }

  private void awaitAllUp() throws Exception {
    for (NodeProcess p : nodes.values()) {
      p.awaitUp(NODE_START);
    }
    try (Membership m = new Membership(discovery, lockClient)) {
      m.await(ids -> ids.keySet().containsAll(NODES), Duration.ofSeconds(60), "all five nodes");
    }
  }

  /**
   * A cluster client that rebuilds its ring on the discovery thread, so that a {@link Membership}
   * made after its first proxy sees a change only once the ring has it.
   */
  private ClusterClient client() {
    return ClusterClient.builder()
        .discovery(Objects.requireNonNull(discovery))
        // Generous, so that a JVM starting on two busy cores slows calls without failing them; a
        // call routed to a node that is gone fails as UNAVAILABLE whatever the deadline.
        .defaultDeadline(Duration.ofSeconds(5))
        .rebuildExecutor(Runnable::run)
        .build();
  }

  private static long msSince(long nanos) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - nanos);
  }

  private static void log(String line) {
    System.out.println("[scenarios " + java.time.LocalTime.now() + "] " + line);
  }

  /** Polls {@code condition} every 20 ms until it holds, failing after {@code timeout}. */
  private static void poll(Duration timeout, String what, java.util.function.BooleanSupplier c) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!c.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within " + timeout + ": " + what);
      }
      java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
    }
  }

  /** The service's instances by node id as this JVM's discovery tells them, awaited by listener. */
  private static final class Membership implements AutoCloseable {
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final Discovery.Subscription subscription;
    private Map<String, ServiceInstance> current; // guarded by lock
    private long changeCount; // guarded by lock

    /** What the registry itself holds, for failure messages. */
    private final java.util.function.Supplier<String> registered;

    Membership(@Nullable Discovery discovery, @Nullable LockClient client) {
      Discovery d = Objects.requireNonNull(discovery);
      LockClient c = Objects.requireNonNull(client);
      registered =
          () -> {
            try {
              return c.registry().snapshot().entries().stream()
                  .map(e -> e.service() + "/" + e.nodeId())
                  .sorted()
                  .toList()
                  .toString();
            } catch (RuntimeException e) {
              return "(unreadable: " + e + ")";
            }
          };
      subscription = d.subscribe(SERVICE, (s, list) -> set(list));
      current = byId(d.instances(SERVICE));
    }

    private void set(List<ServiceInstance> list) {
      lock.lock();
      try {
        changeCount++;
        current = byId(list);
        changed.signalAll();
      } finally {
        lock.unlock();
      }
    }

    private static Map<String, ServiceInstance> byId(List<ServiceInstance> list) {
      Map<String, ServiceInstance> m = new HashMap<>();
      list.forEach(i -> m.put(i.nodeId(), i));
      return m;
    }

    /** How many changes it has seen. */
    long changes() {
      lock.lock();
      try {
        return changeCount;
      } finally {
        lock.unlock();
      }
    }

    int port(String id) {
      lock.lock();
      try {
        return Objects.requireNonNull(current.get(id), id).endpoint().port();
      } finally {
        lock.unlock();
      }
    }

    void await(Predicate<Map<String, ServiceInstance>> until, Duration timeout, String what)
        throws InterruptedException {
      long left = timeout.toNanos();
      lock.lock();
      try {
        while (!until.test(current)) {
          if (left <= 0) {
            throw new AssertionError(
                "discovery did not show "
                    + what
                    + " within "
                    + timeout
                    + "; it shows "
                    + current.keySet()
                    + " and the registry "
                    + registered.get());
          }
          left = changed.awaitNanos(left);
        }
      } finally {
        lock.unlock();
      }
    }

    @Override
    public void close() {
      subscription.close();
    }
  }

  /**
   * Steady load: a quote or an order (alternately, over 1,000 skus) every 5 ms from a pool of
   * callers, at most 32 in flight; every failure is kept.
   */
  private static final class Load implements AutoCloseable {
    final AtomicLong quotes = new AtomicLong();
    final AtomicLong orders = new AtomicLong();
    final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    private final Pricing pricing;
    private final AtomicLong sequence = new AtomicLong();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final ScheduledExecutorService ticker =
        Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "scenario-load-ticker"));
    private final ExecutorService callers =
        Executors.newFixedThreadPool(8, r -> new Thread(r, "scenario-load"));

    Load(Pricing pricing) {
      this.pricing = pricing;
    }

    void start() {
      ticker.scheduleAtFixedRate(this::dispatch, 0, 5, TimeUnit.MILLISECONDS);
    }

    private void dispatch() {
      if (inFlight.incrementAndGet() > 32) {
        inFlight.decrementAndGet();
        return;
      }
      callers.execute(this::call);
    }

    private void call() {
      long n = sequence.getAndIncrement();
      String sku = "sku-" + (n * 7_919 % 1_000);
      try {
        if (n % 2 == 0) {
          pricing.quote(sku);
          quotes.incrementAndGet();
        } else {
          pricing.order(sku, 1);
          orders.incrementAndGet();
        }
      } catch (RuntimeException e) {
        failures.add((n % 2 == 0 ? "quote " : "order ") + sku + ": " + e);
        if (failures.size() <= 5) {
          log("call failed: " + e);
        }
      } finally {
        inFlight.decrementAndGet();
      }
    }

    long completed() {
      return quotes.get() + orders.get() + failures.size();
    }

    void awaitCompleted(long calls, Duration timeout) {
      poll(
          timeout,
          calls + " calls completed (" + completed() + " so far)",
          () -> completed() >= calls);
    }

    void stop() throws InterruptedException {
      ticker.shutdownNow();
      callers.shutdown();
      if (!callers.awaitTermination(30, TimeUnit.SECONDS)) {
        callers.shutdownNow();
      }
    }

    @Override
    public void close() {
      try {
        stop();
      } catch (InterruptedException e) {
        callers.shutdownNow();
        Thread.currentThread().interrupt();
      }
    }
  }

  /** A {@link RegistryWatcher} process and the changes it printed. */
  private static final class Watcher implements AutoCloseable {
    record Event(long millis, Set<String> ids) {}

    private final Process process;
    private final Path log;
    private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();

    private Watcher(Process process, Path log) {
      this.process = process;
      this.log = log;
    }

    static Watcher start(String coordinators, Path log) throws IOException {
      List<String> cmd = new ArrayList<>();
      cmd.add(ProcessHandle.current().info().command().orElse("java"));
      for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
        if (arg.startsWith("--enable-native-access")
            || arg.startsWith("--sun-misc-unsafe-memory-access")) {
          cmd.add(arg);
        }
      }
      cmd.addAll(List.of("-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp"));
      cmd.add(System.getProperty("java.class.path"));
      cmd.add(RegistryWatcher.class.getName());
      cmd.add(coordinators);
      cmd.add(SERVICE);
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      Watcher w = new Watcher(p, log);
      Thread.ofPlatform().daemon().name("watcher-output").start(w::read);
      return w;
    }

    private void read() {
      try (BufferedReader r =
          new BufferedReader(
              new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null) {
          Files.writeString(
              log,
              line + "\n",
              java.nio.file.StandardOpenOption.CREATE,
              java.nio.file.StandardOpenOption.APPEND);
          String[] f = line.split(" ", 3);
          if (f.length >= 2 && f[0].equals("watch")) {
            Set<String> ids = f.length == 3 && !f[2].isBlank() ? Set.of(f[2].split(",")) : Set.of();
            events.add(new Event(Long.parseLong(f[1]), ids));
          }
        }
      } catch (IOException e) {
        // the process is gone
      }
    }

    /** The first change printed from now on whose ids satisfy {@code until}. */
    Event await(Predicate<Set<String>> until, Duration timeout, String what)
        throws InterruptedException {
      long deadline = System.nanoTime() + timeout.toNanos();
      List<Event> seen = new ArrayList<>();
      while (true) {
        Event e = events.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
        if (e == null) {
          throw new AssertionError(
              "the watcher process did not see "
                  + what
                  + " within "
                  + timeout
                  + "; it saw "
                  + seen
                  + "; its output:\n"
                  + NodeProcess.tail(log));
        }
        seen.add(e);
        if (until.test(e.ids())) {
          return e;
        }
      }
    }

    @Override
    public void close() {
      process.destroyForcibly();
      try {
        process.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
