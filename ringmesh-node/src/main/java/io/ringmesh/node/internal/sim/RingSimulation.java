package io.ringmesh.node.internal.sim;

import io.ringmesh.ring.Algorithm;
import io.ringmesh.ring.BoundedLoadRouter;
import io.ringmesh.ring.HashRing;
import io.ringmesh.ring.HashRingBuilder;
import io.ringmesh.ring.Node;
import io.ringmesh.ring.RingHolder;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * One simulation run: build a ring, route synthetic keys, and measure balance, the cost of a
 * membership change, lookup speed and, with a Zipf workload, bounded loads.
 *
 * <p>Everything but the timings is deterministic for a given {@link Config}: keys are {@code
 * "key-<i>"} and the Zipf draws use a fixed seed.
 */
public final class RingSimulation {

  /**
   * What to simulate. {@code points}, {@code table}, {@code epsilon} and {@code zipf} are optional.
   */
  public record Config(
      Algorithm algorithm,
      int nodes,
      int keys,
      @Nullable Integer points,
      @Nullable Integer table,
      double @Nullable [] weights,
      int remove,
      int add,
      @Nullable Double epsilon,
      @Nullable Double zipf,
      int requests,
      int concurrency,
      boolean timings) {

    public Config {
      if (nodes < 1) {
        throw new IllegalArgumentException("--nodes must be at least 1, was " + nodes);
      }
      if (keys < 1) {
        throw new IllegalArgumentException("--keys must be at least 1, was " + keys);
      }
      if (remove < 0 || remove >= nodes) {
        throw new IllegalArgumentException(
            "--remove must be in [0, nodes - 1] = [0, " + (nodes - 1) + "], was " + remove);
      }
      if (add < 0) {
        throw new IllegalArgumentException("--add must not be negative, was " + add);
      }
      if (zipf != null && !(zipf > 0)) {
        throw new IllegalArgumentException("--zipf exponent must be positive, was " + zipf);
      }
      if (requests < 1 || concurrency < 1) {
        throw new IllegalArgumentException("--requests and --concurrency must be at least 1");
      }
    }

    /** A plain balance run of {@code algorithm} at {@code nodes} nodes and {@code keys} keys. */
    public static Config of(Algorithm algorithm, int nodes, int keys) {
      return new Config(
              algorithm, nodes, keys, null, null, null, 0, 0, null, null, 1_000_000, 0, true)
          .withConcurrency(8 * nodes);
    }

    Config withConcurrency(int c) {
      return new Config(
          algorithm, nodes, keys, points, table, weights, remove, add, epsilon, zipf, requests, c,
          timings);
    }
  }

  /** Per-node loads of the initial ring, in node order. */
  public record Load(String node, double weight, long keys) {}

  /**
   * The figures of one run, with the JSON field names of issue #3. Change figures are null without
   * a change; bounded-load figures are null without {@code --zipf}.
   */
  public record Result(
      Algorithm algorithm,
      int nodes,
      int keys,
      double peakToMean,
      double cv,
      long minLoad,
      long maxLoad,
      @Nullable Double movedFraction,
      @Nullable Double idealMovedFraction,
      @Nullable Long collateralMoves,
      double lookupNs,
      double buildMs,
      long memoryBytes,
      @Nullable Double zipf,
      @Nullable Double epsilon,
      @Nullable Integer requests,
      @Nullable Integer concurrency,
      @Nullable Double primaryFraction,
      @Nullable Double maxInFlightOverCapacity,
      @Nullable Double requestPeakToMean,
      List<Load> loads,
      long @Nullable [] requestLoads) {

    /** The figures as an ordered map, ready for JSON. */
    public Map<String, Object> toMap() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("algorithm", algorithm.name());
      m.put("nodes", nodes);
      m.put("keys", keys);
      m.put("peak_to_mean", round(peakToMean, 4));
      m.put("cv", round(cv, 4));
      m.put("min_load", minLoad);
      m.put("max_load", maxLoad);
      if (movedFraction != null) {
        m.put("moved_fraction", round(movedFraction, 6));
        m.put("ideal_moved_fraction", round(idealMovedFraction, 6));
        m.put("collateral_moves", collateralMoves);
      }
      m.put("lookup_ns", round(lookupNs, 1));
      m.put("build_ms", round(buildMs, 2));
      m.put("memory_bytes", memoryBytes);
      if (zipf != null) {
        m.put("zipf", zipf);
        m.put("requests", requests);
        m.put("request_peak_to_mean", round(requestPeakToMean, 4));
        if (epsilon != null) {
          m.put("epsilon", epsilon);
          m.put("concurrency", concurrency);
          m.put("primary_fraction", round(primaryFraction, 4));
          m.put("max_in_flight_over_capacity", round(maxInFlightOverCapacity, 4));
        }
      }
      return m;
    }

    private static double round(@Nullable Double v, int digits) {
      double scale = Math.pow(10, digits);
      return v == null ? Double.NaN : Math.round(v * scale) / scale;
    }
  }

  private final Config config;
  private final Consumer<String> progress;

  /** Keeps the timed loops' results alive so that the JIT cannot drop them. */
  @SuppressWarnings("unused")
  private static volatile long blackhole;

  public RingSimulation(Config config, Consumer<String> progress) {
    this.config = config;
    this.progress = progress;
  }

  /** Node ids: ketama needs {@code ip:port}; the others get readable names. */
  static String nodeId(Algorithm algorithm, int i) {
    return algorithm == Algorithm.KETAMA_COMPAT
        ? "10." + (i / 62500) + "." + (i / 250 % 250) + "." + (i % 250 + 1) + ":11211"
        : String.format("node-%03d", i);
  }

  private List<Node<String>> members(int from, int count) {
    List<Node<String>> nodes = new ArrayList<>(count);
    for (int i = from; i < from + count; i++) {
      double w = config.weights() == null ? 1.0 : config.weights()[i % config.weights().length];
      nodes.add(Node.of(nodeId(config.algorithm(), i), w));
    }
    return nodes;
  }

  private HashRing<String> build(List<Node<String>> nodes) {
    HashRingBuilder<String> b = HashRing.<String>builder().algorithm(config.algorithm());
    if (config.points() != null) {
      b.pointsPerWeight(config.points());
    }
    if (config.table() != null) {
      b.maglevTableSize(config.table());
    }
    return b.nodes(nodes).build();
  }

  public Result run() {
    List<Node<String>> initial = members(0, config.nodes());
    HashRing<String> ring = build(initial);
    progress.accept("routing " + config.keys() + " keys over " + config.nodes() + " nodes");
    long[] hashes = new long[config.keys()];
    for (int i = 0; i < hashes.length; i++) {
      hashes[i] = ring.hash("key-" + i);
    }
    Map<String, Integer> rank = new HashMap<>();
    for (int i = 0; i < ring.size(); i++) {
      rank.put(ring.nodes().get(i).id(), i);
    }
    int[] owner = new int[hashes.length];
    long[] load = new long[ring.size()];
    for (int i = 0; i < hashes.length; i++) {
      owner[i] = rank.get(ring.route(hashes[i]).id());
      load[owner[i]]++;
    }
    double totalWeight = ring.totalWeight();
    double worst = 0;
    double sumSq = 0;
    List<Load> loads = new ArrayList<>();
    for (int r = 0; r < load.length; r++) {
      Node<String> node = ring.nodes().get(r);
      double expected = (double) config.keys() * node.weight() / totalWeight;
      worst = Math.max(worst, load[r] / expected);
      sumSq += Math.pow(load[r] / expected - 1, 2);
      loads.add(new Load(node.id(), node.weight(), load[r]));
    }
    double cv = Math.sqrt(sumSq / load.length);

    Double moved = null;
    Double ideal = null;
    Long collateral = null;
    if (config.remove() > 0 || config.add() > 0) {
      progress.accept("applying the change: remove " + config.remove() + ", add " + config.add());
      HashRing<String> changed = ring;
      boolean[] removed = new boolean[ring.size()];
      double removedWeight = 0;
      for (int j = 0; j < config.remove(); j++) {
        int victim = (int) ((long) j * ring.size() / config.remove());
        removed[victim] = true;
        removedWeight += ring.nodes().get(victim).weight();
        changed = changed.without(ring.nodes().get(victim).id());
      }
      double addedWeight = 0;
      for (Node<String> extra : members(config.nodes(), config.add())) {
        changed = changed.with(extra);
        addedWeight += extra.weight();
      }
      long movedKeys = 0;
      long collateralKeys = 0;
      for (int i = 0; i < hashes.length; i++) {
        String now = changed.route(hashes[i]).id();
        Integer nowRank = rank.get(now);
        if (nowRank == null || nowRank != owner[i]) {
          movedKeys++;
          boolean leftRemovedNode = removed[owner[i]];
          boolean wentToNewNode = nowRank == null;
          if (!leftRemovedNode && !wentToNewNode) {
            collateralKeys++;
          }
        }
      }
      double removedShare = removedWeight / totalWeight;
      double addedShare = addedWeight / (totalWeight - removedWeight + addedWeight);
      moved = (double) movedKeys / hashes.length;
      ideal = removedShare + addedShare * (1 - removedShare);
      collateral = collateralKeys;
    }

    double lookupNs = Double.NaN;
    double buildMs = Double.NaN;
    if (config.timings()) {
      progress.accept("timing lookups and builds");
      lookupNs = lookupNanos(ring);
      buildMs = buildMillis(initial);
    }

    Double primaryFraction = null;
    Double overCapacity = null;
    Double requestPeak = null;
    long[] requestLoads = null;
    if (config.zipf() != null) {
      progress.accept(
          "replaying "
              + config.requests()
              + " Zipf("
              + config.zipf()
              + ") requests over "
              + config.keys()
              + " keys");
      int[] draws = Zipf.draws(config.keys(), config.zipf(), config.requests(), 42);
      requestLoads = new long[ring.size()];
      if (config.epsilon() == null) {
        for (int d : draws) {
          requestLoads[owner[d]]++;
        }
      } else {
        double[] bounded = boundedLoads(ring, rank, hashes, draws, requestLoads);
        primaryFraction = bounded[0];
        overCapacity = bounded[1];
      }
      double peak = 0;
      for (int r = 0; r < requestLoads.length; r++) {
        double expected = (double) config.requests() * ring.nodes().get(r).weight() / totalWeight;
        peak = Math.max(peak, requestLoads[r] / expected);
      }
      requestPeak = peak;
    }

    return new Result(
        config.algorithm(),
        config.nodes(),
        config.keys(),
        worst,
        cv,
        Arrays.stream(load).min().orElse(0),
        Arrays.stream(load).max().orElse(0),
        moved,
        ideal,
        collateral,
        lookupNs,
        buildMs,
        ring.memoryBytes(),
        config.zipf(),
        config.zipf() == null ? null : config.epsilon(),
        config.zipf() == null ? null : config.requests(),
        config.zipf() == null || config.epsilon() == null ? null : config.concurrency(),
        primaryFraction,
        overCapacity,
        requestPeak,
        loads,
        requestLoads);
  }

  /**
   * Replays the draws through a {@link BoundedLoadRouter} with a fixed window of {@code
   * concurrency} requests in flight (the oldest finishes when a new one starts), and returns
   * {fraction on primary, worst in-flight / capacity seen at any admission}.
   */
  private double[] boundedLoads(
      HashRing<String> ring,
      Map<String, Integer> rank,
      long[] hashes,
      int[] draws,
      long[] perNode) {
    BoundedLoadRouter<String> router =
        BoundedLoadRouter.create(new RingHolder<>(ring), config.epsilon());
    ArrayDeque<BoundedLoadRouter.Assignment<String>> window = new ArrayDeque<>();
    long onPrimary = 0;
    double worst = 0;
    for (int d : draws) {
      if (window.size() == config.concurrency()) {
        window.poll().close();
      }
      BoundedLoadRouter.Assignment<String> a = router.acquire(hashes[d]);
      window.add(a);
      onPrimary += a.onPrimary() ? 1 : 0;
      perNode[rank.get(a.node().id())]++;
      double cap =
          Math.ceil(
              (1 + config.epsilon()) * window.size() * a.node().weight() / ring.totalWeight());
      worst = Math.max(worst, router.inFlight(a.node().id()) / cap);
    }
    window.forEach(BoundedLoadRouter.Assignment::close);
    return new double[] {(double) onPrimary / draws.length, worst};
  }

  /** Median ns per {@code route(byte[])} of random 16-byte keys, hashing included. */
  private static double lookupNanos(HashRing<String> ring) {
    SplittableRandom rnd = new SplittableRandom(7);
    byte[][] keys = new byte[1 << 14][16];
    for (byte[] k : keys) {
      rnd.nextBytes(k);
    }
    // Size each run to about 20 ms so that slow algorithms (rendezvous, ketama) stay quick.
    long t0 = System.nanoTime();
    long sink = 0;
    for (int i = 0; i < 1024; i++) {
      sink += ring.route(keys[i & (keys.length - 1)]).id().length();
    }
    double estimate = Math.max(1, (System.nanoTime() - t0) / 1024.0);
    int per = (int) Math.max(1024, Math.min(1 << 22, 20_000_000 / estimate));
    double[] runs = new double[11];
    for (int r = 0; r < runs.length; r++) {
      long start = System.nanoTime();
      for (int i = 0; i < per; i++) {
        sink += ring.route(keys[i & (keys.length - 1)]).id().length();
      }
      runs[r] = (System.nanoTime() - start) / (double) per;
    }
    blackhole = sink;
    Arrays.sort(runs);
    return runs[runs.length / 2];
  }

  private double buildMillis(List<Node<String>> nodes) {
    double[] runs = new double[7];
    for (int r = 0; r < runs.length; r++) {
      long start = System.nanoTime();
      build(nodes);
      runs[r] = (System.nanoTime() - start) / 1e6;
    }
    Arrays.sort(runs);
    return runs[runs.length / 2];
  }
}
