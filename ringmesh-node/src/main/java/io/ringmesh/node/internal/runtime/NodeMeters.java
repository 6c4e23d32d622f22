package io.ringmesh.node.internal.runtime;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.atomic.LongAdder;

/**
 * The node's own meters on the admin {@code /metrics} page, beside the JVM's and the admin
 * server's: RPC calls served, and the cluster and lock state the node's view holds. Gauges read the
 * view's snapshots, so a scrape never calls the coordinators.
 */
final class NodeMeters {
  private NodeMeters() {}

  static void bind(MeterRegistry registry, RuntimeView view, LongAdder served) {
    FunctionCounter.builder("ringmesh.rpc.server.calls", served, LongAdder::sum)
        .description("RPC calls this node's services have received")
        .register(registry);
    Gauge.builder("ringmesh.cluster.nodes", view, v -> v.nodes().size())
        .description("Nodes this node knows of, healthy or not")
        .register(registry);
    Gauge.builder(
            "ringmesh.cluster.nodes.healthy",
            view,
            v -> v.nodes().stream().filter(n -> n.healthy()).count())
        .description("Nodes registered and answering on their admin port")
        .register(registry);
    Gauge.builder(
            "ringmesh.cluster.ring.members",
            view,
            v -> v.rings().stream().mapToInt(r -> r.members().size()).sum())
        .description("Members of all service rings together")
        .register(registry);
    Gauge.builder("ringmesh.lock.held", view, v -> v.locks(Integer.MAX_VALUE).size())
        .description("Locks held across all shards (up to the first 200)")
        .register(registry);
    Gauge.builder(
            "ringmesh.lock.shards.leaderless",
            view,
            v -> v.shards().stream().filter(s -> s.leaderId() == null).count())
        .description("Lock shards without a leader now")
        .register(registry);
  }
}
