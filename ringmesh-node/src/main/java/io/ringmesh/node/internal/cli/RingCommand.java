package io.ringmesh.node.internal.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.ringmesh.node.internal.sim.LoadPlot;
import io.ringmesh.node.internal.sim.RingSimulation;
import io.ringmesh.ring.Algorithm;
import io.ringmesh.ring.HashRing;
import io.ringmesh.ring.HashRingBuilder;
import io.ringmesh.ring.Node;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code ringmesh ring}: simulate and query consistent-hash rings. */
@Command(
    name = "ring",
    mixinStandardHelpOptions = true,
    description = "Simulate ring algorithms, or route keys with one.",
    subcommands = {RingCommand.Simulate.class, RingCommand.Route.class})
final class RingCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "choose 'simulate' or 'route'");
  }

  static double[] parseWeights(String list) {
    String[] parts = list.split(",");
    double[] weights = new double[parts.length];
    for (int i = 0; i < parts.length; i++) {
      try {
        weights[i] = Double.parseDouble(parts[i].trim());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            "--weights entry " + (i + 1) + " is '" + parts[i] + "', not a number");
      }
    }
    return weights;
  }

  @Command(
      name = "simulate",
      mixinStandardHelpOptions = true,
      description = {
        "Measure an algorithm: balance, keys moved by a membership change, lookup speed, build"
            + " time, memory, and bounded loads under a Zipf workload.",
        "",
        "Example: ringmesh ring simulate --algorithm maglev --nodes 100 --keys 1000000 --remove 1"
      })
  static final class Simulate implements Callable<Integer> {
    @Option(
        names = "--algorithm",
        required = true,
        description = "One of: ${COMPLETION-CANDIDATES}.")
    Algorithm algorithm;

    @Option(
        names = "--nodes",
        required = true,
        description = "Number of equal (or --weights) nodes.")
    int nodes;

    @Option(
        names = "--keys",
        required = true,
        description = "Number of keys (distinct keys with --zipf).")
    int keys;

    @Option(names = "--points", description = "RING: points per unit of weight (default 1536).")
    Integer points;

    @Option(names = "--table", description = "MAGLEV: prime table size (default 65537).")
    Integer table;

    @Option(
        names = "--weights",
        paramLabel = "w1,w2,...",
        description = "Node weights, repeated cyclically over the nodes.")
    String weights;

    @Option(
        names = "--remove",
        paramLabel = "R",
        description = "Take R nodes out and report keys moved.")
    int remove;

    @Option(
        names = "--add",
        paramLabel = "A",
        description = "Add A new nodes and report keys moved.")
    int add;

    @Option(
        names = "--epsilon",
        paramLabel = "E",
        description = "Bounded loads: allow (1+E) x mean in flight (needs --zipf).")
    Double epsilon;

    @Option(
        names = "--zipf",
        paramLabel = "S",
        description = "Replay Zipf(S)-distributed requests over the --keys keys.")
    Double zipf;

    @Option(
        names = "--requests",
        defaultValue = "1000000",
        description = "Requests replayed with --zipf (default ${DEFAULT-VALUE}).")
    int requests;

    @Option(
        names = "--concurrency",
        paramLabel = "C",
        description = "Requests in flight with --epsilon (default 8 per node).")
    Integer concurrency;

    @Option(names = "--json", description = "Print one JSON object instead of a table.")
    boolean json;

    @Option(
        names = "--plot",
        paramLabel = "FILE.png",
        description = "Write a PNG chart of per-node load.")
    Path plot;

    @Override
    public Integer call() throws IOException {
      if (epsilon != null && zipf == null) {
        throw new IllegalArgumentException(
            "--epsilon needs --zipf: bounded loads act on requests in flight");
      }
      RingSimulation.Config config =
          new RingSimulation.Config(
              algorithm,
              nodes,
              keys,
              points,
              table,
              weights == null ? null : parseWeights(weights),
              remove,
              add,
              epsilon,
              zipf,
              requests,
              concurrency == null ? 8 * nodes : concurrency,
              true);
      RingSimulation.Result result =
          new RingSimulation(config, msg -> System.err.println("ring simulate: " + msg)).run();
      if (plot != null) {
        LoadPlot.write(result, plot);
        System.err.println("ring simulate: wrote " + plot.toAbsolutePath());
      }
      if (json) {
        System.out.println(new ObjectMapper().writeValueAsString(result.toMap()));
      } else {
        printTable(result.toMap(), System.out);
      }
      return 0;
    }

    static void printTable(Map<String, Object> figures, PrintStream out) {
      for (Map.Entry<String, Object> e : figures.entrySet()) {
        out.printf("%-28s %s%n", e.getKey(), e.getValue());
      }
    }
  }

  @Command(
      name = "route",
      mixinStandardHelpOptions = true,
      description = {
        "Route keys, one per line (from --keys-file or stdin), and print key<TAB>node.",
        "",
        "Example: printf 'user:1\\nuser:2\\n' | ringmesh ring route --algorithm ring --nodes a,b,c"
      })
  static final class Route implements Callable<Integer> {
    @Option(
        names = "--algorithm",
        defaultValue = "RING",
        description = "One of: ${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE}).")
    Algorithm algorithm;

    @Option(
        names = "--nodes",
        required = true,
        paramLabel = "a,b,c",
        description = "Node ids, each optionally id=weight.")
    String nodes;

    @Option(names = "--points", description = "RING: points per unit of weight.")
    Integer points;

    @Option(names = "--table", description = "MAGLEV: prime table size.")
    Integer table;

    @Option(
        names = "--keys-file",
        paramLabel = "F",
        description = "Read keys from F instead of stdin.")
    Path keysFile;

    @Override
    public Integer call() throws IOException {
      HashRingBuilder<String> b = HashRing.<String>builder().algorithm(algorithm);
      if (points != null) {
        b.pointsPerWeight(points);
      }
      if (table != null) {
        b.maglevTableSize(table);
      }
      for (String spec : nodes.split(",")) {
        String s = spec.trim();
        int eq = s.lastIndexOf('=');
        if (eq > 0) {
          double w;
          try {
            w = Double.parseDouble(s.substring(eq + 1));
          } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                "node '"
                    + s.substring(0, eq)
                    + "' has weight '"
                    + s.substring(eq + 1)
                    + "', not a number");
          }
          b.node(Node.of(s.substring(0, eq), w));
        } else {
          b.node(Node.of(s));
        }
      }
      HashRing<String> ring = b.build();
      try (BufferedReader in =
          keysFile == null
              ? new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))
              : Files.newBufferedReader(keysFile, StandardCharsets.UTF_8)) {
        StringBuilder out = new StringBuilder();
        for (String key = in.readLine(); key != null; key = in.readLine()) {
          out.append(key).append('\t').append(ring.route(key).id()).append('\n');
          if (out.length() > 1 << 16) {
            System.out.print(out);
            out.setLength(0);
          }
        }
        System.out.print(out);
      } catch (NoSuchFileException e) {
        throw new CommandFailedException("keys file " + keysFile + " does not exist");
      }
      System.out.flush();
      return 0;
    }
  }
}
