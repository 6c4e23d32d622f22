package io.ringmesh.node.internal.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The command line as a user meets it: exit codes, messages and outputs. */
class CliTest {

  record Run(int exitCode, String out, String err) {}

  /** A loopback port nothing listens on, below the ephemeral range (see LoopbackPorts). */
  static int closedPort() throws java.io.IOException {
    return io.ringmesh.testkit.LoopbackPorts.free(1)[0];
  }

  static synchronized Run run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream oldOut = System.out;
    PrintStream oldErr = System.err;
    try {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      CommandLine cli = Main.commandLine();
      cli.setOut(new PrintWriter(System.out, true));
      cli.setErr(new PrintWriter(System.err, true));
      int code = cli.execute(args);
      return new Run(
          code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(oldOut);
      System.setErr(oldErr);
    }
  }

  @Test
  void helpListsEveryCommandWithADescription() {
    Run r = run("--help");
    assertThat(r.exitCode()).isZero();
    for (String command : new String[] {"demo", "chaos", "ring", "bench", "test", "fmt"}) {
      assertThat(r.out()).containsPattern("(?m)^  " + command + " +\\S+");
    }
  }

  @Test
  void unknownCommandExitsTwoWithASuggestion() {
    Run r = run("tset");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("unknown command 'tset'").contains("Did you mean 'test'?");
  }

  @Test
  void chaosUsageErrorsNameTheFlagAndExitTwo() {
    Run faults = run("chaos", "--faults", "kill,crash");
    assertThat(faults.exitCode()).isEqualTo(2);
    assertThat(faults.err()).contains("--faults", "'crash'", "kill, pause, partition");
    Run coordinators = run("chaos", "--coordinators", "4");
    assertThat(coordinators.exitCode()).isEqualTo(2);
    assertThat(coordinators.err()).contains("--coordinators 4", "give 3 or 5");
    Run duration = run("chaos", "--duration", "1s");
    assertThat(duration.exitCode()).isEqualTo(2);
    assertThat(duration.err()).contains("--duration", "at least 5s");
  }

  @Test
  void coordinatorElectionTimeoutMustBeARangeAndSaysWhichOption() {
    Run notRange = run("coordinator", "--election-timeout", "2s");
    assertThat(notRange.exitCode()).isEqualTo(2);
    assertThat(notRange.err()).contains("--election-timeout '2s' is not a range", "1s..2s");
    Run reversed = run("coordinator", "--election-timeout", "2s..1s");
    assertThat(reversed.exitCode()).isEqualTo(2);
    assertThat(reversed.err()).contains("--election-timeout '2s..1s'", "minimum must be below");
  }

  @Test
  void nodeWithMalformedCoordinatorsOrPeersExitsTwoNamingTheSetting() {
    Run coordinators =
        run("node", "--roles", "service", "--coordinators", "nohost", "--service", "a.B");
    assertThat(coordinators.exitCode()).as(coordinators.err()).isEqualTo(2);
    assertThat(coordinators.err()).contains("coordinators is 'nohost'");
    Run self =
        run(
            "node",
            "--coordinators",
            "127.0.0.1:7400",
            "--peers",
            "c1=127.0.0.1:7410",
            "--self",
            "c9");
    assertThat(self.exitCode()).as(self.err()).isEqualTo(2);
    assertThat(self.err()).contains("coordinator.self is 'c9'", "[c1]");
  }

  @Test
  void unknownOptionExitsTwoWithASuggestion() {
    Run r = run("ring", "simulate", "--algorithm", "ring", "--nodez", "3", "--keys", "10");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("'--nodez'").contains("Did you mean '--nodes'?");
  }

  @Test
  void simulateJsonHasTheIssueFields() throws Exception {
    Run r =
        run(
            "ring",
            "simulate",
            "--algorithm",
            "memento",
            "--nodes",
            "20",
            "--keys",
            "20000",
            "--remove",
            "1",
            "--json");
    assertThat(r.exitCode()).isZero();
    JsonNode json = new ObjectMapper().readTree(r.out());
    for (String field :
        new String[] {
          "algorithm",
          "nodes",
          "keys",
          "peak_to_mean",
          "cv",
          "min_load",
          "max_load",
          "moved_fraction",
          "ideal_moved_fraction",
          "collateral_moves",
          "lookup_ns",
          "build_ms",
          "memory_bytes"
        }) {
      assertThat(json.has(field)).as("field %s", field).isTrue();
    }
    assertThat(json.get("algorithm").asText()).isEqualTo("MEMENTO");
    assertThat(json.get("collateral_moves").asLong()).isZero();
    assertThat(json.get("ideal_moved_fraction").asDouble()).isEqualTo(0.05);
    assertThat(json.get("min_load").asLong() + 0)
        .isLessThanOrEqualTo(json.get("max_load").asLong());
  }

  @Test
  void boundedLoadsNeverExceedCapacity() throws Exception {
    Run r =
        run(
            "ring",
            "simulate",
            "--algorithm",
            "ring",
            "--nodes",
            "10",
            "--keys",
            "10000",
            "--zipf",
            "1.1",
            "--epsilon",
            "0.25",
            "--requests",
            "50000",
            "--json");
    assertThat(r.exitCode()).isZero();
    JsonNode json = new ObjectMapper().readTree(r.out());
    assertThat(json.get("max_in_flight_over_capacity").asDouble()).isLessThanOrEqualTo(1.0);
    assertThat(json.get("primary_fraction").asDouble()).isBetween(0.5, 1.0);
  }

  @Test
  void badWeightsAreNamed() {
    Run notNumber =
        run(
            "ring",
            "simulate",
            "--algorithm",
            "ring",
            "--nodes",
            "3",
            "--keys",
            "10",
            "--weights",
            "1,x");
    assertThat(notNumber.exitCode()).isEqualTo(2);
    assertThat(notNumber.err()).contains("--weights entry 2 is 'x', not a number");
    Run negative =
        run(
            "ring",
            "simulate",
            "--algorithm",
            "ring",
            "--nodes",
            "3",
            "--keys",
            "10",
            "--weights",
            "1,-1");
    assertThat(negative.exitCode()).isEqualTo(2);
    assertThat(negative.err()).contains("node 'node-001' has weight -1.0");
  }

  @Test
  void badMaglevTableIsExplained() {
    Run r =
        run(
            "ring",
            "simulate",
            "--algorithm",
            "maglev",
            "--nodes",
            "3",
            "--keys",
            "10",
            "--table",
            "65536");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("must be a prime number, was 65536");
  }

  @Test
  void epsilonWithoutZipfIsAUsageError() {
    Run r =
        run(
            "ring",
            "simulate",
            "--algorithm",
            "ring",
            "--nodes",
            "3",
            "--keys",
            "10",
            "--epsilon",
            "0.2");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("--epsilon needs --zipf");
  }

  @Test
  void routePrintsKeyTabNode(@TempDir Path dir) throws Exception {
    Path keys = dir.resolve("keys.txt");
    Files.writeString(keys, "user:1\nuser:2\nключ\n");
    Run r =
        run(
            "ring",
            "route",
            "--algorithm",
            "rendezvous",
            "--nodes",
            "a,b,c=2",
            "--keys-file",
            keys.toString());
    assertThat(r.exitCode()).isZero();
    String[] lines = r.out().split("\n");
    assertThat(lines).hasSize(3);
    assertThat(lines[2]).matches("ключ\t[abc]");
    Run missing =
        run("ring", "route", "--nodes", "a", "--keys-file", dir.resolve("nope").toString());
    assertThat(missing.exitCode()).isEqualTo(1);
    assertThat(missing.err()).contains("does not exist");
  }

  @Test
  void editDistanceCountsATranspositionAsOneEdit() {
    assertThat(UsageErrors.distance("tset", "test")).isEqualTo(1);
    assertThat(UsageErrors.closest("dmeo", java.util.List.of("demo", "ring", "test")))
        .isEqualTo("demo");
    assertThat(UsageErrors.closest("xyzzy", java.util.List.of("demo", "ring", "test"))).isNull();
  }
}
