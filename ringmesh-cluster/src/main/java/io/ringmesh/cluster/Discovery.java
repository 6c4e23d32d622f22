package io.ringmesh.cluster;

import java.util.List;

/**
 * Who serves each service now. A {@link ClusterClient} reads a snapshot when it first routes a
 * service and then follows changes through a {@link Listener}; {@link StaticDiscovery} is a fixed
 * list, and a registry-backed implementation plugs in behind the same contract.
 *
 * <p>Implementations must be thread-safe, and must deliver a service's changes to each listener one
 * at a time and in order, each carrying the whole current list (not a delta), so that a listener
 * that sees only the last change still ends up right.
 */
public interface Discovery {

  /**
   * The instances of {@code service} now, in no particular order; empty if there are none or the
   * service is unknown. Service names are those of {@code io.ringmesh.rpc.RpcService}, or an
   * interface's binary name.
   */
  List<ServiceInstance> instances(String service);

  /**
   * Calls {@code listener} with the whole list after each change to {@code service}'s instances,
   * until the returned subscription is closed. Listeners must return quickly: they run on the
   * discovery's own thread.
   */
  Subscription subscribe(String service, Listener listener);

  /** Receives a service's instances after every change. */
  @FunctionalInterface
  interface Listener {
    /** {@code instances} is the whole current list of {@code service}, immutable. */
    void onChange(String service, List<ServiceInstance> instances);
  }

  /** Ends a {@link #subscribe} registration; closing twice is harmless. */
  @FunctionalInterface
  interface Subscription extends AutoCloseable {
    @Override
    void close();
  }
}
