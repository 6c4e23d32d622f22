package io.ringmesh.node.internal.admin;

import io.ringmesh.ring.HashRing;
import io.ringmesh.ring.Node;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * Each node's share of a ring's keyspace, for {@link NodeView#rings()}: the fraction of a fixed
 * sample of keys the ring routes to it. Rings are immutable snapshots, so the shares of the last
 * snapshot seen per service are kept and a poll of an unchanged ring costs a map lookup.
 *
 * <p>The sample is {@value #SAMPLES} keys (the 8-byte big-endian encodings of 0, 1, 2, ...), hashed
 * by the ring's own {@link HashRing#hash(byte[])}, so every algorithm, ketama's 32-bit points
 * included, sees keys as real callers' keys are seen. The standard error of a share p is
 * sqrt(p(1-p)/n), under 0.3 percentage points: enough to draw, not to benchmark balance with
 * (ringmesh-bench does that).
 *
 * <p>Thread-safe.
 */
public final class RingShares {
  static final int SAMPLES = 1 << 15;

  private record Computed(HashRing<?> ring, Map<String, Double> shares) {}

  private final Map<String, Computed> lastByService = new ConcurrentHashMap<>();

  /** The ring of {@code service} as the admin server shows it. */
  public NodeView.ServiceRing serviceRing(
      String service, HashRing<?> ring, Predicate<String> healthy) {
    Computed last = lastByService.get(service);
    Map<String, Double> shares;
    if (last != null && last.ring() == ring) {
      shares = last.shares();
    } else {
      shares = of(ring);
      lastByService.put(service, new Computed(ring, shares));
    }
    List<NodeView.RingMember> members = new ArrayList<>();
    for (Node<?> node : ring.nodes()) {
      members.add(
          new NodeView.RingMember(
              node.id(), node.weight(), shares.get(node.id()), healthy.test(node.id())));
    }
    return new NodeView.ServiceRing(
        service, ring.algorithm().name().toLowerCase(java.util.Locale.ROOT), members);
  }

  /** Forgets a service that has no ring any more. */
  public void forget(String service) {
    lastByService.remove(service);
  }

  /**
   * Each node's share of {@code ring}, in the ring's node order; every node is present, with 0 if
   * no sampled key lands on it. The shares sum to 1 (an empty ring has none).
   */
  public static Map<String, Double> of(HashRing<?> ring) {
    Map<String, Integer> counts = new HashMap<>();
    if (ring.size() > 0) {
      ByteBuffer key = ByteBuffer.allocate(Long.BYTES);
      for (long i = 0; i < SAMPLES; i++) {
        key.putLong(0, i);
        counts.merge(ring.route(ring.hash(key.array())).id(), 1, Integer::sum);
      }
    }
    Map<String, Double> shares = new LinkedHashMap<>();
    for (Node<?> node : ring.nodes()) {
      shares.put(node.id(), counts.getOrDefault(node.id(), 0) / (double) SAMPLES);
    }
    return Collections.unmodifiableMap(shares);
  }
}
