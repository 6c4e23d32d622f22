package io.ringmesh.node.internal.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.ringmesh.testkit.ChaosOptions;
import io.ringmesh.testkit.ChaosReport;
import io.ringmesh.testkit.ChaosRun;
import io.ringmesh.testkit.FaultKind;
import java.io.IOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ringmesh chaos}: the chaos suite of {@link ChaosRun}, with a summary. */
@Command(
    name = "chaos",
    mixinStandardHelpOptions = true,
    description = {
      "Run real coordinator processes and lock clients in other processes on this machine,"
          + " inject seeded faults one at a time (SIGKILL and restart of a coordinator; SIGSTOP"
          + " past the session TTL of a coordinator or of a client holding a lock; network"
          + " partitions with each coordinator in its own network namespace), and check the"
          + " recorded history: mutual exclusion as the fenced resource saw it, tokens increasing"
          + " per lock, no acknowledged operation lost, and liveness after the last heal.",
      "Exit code 0 when every property held, 1 on a violation (the history is written to a file),"
          + " 2 on a usage error. Partitions need root and 'ip netns'; elsewhere they are skipped"
          + " with the reason. See docs/reliability.md."
    })
final class ChaosCommand implements Callable<Integer> {
  @Option(
      names = "--duration",
      converter = DurationConverter.class,
      defaultValue = "120s",
      description = "How long to inject faults and run clients (default ${DEFAULT-VALUE}).")
  Duration duration = Duration.ofSeconds(120);

  @Option(
      names = "--seed",
      description = "Seed of the fault schedule (default: random, printed at the start).")
  @Nullable Long seed;

  @Option(
      names = "--coordinators",
      defaultValue = "3",
      description = "Coordinator processes: 3 or 5 (default ${DEFAULT-VALUE}).")
  int coordinators = 3;

  @Option(
      names = "--clients",
      defaultValue = "3",
      description = "Client processes contending for the locks (default ${DEFAULT-VALUE}).")
  int clients = 3;

  @Option(
      names = "--faults",
      defaultValue = "kill,pause,partition",
      description =
          "Fault kinds, comma-separated, of kill, pause, partition (default: all; partition is"
              + " skipped with the reason where it cannot run).")
  String faults = "kill,pause,partition";

  @Option(
      names = "--ttl",
      converter = DurationConverter.class,
      defaultValue = "4s",
      description = "Session TTL of the clients; pauses last longer (default ${DEFAULT-VALUE}).")
  Duration ttl = Duration.ofSeconds(4);

  @Option(names = "--json", description = "Also print the summary as one JSON object at the end.")
  boolean json;

  @Option(
      names = "--keep",
      description =
          "Keep the run's directory (every process's log) and write the history file even when"
              + " every property held, to study a run; a failed run always keeps both.")
  boolean keep;

  @Override
  public Integer call() throws IOException, InterruptedException {
    ChaosOptions options;
    try {
      options =
          new ChaosOptions(
              duration,
              seed != null ? seed : ThreadLocalRandom.current().nextLong(1, 1_000_000_000L),
              coordinators,
              clients,
              parseFaults(faults),
              ttl,
              4,
              keep);
    } catch (IllegalArgumentException e) {
      throw new CommandFailedException(e.getMessage(), 2);
    }
    ChaosReport r;
    try {
      r = ChaosRun.run(options, System.out);
    } catch (IllegalStateException e) {
      throw new CommandFailedException("the chaos run could not start: " + e.getMessage());
    }
    print(r);
    if (json) {
      System.out.println(new ObjectMapper().writeValueAsString(r.toMap()));
    }
    System.out.flush();
    return r.passed() ? 0 : 1;
  }

  static EnumSet<FaultKind> parseFaults(String text) {
    EnumSet<FaultKind> kinds = EnumSet.noneOf(FaultKind.class);
    for (String word : text.split(",")) {
      String w = word.strip().toLowerCase(Locale.ROOT);
      if (w.isEmpty()) {
        continue;
      }
      FaultKind k =
          Arrays.stream(FaultKind.values())
              .filter(f -> f.flagName().equals(w))
              .findFirst()
              .orElseThrow(
                  () ->
                      new IllegalArgumentException(
                          "--faults: unknown fault kind '"
                              + word.strip()
                              + "'; give a comma-separated list of kill, pause, partition"));
      kinds.add(k);
    }
    if (kinds.isEmpty()) {
      throw new IllegalArgumentException(
          "--faults is empty; give a comma-separated list of kill, pause, partition");
    }
    return kinds;
  }

  private static void print(ChaosReport r) {
    System.out.println();
    System.out.println("Summary");
    System.out.println("-------");
    row("seed", r.seed() + "  (rerun: bin/ringmesh chaos --seed " + r.seed() + " ...)");
    row("duration", String.format("%.1f s", r.durationMs() / 1000.0));
    row(
        "faults injected",
        r.faultCount()
            + (r.faults().isEmpty()
                ? ""
                : "  ("
                    + r.faults().entrySet().stream()
                        .map(e -> e.getKey() + " " + e.getValue())
                        .collect(Collectors.joining(", "))
                    + ")"));
    r.skipped().forEach((k, why) -> row("skipped " + k, why));
    row("operations", Long.toString(r.operations()));
    row("grants", r.grants() + " (" + r.grantsAfterLastHeal() + " after the last heal)");
    row(
        "fenced writes",
        r.writesAccepted() + " accepted, " + r.writesRejected() + " refused as stale");
    row("leases lost", r.leasesLost() + " (sessions expired under a fault; onLost ran)");
    row(
        "longest unavailability",
        r.longestUnavailableMs()
            + " ms  (per lock: "
            + r.unavailableMsByLock().entrySet().stream()
                .map(e -> e.getKey() + " " + e.getValue() + " ms")
                .collect(Collectors.joining(", "))
            + ")");
    row("violations", Integer.toString(r.violations().size()));
    List<String> v = r.violations();
    v.forEach(line -> System.out.println("  VIOLATION: " + line));
    if (r.historyFile() != null) {
      System.out.println("  history written to " + r.historyFile());
    }
    if (v.isEmpty()) {
      System.out.println("  every property held");
    }
  }

  private static void row(String name, String value) {
    System.out.printf("  %-24s %s%n", name, value);
  }
}
