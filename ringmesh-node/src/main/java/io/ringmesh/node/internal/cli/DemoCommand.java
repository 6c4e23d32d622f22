package io.ringmesh.node.internal.cli;

import io.ringmesh.node.internal.sim.RingSimulation;
import io.ringmesh.ring.Algorithm;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/**
 * {@code ringmesh demo}: the most telling demonstration that exists today, the ring. It places a
 * million keys on 100 nodes with each algorithm, takes a node out and adds one, and replays a hot
 * Zipf workload with and without bounded loads, printing the figures that matter to a service.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description =
        "Show what Ringmesh does: consistent-hash routing of 1M keys on 100 nodes by every"
            + " algorithm, a node leaving and joining, and bounded loads under hot keys.")
final class DemoCommand implements Callable<Integer> {
  private static final int NODES = 100;
  private static final int KEYS = 1_000_000;

  @Override
  public Integer call() {
    System.out.println("Ringmesh demo: routing 1,000,000 keys to 100 nodes");
    System.out.println("===================================================");
    System.out.println();
    System.out.println(
        "Each key should land on one node, the same one every time, with loads even, and a node"
            + " leaving\nor joining should move only the keys it must (ideal: 1/n = 1%).");
    System.out.println();
    System.out.printf(
        "%-14s %10s %14s %16s %14s %11s %10s%n",
        "algorithm",
        "peak/mean",
        "leave: moved",
        "leave: others'",
        "join: moved",
        "lookup ns",
        "memory");
    List<String> checks = new ArrayList<>();
    int step = 0;
    for (Algorithm algorithm : Algorithm.values()) {
      step++;
      System.err.printf("[%d/%d] %s ...%n", step, Algorithm.values().length + 1, algorithm);
      RingSimulation.Result leave = simulate(algorithm, 1, 0, true);
      RingSimulation.Result join = simulate(algorithm, 0, 1, false);
      System.out.printf(
          "%-14s %10.3f %13.2f%% %15.3f%% %13.2f%% %11.1f %9.1fM%n",
          algorithm,
          leave.peakToMean(),
          100 * leave.movedFraction(),
          100.0 * leave.collateralMoves() / KEYS,
          100 * join.movedFraction(),
          leave.lookupNs(),
          leave.memoryBytes() / 1e6);
      if (algorithm != Algorithm.MAGLEV
          && algorithm != Algorithm.KETAMA_COMPAT
          && leave.collateralMoves() != 0) {
        checks.add(algorithm + " moved keys of nodes that stayed");
      }
    }
    System.out.println();
    System.out.println(
        "peak/mean: the busiest node's load over the average. leave/join: keys that changed node"
            + " when one\nnode left or joined; others': keys moved that were not on the leaving node"
            + " (0 is ideal).");
    System.out.println();
    System.err.printf("[%d/%d] bounded loads ...%n", step + 1, step + 1);
    RingSimulation.Result hot = new RingSimulation(zipf(null), m -> {}).run();
    RingSimulation.Result bounded = new RingSimulation(zipf(0.25), m -> {}).run();
    System.out.println("Hot keys: 1,000,000 requests, Zipf(1.1) over 10,000 keys, 10 nodes (RING)");
    System.out.printf(
        "  plain consistent hashing:  busiest node gets %.2fx its share of requests%n",
        hot.requestPeakToMean());
    System.out.printf(
        "  bounded loads (eps=0.25):  busiest node gets %.2fx; %.1f%% of requests still on their"
            + " primary;%n                             in flight never above %.0f%% of capacity%n",
        bounded.requestPeakToMean(),
        100 * bounded.primaryFraction(),
        100 * bounded.maxInFlightOverCapacity());
    System.out.println(
        "  (the hottest key alone is 15% of all requests, more than any one node may hold, so"
            + " bounded\n   loads must spread it, and the overflow displaces other keys in turn)");
    if (bounded.maxInFlightOverCapacity() > 1.0) {
      checks.add("bounded loads exceeded capacity");
    }
    System.out.println();
    System.out.println(
        "Try it yourself: bin/ringmesh ring simulate --algorithm maglev --nodes 100 --keys 1000000"
            + " --remove 1 --plot load.png");
    if (!checks.isEmpty()) {
      System.out.println("FAILED checks: " + checks);
      return 1;
    }
    return 0;
  }

  private static RingSimulation.Result simulate(
      Algorithm algorithm, int remove, int add, boolean timings) {
    RingSimulation.Config c =
        new RingSimulation.Config(
            algorithm, NODES, KEYS, null, null, null, remove, add, null, null, 1, 1, timings);
    return new RingSimulation(c, m -> {}).run();
  }

  private static RingSimulation.Config zipf(Double epsilon) {
    return new RingSimulation.Config(
        Algorithm.RING, 10, 10_000, null, null, null, 0, 0, epsilon, 1.1, 1_000_000, 80, false);
  }
}
