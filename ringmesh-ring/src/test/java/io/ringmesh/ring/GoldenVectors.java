package io.ringmesh.ring;

import java.util.ArrayList;
import java.util.List;

/**
 * The fixed inputs of the golden routing vectors, and their generator.
 *
 * <p>The vectors in {@code src/test/resources/golden/} record, for two fixed memberships and 10,000
 * fixed keys, the node every algorithm routes each key to. {@link GoldenVectorsTest} fails if any
 * route changes, because routing is a compatibility promise: clients of different versions must
 * agree. Regenerate only for an intended, announced breaking change:
 *
 * <pre>
 * ./mvnw -pl ringmesh-ring test -Dtest=GoldenVectorsTest -Dringmesh.golden.write=true
 * </pre>
 */
final class GoldenVectors {
  static final int KEYS = 10_000;

  private GoldenVectors() {}

  /** Ten equal nodes named as ketama needs them. */
  static List<Node<String>> equalNodes() {
    List<Node<String>> nodes = new ArrayList<>();
    for (int i = 1; i <= 10; i++) {
      nodes.add(Node.of("10.1.0." + i + ":11211"));
    }
    return nodes;
  }

  /** Eight nodes with integer weights 1 to 4. */
  static List<Node<String>> weightedNodes() {
    List<Node<String>> nodes = new ArrayList<>();
    for (int i = 1; i <= 8; i++) {
      nodes.add(Node.of("10.2.0." + i + ":11211", 1 + (i * 7) % 4));
    }
    return nodes;
  }

  /** ASCII, UTF-8 and binary-looking keys. */
  static String key(int i) {
    return switch (i % 5) {
      case 0 -> "user:" + i;
      case 1 -> "order-" + Long.toHexString(i * 0x9E3779B97F4A7C15L);
      case 2 -> "ключ-" + i;
      case 3 -> "キー/" + i + "/\uD83D\uDE00";
      default -> Integer.toString(i);
    };
  }

  static HashRing<String> ring(Algorithm algorithm, List<Node<String>> nodes) {
    return HashRing.<String>builder().algorithm(algorithm).nodes(nodes).build();
  }

  static String render(List<Node<String>> nodes) {
    StringBuilder out = new StringBuilder();
    out.append(
        "# Golden routing vectors. Changing a line is a breaking change; see GoldenVectors.\n");
    out.append("# Each cell is the routed node's index in this list (id=weight):\n# nodes:");
    for (int i = 0; i < nodes.size(); i++) {
      Node<String> n = nodes.get(i);
      out.append(' ').append(i).append(':').append(n.id()).append('=').append(n.weight());
    }
    out.append("\n# settings: defaults (RING 1024 points per weight, MAGLEV table 65537)\n");
    out.append("key");
    List<HashRing<String>> rings = new ArrayList<>();
    for (Algorithm a : Algorithm.values()) {
      out.append('\t').append(a);
      rings.add(ring(a, nodes));
    }
    out.append('\n');
    for (int i = 0; i < KEYS; i++) {
      String key = key(i);
      out.append(key);
      for (HashRing<String> ring : rings) {
        out.append('\t').append(nodes.indexOf(ring.route(key)));
      }
      out.append('\n');
    }
    return out.toString();
  }
}
