package io.ringmesh.cluster.internal;

import io.ringmesh.cluster.ServiceInstance;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What a client knows of one instance: where it is, how many of this client's calls it has in
 * flight, and its health. Kept across ring rebuilds while the node's id and endpoint stay the same;
 * a node back on a new endpoint starts afresh.
 *
 * <p>Thread-safe.
 */
public final class NodeState {
  private final ServiceInstance instance;
  private final NodeHealth health;
  private final ServiceMeters.Node meters;
  private final AtomicInteger inFlight = new AtomicInteger();

  public NodeState(ServiceInstance instance, NodeHealth health) {
    this(instance, health, ServiceMeters.NONE.node(instance.nodeId()));
  }

  public NodeState(ServiceInstance instance, NodeHealth health, ServiceMeters.Node meters) {
    this.instance = instance;
    this.health = health;
    this.meters = meters;
  }

  /** This client's meters of the node. */
  public ServiceMeters.Node meters() {
    return meters;
  }

  public ServiceInstance instance() {
    return instance;
  }

  public String nodeId() {
    return instance.nodeId();
  }

  public NodeHealth health() {
    return health;
  }

  /** This client's calls now in flight to the node. */
  public int inFlight() {
    return inFlight.get();
  }

  void begin() {
    inFlight.incrementAndGet();
  }

  void end() {
    inFlight.decrementAndGet();
  }

  @Override
  public String toString() {
    return instance.nodeId() + "@" + instance.endpoint();
  }
}
