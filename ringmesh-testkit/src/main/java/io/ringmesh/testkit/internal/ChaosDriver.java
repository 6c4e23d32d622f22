package io.ringmesh.testkit.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.ringmesh.rpc.RpcServer;
import io.ringmesh.testkit.ChaosOptions;
import io.ringmesh.testkit.ChaosReport;
import io.ringmesh.testkit.ChildProcess;
import io.ringmesh.testkit.FaultKind;
import io.ringmesh.testkit.LoopbackPorts;
import io.ringmesh.testkit.RunDirectory;
import io.ringmesh.testkit.internal.Event.Type;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.jspecify.annotations.Nullable;

/**
 * Runs one chaos run: starts the coordinators and clients as processes, hosts the fenced store,
 * injects one seeded fault at a time and heals it, then stops everything and checks the history.
 *
 * <p>Nothing outlives it: {@link #close} stops every process, deletes the network namespaces it
 * created and its directory; a shutdown hook does the same on Ctrl-C; every child exits by itself
 * when this JVM dies. Not thread-safe: one thread calls {@link #run}.
 */
public final class ChaosDriver implements AutoCloseable {
  /*
   * Faults come one at a time, each healed before the next (a coordinator restarted and serving,
   * a process resumed, a link restored), so that the liveness bound has a clear start: the last
   * heal. The kinds, targets, durations and gaps all come from one Random seeded with the run's
   * seed, so a run's fault schedule repeats from its seed; the clients' own timing does not (they
   * are separate JVMs on a shared machine), which is what explores interleavings.
   *
   * A pause lasts longer than the session TTL so that the coordinator expires the paused session
   * (or, for a paused coordinator, the others elect new leaders and the clients fail over) and the
   * paused client wakes holding a token that a newer grant has superseded: its writes must then
   * be refused by the fenced store.
   */

  private static final long ELECTION_MIN_MS = 1_000;
  private static final long ELECTION_MAX_MS = 2_000;
  private static final long LIVENESS_SLACK_MS = 10_000;

  private final ChaosOptions options;
  private final PrintStream out;
  private final String runId;
  private final Path dir;
  private final Random random;
  private final ObjectMapper json = new ObjectMapper();
  private final List<Event> history = new ArrayList<>();
  private final Map<String, Integer> faults = new TreeMap<>();
  private final Map<String, String> skipped = new LinkedHashMap<>();
  private final List<@Nullable ChildProcess> coordinators = new ArrayList<>();
  private final List<ChildProcess> clients = new ArrayList<>();
  private final Map<String, Event> lastByClient = new LinkedHashMap<>();
  private final Thread hook;
  private @Nullable NetworkNamespaces network;
  private boolean netem;
  private boolean nftLoss;
  private @Nullable RpcServer store;
  private final List<String> peerHosts = new ArrayList<>();
  private final List<Integer> raftPorts = new ArrayList<>();
  private final List<Integer> rpcPorts = new ArrayList<>();
  private long startMs;
  private boolean keepDirectory;
  private boolean closed;

  /** A driver for {@code options}, printing progress to {@code out}. */
  public ChaosDriver(ChaosOptions options, PrintStream out) throws IOException {
    this.options = options;
    this.out = out;
    this.random = new Random(options.seed());
    this.runId =
        ProcessHandle.current().pid()
            + "x"
            + Integer.toHexString(ThreadLocalRandom.current().nextInt(16));
    this.dir = RunDirectory.create("ringmesh-chaos-");
    this.hook = new Thread(this::close, "chaos-cleanup");
    Runtime.getRuntime().addShutdownHook(hook);
  }

  /** The liveness bound: election timeout max + session TTL + slack. */
  public Duration livenessBound() {
    return Duration.ofMillis(ELECTION_MAX_MS + options.ttl().toMillis() + LIVENESS_SLACK_MS);
  }

  /** Runs the whole thing; returns the report (violations included, never thrown). */
  public ChaosReport run() throws IOException, InterruptedException {
    out.printf(
        "chaos: seed %d (rerun with --seed %d), %d coordinators, %d clients, %d lock names,"
            + " session TTL %d ms, duration %d s, faults %s%n",
        options.seed(),
        options.seed(),
        options.coordinators(),
        options.clients(),
        options.names(),
        options.ttl().toMillis(),
        options.duration().toSeconds(),
        options.faults().stream().sorted().map(FaultKind::flagName).toList());
    setUpNetwork();
    startStore();
    startCoordinators();
    startClients();
    startMs = System.currentTimeMillis();
    long end = startMs + options.duration().toMillis();
    Thread progress = Thread.ofPlatform().daemon().name("chaos-progress").start(this::progress);
    try {
      injectFaults(end);
      awaitRecovery();
    } finally {
      progress.interrupt();
    }
    out.printf("chaos: %s: stopping clients and coordinators%n", elapsed());
    stopProcesses();
    long endMs = System.currentTimeMillis();
    return report(endMs);
  }

  private void setUpNetwork() throws IOException {
    if (!options.faults().contains(FaultKind.PARTITION)) {
      return;
    }
    String reason = NetworkNamespaces.unavailableReason();
    if (reason == null) {
      NetworkNamespaces.removeOrphans();
      try {
        network = NetworkNamespaces.create(runId, options.coordinators());
      } catch (IOException e) {
        reason = "could not create network namespaces: " + e.getMessage();
      }
    }
    if (reason != null) {
      skipped.put(FaultKind.PARTITION.flagName(), reason);
      out.println("chaos: skipping partition faults: " + reason);
      return;
    }
    NetworkNamespaces n = network;
    String why = n == null ? "no network" : n.netemUnavailableReason();
    netem = why == null;
    if (why != null && n != null) {
      String nftWhy = n.nftLossUnavailableReason();
      nftLoss = nftWhy == null;
      if (nftLoss) {
        skipped.put(
            "netem", why + "; loss comes from nftables instead (kind 'loss'), delay from nothing");
        out.println("chaos: link loss from nftables, no delay: " + why);
      } else {
        skipped.put("netem", why + "; and no loss from nftables either: " + nftWhy);
        out.println("chaos: partitions cut links only (no loss or delay): " + why + "; " + nftWhy);
      }
    }
    if (n != null) {
      out.printf(
          "chaos: each coordinator in its own network namespace (%s .. %s), %s .. %s%n",
          n.namespace(0),
          n.namespace(options.coordinators() - 1),
          n.address(0),
          n.address(options.coordinators() - 1));
    }
  }

  private void startStore() {
    store =
        RpcServer.builder()
            .bindAddress("127.0.0.1")
            .port(0)
            .service(FencedStore.class, new RecordingFencedStore(this::record))
            .shutdownGracePeriod(Duration.ofMillis(200))
            .build()
            .start();
  }

  private void startCoordinators() throws IOException, InterruptedException {
    NetworkNamespaces n = network;
    int[] loopback = n != null ? new int[0] : LoopbackPorts.free(2 * options.coordinators());
    for (int i = 0; i < options.coordinators(); i++) {
      if (n != null) {
        peerHosts.add(n.address(i));
        raftPorts.add(9870);
        rpcPorts.add(9871);
      } else {
        peerHosts.add("127.0.0.1");
        raftPorts.add(loopback[2 * i]);
        rpcPorts.add(loopback[2 * i + 1]);
      }
      coordinators.add(null);
    }
    for (int i = 0; i < options.coordinators(); i++) {
      launchCoordinator(i);
    }
    for (int i = 0; i < options.coordinators(); i++) {
      awaitUp(coordinator(i));
    }
    out.printf("chaos: %d coordinators up (%s)%n", options.coordinators(), connectString());
  }

  private void launchCoordinator(int i) throws IOException {
    StringBuilder peers = new StringBuilder();
    for (int k = 0; k < options.coordinators(); k++) {
      peers
          .append(k == 0 ? "" : ",")
          .append(coordinatorId(k))
          .append('=')
          .append(peerHosts.get(k))
          .append(':')
          .append(raftPorts.get(k));
    }
    List<String> cmd = new ArrayList<>();
    NetworkNamespaces n = network;
    if (n != null) {
      cmd.addAll(n.exec(i));
    }
    cmd.addAll(
        ChildProcess.javaCommand(
            List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss512k"),
            CoordinatorMain.class.getName(),
            List.of(
                peers.toString(),
                coordinatorId(i),
                dir.resolve(coordinatorId(i)).toString(),
                peerHosts.get(i),
                Integer.toString(rpcPorts.get(i)),
                Long.toString(ELECTION_MIN_MS),
                Long.toString(ELECTION_MAX_MS),
                Long.toString(ProcessHandle.current().pid()))));
    coordinators.set(
        i,
        ChildProcess.start(coordinatorId(i), cmd, dir.resolve(coordinatorId(i) + ".log"), "READY"));
  }

  private ChildProcess coordinator(int i) {
    ChildProcess p = coordinators.get(i);
    if (p == null) {
      throw new IllegalStateException("coordinator " + coordinatorId(i) + " was not started");
    }
    return p;
  }

  private static String coordinatorId(int i) {
    return "c" + (i + 1);
  }

  private String connectString() {
    return String.join(
        ",",
        IntStream.range(0, options.coordinators())
            .mapToObj(i -> peerHosts.get(i) + ":" + rpcPorts.get(i))
            .toList());
  }

  private void startClients() throws IOException, InterruptedException {
    String names =
        String.join(
            ",", IntStream.range(0, options.names()).mapToObj(i -> "chaos-lock-" + i).toList());
    RpcServer s = store;
    int storePort = s == null ? 0 : s.port();
    for (int i = 0; i < options.clients(); i++) {
      String id = "client-" + (i + 1);
      List<String> cmd =
          ChildProcess.javaCommand(
              ChildProcess.SMALL_JVM,
              ChaosClientMain.class.getName(),
              List.of(
                  id,
                  connectString(),
                  "127.0.0.1:" + storePort,
                  names,
                  Long.toString(options.ttl().toMillis()),
                  Long.toString(options.seed() + i + 1),
                  Long.toString(ProcessHandle.current().pid())));
      clients.add(ChildProcess.start(id, cmd, dir.resolve(id + ".log"), "READY", this::onLine));
    }
    for (ChildProcess c : clients) {
      awaitUp(c);
    }
    out.printf("chaos: %d clients up, contending for %d locks%n", clients.size(), options.names());
  }

  private static void awaitUp(ChildProcess p) throws InterruptedException {
    p.awaitUp(Duration.ofMinutes(2));
  }

  private void onLine(String line) {
    if (!line.startsWith(ChaosClientMain.EVENT_PREFIX)) {
      return;
    }
    try {
      Event e = json.readValue(line.substring(ChaosClientMain.EVENT_PREFIX.length()), Event.class);
      record(e);
    } catch (IOException e) {
      // a line cut short by a kill: not an event
    }
  }

  private void record(Event e) {
    synchronized (history) {
      history.add(e);
      if (e.type() != Type.WRITE_ACCEPTED) {
        lastByClient.put(e.process(), e);
      }
    }
  }

  private void injectFaults(long end) throws IOException, InterruptedException {
    List<String> kinds = new ArrayList<>();
    for (FaultKind k :
        EnumSet.copyOf(
            options.faults().isEmpty()
                ? EnumSet.noneOf(FaultKind.class)
                : EnumSet.copyOf(options.faults()))) {
      if (k == FaultKind.KILL) {
        kinds.add("kill");
      } else if (k == FaultKind.PAUSE) {
        kinds.add("pause-coordinator");
        kinds.add("pause-client");
      } else if (network != null) {
        kinds.add("partition");
        if (netem) {
          kinds.add("netem");
        } else if (nftLoss) {
          kinds.add("loss");
        }
      }
    }
    long ttl = options.ttl().toMillis();
    while (true) {
      long gap = 1_000 + random.nextInt(2_000);
      if (kinds.isEmpty() || System.currentTimeMillis() + gap + ttl + 3_000 > end) {
        break;
      }
      Thread.sleep(gap); // the quiet time between faults, drawn from the seed
      String kind = kinds.get(random.nextInt(kinds.size()));
      int target =
          random.nextInt(kind.equals("pause-client") ? clients.size() : coordinators.size());
      long hold = ttl + 500 + random.nextInt(1_500);
      switch (kind) {
        case "kill" -> kill(target, 500 + random.nextInt(2_500));
        case "pause-coordinator" -> pause(coordinator(target), kind, hold);
        case "pause-client" -> pause(holder(target), kind, hold);
        case "partition" -> partition(target, ttl + random.nextInt(3_000));
        case "loss" -> drop(target, 10 + random.nextInt(30), 3_000 + random.nextInt(3_000));
        default ->
            degrade(
                target,
                10 + random.nextInt(30),
                20 + random.nextInt(180),
                3_000 + random.nextInt(3_000));
      }
      faults.merge(kind, 1, Integer::sum);
    }
    long left = end - System.currentTimeMillis();
    if (left > 0) {
      Thread.sleep(left); // the run's remaining time, without faults
    }
  }

  private void kill(int i, long downMs) throws IOException, InterruptedException {
    String id = coordinatorId(i);
    inject("kill", id, "SIGKILL, restart after " + downMs + " ms");
    coordinator(i).kill();
    Thread.sleep(downMs); // how long it stays dead, drawn from the seed
    long t0 = System.nanoTime();
    launchCoordinator(i);
    awaitUp(coordinator(i));
    heal(
        "kill",
        id,
        "restarted and serving after "
            + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)
            + " ms");
  }

  private void pause(ChildProcess p, String kind, long holdMs)
      throws IOException, InterruptedException {
    inject(kind, p.id(), "SIGSTOP for " + holdMs + " ms");
    p.pause();
    try {
      Thread.sleep(holdMs); // the pause's length, drawn from the seed
    } finally {
      p.resume();
    }
    heal(kind, p.id(), "SIGCONT");
  }

  /**
   * A client that holds a lock, preferring the {@code preferred}-th; waits up to 3 s for one to
   * hold, else takes the preferred client anyway.
   */
  private ChildProcess holder(int preferred) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
    do {
      List<ChildProcess> holding = new ArrayList<>();
      synchronized (history) {
        for (int k = 0; k < clients.size(); k++) {
          ChildProcess c = clients.get((preferred + k) % clients.size());
          Event last = lastByClient.get(c.id());
          if (last != null
              && switch (last.type()) {
                case GRANTED, VALID, WRITE_INVOKED, WRITE_ACKED, WRITE_REJECTED -> true;
                default -> false;
              }) {
            holding.add(c);
          }
        }
      }
      if (!holding.isEmpty()) {
        return holding.getFirst();
      }
      Thread.sleep(10); // polling for a client that holds a lock, bounded by the deadline
    } while (System.nanoTime() < deadline);
    return clients.get(preferred);
  }

  private void partition(int i, long holdMs) throws IOException, InterruptedException {
    onLink(i, "partition", "link down", holdMs, n -> n.cut(i), n -> n.heal(i), "link up");
  }

  private void degrade(int i, int loss, int delay, long holdMs)
      throws IOException, InterruptedException {
    onLink(
        i,
        "netem",
        loss + "% loss, " + delay + " ms delay",
        holdMs,
        n -> n.degrade(i, loss, delay),
        n -> n.restore(i),
        "loss and delay removed");
  }

  private void drop(int i, int loss, long holdMs) throws IOException, InterruptedException {
    onLink(
        i,
        "loss",
        loss + "% loss both ways (nftables)",
        holdMs,
        n -> n.dropRandomly(i, loss),
        n -> n.stopDropping(i),
        "drops removed");
  }

  /** A change to a network namespace link, made and later undone. */
  private interface LinkChange {
    void apply(NetworkNamespaces network) throws IOException;
  }

  /**
   * Applies a fault to coordinator {@code i}'s link for {@code holdMs} (drawn from the seed), then
   * undoes it, recording both; nothing without a network.
   */
  private void onLink(
      int i,
      String kind,
      String what,
      long holdMs,
      LinkChange fault,
      LinkChange undo,
      String healed)
      throws IOException, InterruptedException {
    NetworkNamespaces n = network;
    if (n == null) {
      return;
    }
    String id = coordinatorId(i);
    inject(kind, id, what + " for " + holdMs + " ms");
    fault.apply(n);
    try {
      Thread.sleep(holdMs); // the fault's length, drawn from the seed
    } finally {
      undo.apply(n);
    }
    heal(kind, id, healed);
  }

  private void inject(String kind, String target, String what) {
    record(
        Event.at(System.currentTimeMillis(), "driver", Type.FAULT_INJECTED, target, 0)
            .withDetail(kind + ": " + what));
    out.printf("chaos: %s: inject %s on %s (%s)%n", elapsed(), kind, target, what);
  }

  private void heal(String kind, String target, String what) {
    record(
        Event.at(System.currentTimeMillis(), "driver", Type.FAULT_HEALED, target, 0)
            .withDetail(kind + ": " + what));
    out.printf("chaos: %s: healed %s on %s (%s)%n", elapsed(), kind, target, what);
  }

  /** After the run's time: waits, within the liveness bound, for a grant after the last heal. */
  private void awaitRecovery() throws InterruptedException {
    long lastHeal = lastHeal();
    long deadline = lastHeal + livenessBound().toMillis();
    while (System.currentTimeMillis() < deadline && grantsAfter(lastHeal) == 0) {
      Thread.sleep(50); // polling for a grant, bounded by the liveness bound
    }
  }

  private long lastHeal() {
    synchronized (history) {
      return history.stream()
          .filter(e -> e.type() == Type.FAULT_HEALED)
          .mapToLong(Event::timeMs)
          .max()
          .orElse(startMs);
    }
  }

  private long grantsAfter(long t) {
    synchronized (history) {
      return history.stream().filter(e -> e.type() == Type.GRANTED && e.timeMs() >= t).count();
    }
  }

  private void progress() {
    try {
      while (true) {
        Thread.sleep(10_000); // progress lines every 10 s
        long ops;
        long grants;
        synchronized (history) {
          ops =
              history.stream()
                  .filter(e -> e.startMs() != e.timeMs() && e.type() != Type.VALID)
                  .count();
          grants = history.stream().filter(e -> e.type() == Type.GRANTED).count();
        }
        out.printf(
            "chaos: %s: %d operations, %d grants, %d faults so far%n",
            elapsed(), ops, grants, faults.values().stream().mapToInt(Integer::intValue).sum());
      }
    } catch (InterruptedException e) {
      // the run is over
    }
  }

  private String elapsed() {
    return String.format("%5.1f s", (System.currentTimeMillis() - startMs) / 1000.0);
  }

  /** Stops the clients (resumed first if paused), then the coordinators and the store. */
  private void stopProcesses() {
    for (ChildProcess c : clients) {
      try {
        c.resume();
      } catch (IOException e) {
        // it exited meanwhile
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      c.terminate();
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    for (ChildProcess c : clients) {
      c.awaitExit(deadline);
    }
    for (ChildProcess c : coordinators) {
      if (c != null) {
        c.close();
      }
    }
    RpcServer s = store;
    if (s != null) {
      s.close();
    }
  }

  private ChaosReport report(long endMs) throws IOException {
    List<Event> events;
    synchronized (history) {
      events = List.copyOf(history);
    }
    HistoryChecker.Result r = new HistoryChecker(livenessBound()).check(events, endMs);
    long accepted = events.stream().filter(e -> e.type() == Type.WRITE_ACCEPTED).count();
    long rejected = events.stream().filter(e -> e.type() == Type.WRITE_REJECTED).count();
    long lost = events.stream().filter(e -> e.type() == Type.LOST).count();
    Path file = null;
    if (!r.violations().isEmpty() || options.keep()) {
      file =
          Path.of(
              System.getProperty("java.io.tmpdir"), "ringmesh-chaos-" + runId + "-history.jsonl");
      writeHistory(events, file);
      keepDirectory = true;
      out.println("chaos: history written to " + file + "; process logs kept in " + dir);
    }
    return new ChaosReport(
        options.seed(),
        endMs - startMs,
        java.util.Collections.unmodifiableMap(new TreeMap<>(faults)),
        java.util.Collections.unmodifiableMap(new LinkedHashMap<>(skipped)),
        r.operations(),
        r.grants(),
        accepted,
        rejected,
        lost,
        r.violations(),
        r.unavailableMsByLock(),
        grantsAfter(lastHeal()),
        file);
  }

  /** Writes {@code events} to {@code file} as JSON lines, one event per line, in order. */
  static void writeHistory(List<Event> events, Path file) throws IOException {
    ObjectMapper mapper = new ObjectMapper();
    try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      for (Event e : events) {
        w.write(mapper.writeValueAsString(e));
        w.newLine();
      }
    }
  }

  /** Stops every process, removes the namespaces and (unless the run failed) the directory. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // already shutting down: this is the hook
    }
    stopProcesses();
    NetworkNamespaces n = network;
    if (n != null) {
      n.close();
    }
    if (!keepDirectory) {
      RunDirectory.delete(dir);
    }
  }
}
