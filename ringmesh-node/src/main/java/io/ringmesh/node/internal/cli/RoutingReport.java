package io.ringmesh.node.internal.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * The routing benchmark's tables and its check against the target of issue #7: per server, each
 * repetition's calls/s of the direct and routed systems with the overhead {@code 1 - routed /
 * direct}, then the medians.
 */
final class RoutingReport {
  private RoutingReport() {}

  /** The routed systems, each compared with {@code direct} of the same repetition. */
  static final List<String> ROUTED = List.of("routed", "routed-bounded");

  /** The target: routing costs at most this share of direct calls/s. */
  static final double TARGET = 0.05;

  /** Fewer repetitions than this (a --quick run) are too noisy to judge. */
  static final int MIN_REPETITIONS = 3;

  static String render(List<JsonNode> rows) {
    // server -> repetition -> system -> calls/s
    Map<String, Map<Integer, Map<String, Double>>> byServer = new LinkedHashMap<>();
    // server -> system -> the client JVM's CPU ns and allocated bytes per call, per repetition
    Map<String, Map<String, List<Double>>> cpu = new LinkedHashMap<>();
    Map<String, Map<String, List<Double>>> alloc = new LinkedHashMap<>();
    for (JsonNode r : rows) {
      if (r.has("client_cpu_ns_per_call")) {
        cpu.computeIfAbsent(r.get("server").asText(), k -> new LinkedHashMap<>())
            .computeIfAbsent(r.get("system").asText(), k -> new ArrayList<>())
            .add(r.get("client_cpu_ns_per_call").asDouble());
        alloc
            .computeIfAbsent(r.get("server").asText(), k -> new LinkedHashMap<>())
            .computeIfAbsent(r.get("system").asText(), k -> new ArrayList<>())
            .add(r.get("client_alloc_bytes_per_call").asDouble());
      }
      byServer
          .computeIfAbsent(r.get("server").asText(), k -> new TreeMap<>())
          .computeIfAbsent(r.get("rep").asInt(), k -> new LinkedHashMap<>())
          .put(r.get("system").asText(), r.get("calls_per_s").asDouble());
    }
    StringBuilder out = new StringBuilder();
    StringBuilder verdict = new StringBuilder("Target (issue #7): routing overhead <= 5%\n");
    for (Map.Entry<String, Map<Integer, Map<String, Double>>> server : byServer.entrySet()) {
      out.append("Server: ").append(server.getKey()).append(", 16 B x 64 outstanding\n\n");
      out.append("| repetition | direct calls/s |");
      for (String s : ROUTED) {
        out.append(' ').append(s).append(" calls/s | overhead |");
      }
      out.append("\n|---:|---:|").append("---:|---:|".repeat(ROUTED.size())).append('\n');
      Map<String, List<Double>> calls = new LinkedHashMap<>();
      Map<String, List<Double>> overheads = new LinkedHashMap<>();
      for (Map.Entry<Integer, Map<String, Double>> rep : server.getValue().entrySet()) {
        @Nullable Double direct = rep.getValue().get("direct");
        out.append("| ").append(rep.getKey()).append(" | ").append(calls(direct)).append(" |");
        add(calls, "direct", direct);
        for (String s : ROUTED) {
          @Nullable Double routed = rep.getValue().get(s);
          add(calls, s, routed);
          @Nullable Double overhead = direct == null || routed == null ? null : 1 - routed / direct;
          add(overheads, s, overhead);
          out.append(' ')
              .append(calls(routed))
              .append(" | ")
              .append(percent(overhead))
              .append(" |");
        }
        out.append('\n');
      }
      out.append("| median | ").append(calls(median(calls.get("direct")))).append(" |");
      for (String s : ROUTED) {
        out.append(' ')
            .append(calls(median(calls.get(s))))
            .append(" | ")
            .append(percent(median(overheads.get(s))))
            .append(" |");
      }
      out.append("\n\n");
      Map<String, List<Double>> serverCpu = cpu.get(server.getKey());
      Map<String, List<Double>> serverAlloc = alloc.get(server.getKey());
      if (serverCpu != null && serverAlloc != null) {
        out.append("Client JVM per call (medians): ");
        List<String> parts = new ArrayList<>();
        for (Map.Entry<String, List<Double>> e : serverCpu.entrySet()) {
          parts.add(
              String.format(
                  Locale.ROOT,
                  "%s %,.0f ns CPU, %,.0f B allocated",
                  e.getKey(),
                  median(e.getValue()),
                  median(serverAlloc.get(e.getKey()))));
        }
        out.append(String.join("; ", parts)).append("\n\n");
      }
      int reps = server.getValue().size();
      for (String s : ROUTED) {
        @Nullable Double m = median(overheads.get(s));
        verdict.append(
            String.format(
                Locale.ROOT,
                "  %s %s on a %s server: median overhead %s%s%n",
                m == null || reps < MIN_REPETITIONS ? "-     " : m <= TARGET ? "MET   " : "MISSED",
                s,
                server.getKey(),
                percent(m),
                reps < MIN_REPETITIONS
                    ? " (not judged: "
                        + reps
                        + " repetition(s), fewer than "
                        + MIN_REPETITIONS
                        + "; a smoke run)"
                    : ""));
      }
    }
    out.append(
            "Overhead = 1 - routed / direct calls/s of the same repetition (negative: routed was"
                + " faster, which is noise); the median is of the repetitions' overheads.\n\n")
        .append(verdict);
    return out.toString();
  }

  private static void add(Map<String, List<Double>> m, String key, @Nullable Double v) {
    if (v != null) {
      m.computeIfAbsent(key, k -> new ArrayList<>()).add(v);
    }
  }

  static @Nullable Double median(@Nullable List<Double> values) {
    if (values == null || values.isEmpty()) {
      return null;
    }
    List<Double> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    int n = sorted.size();
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }

  private static String calls(@Nullable Double v) {
    return v == null ? "-" : String.format(Locale.ROOT, "%,.0f", v);
  }

  private static String percent(@Nullable Double v) {
    return v == null ? "-" : String.format(Locale.ROOT, "%.1f%%", v * 100);
  }
}
