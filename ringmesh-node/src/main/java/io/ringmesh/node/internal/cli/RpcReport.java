package io.ringmesh.node.internal.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The RPC benchmark's table and its check against the targets of issue #4: each Ringmesh mode
 * beside its matching gRPC-java configuration, and the direct mode beside raw Netty.
 */
final class RpcReport {
  private RpcReport() {}

  /** Ringmesh stack, and the gRPC configuration it is compared with. */
  private static final Map<String, String> MATCH =
      Map.of("ringmesh", "grpc", "ringmesh-direct", "grpc-direct");

  static String render(List<JsonNode> cells) {
    Map<String, JsonNode> byKey = new LinkedHashMap<>();
    for (JsonNode c : cells) {
      byKey.put(
          key(
              c.get("stack").asText(),
              c.get("payload_bytes").asInt(),
              c.get("outstanding").asInt()),
          c);
    }
    StringBuilder out = new StringBuilder();
    out.append(
        "| stack | payload | outstanding | calls/s | p50 µs | p99 µs | p99.9 µs | vs match |\n");
    out.append("|---|---:|---:|---:|---:|---:|---:|---:|\n");
    for (JsonNode c : cells) {
      String stack = c.get("stack").asText();
      int payload = c.get("payload_bytes").asInt();
      int outstanding = c.get("outstanding").asInt();
      String ratio = "";
      String match = MATCH.get(stack);
      JsonNode peer = match == null ? null : byKey.get(key(match, payload, outstanding));
      if (peer != null) {
        ratio =
            outstanding > 1
                ? String.format(
                    Locale.ROOT,
                    "%.2fx calls/s",
                    c.get("calls_per_s").asDouble() / peer.get("calls_per_s").asDouble())
                : String.format(
                    Locale.ROOT,
                    "%.2fx p99",
                    c.get("p99_us").asDouble() / peer.get("p99_us").asDouble());
      }
      out.append(
          String.format(
              Locale.ROOT,
              "| %s | %d B | %d | %,.0f | %.1f | %.1f | %.1f | %s |%n",
              stack,
              payload,
              outstanding,
              c.get("calls_per_s").asDouble(),
              c.get("p50_us").asDouble(),
              c.get("p99_us").asDouble(),
              c.get("p999_us").asDouble(),
              ratio));
    }
    out.append('\n').append(targets(byKey));
    return out.toString();
  }

  /** One line per target of the issue: met or missed, with the numbers. */
  static String targets(Map<String, JsonNode> byKey) {
    StringBuilder out = new StringBuilder("Targets (issue #4):\n");
    for (Map.Entry<String, String> m :
        MATCH.entrySet().stream().sorted(Map.Entry.comparingByKey()).toList()) {
      for (int payload : new int[] {16, 1024}) {
        JsonNode ours = byKey.get(key(m.getKey(), payload, 64));
        JsonNode theirs = byKey.get(key(m.getValue(), payload, 64));
        line(
            out,
            m.getKey() + " >= 2x " + m.getValue() + " calls/s, " + payload + " B x 64",
            ratio(ours, theirs, "calls_per_s"),
            2.0,
            true);
        JsonNode ours1 = byKey.get(key(m.getKey(), payload, 1));
        JsonNode theirs1 = byKey.get(key(m.getValue(), payload, 1));
        line(
            out,
            m.getKey() + " p99 <= " + m.getValue() + " p99, " + payload + " B x 1",
            ratio(ours1, theirs1, "p99_us"),
            1.0,
            false);
      }
    }
    for (int payload : new int[] {16, 1024}) {
      line(
          out,
          "stretch: ringmesh-direct >= 60% of netty calls/s, " + payload + " B x 64",
          ratio(
              byKey.get(key("ringmesh-direct", payload, 64)),
              byKey.get(key("netty", payload, 64)),
              "calls_per_s"),
          0.6,
          true);
      line(
          out,
          "stretch: ringmesh-direct p99 <= 1.5x netty p99, " + payload + " B x 1",
          ratio(
              byKey.get(key("ringmesh-direct", payload, 1)),
              byKey.get(key("netty", payload, 1)),
              "p99_us"),
          1.5,
          false);
    }
    return out.toString();
  }

  private static void line(
      StringBuilder out, String what, double ratio, double bound, boolean atLeast) {
    if (Double.isNaN(ratio)) {
      out.append("  - ").append(what).append(": not measured\n");
      return;
    }
    boolean met = atLeast ? ratio >= bound : ratio <= bound;
    out.append(
        String.format(Locale.ROOT, "  %s %s: %.2fx%n", met ? "MET   " : "MISSED", what, ratio));
  }

  private static double ratio(@Nullable JsonNode a, @Nullable JsonNode b, String field) {
    if (a == null || b == null) {
      return Double.NaN;
    }
    return a.get(field).asDouble() / b.get(field).asDouble();
  }

  private static String key(String stack, int payload, int outstanding) {
    return stack + "/" + payload + "/" + outstanding;
  }
}
