package io.ringmesh.cluster;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A {@link Discovery} over lists given in code: for tests and for setups without coordinators.
 * {@link #update} replaces a service's list at run time and tells the listeners before it returns.
 *
 * <pre>{@code
 * StaticDiscovery discovery = new StaticDiscovery();
 * discovery.update("kv", List.of(ServiceInstance.of("a", Endpoint.parse("10.0.0.1:7000"))));
 * }</pre>
 *
 * <p>Thread-safe. Updates are serialized, so listeners see them one at a time and in order; a
 * listener that throws is skipped for that change and stays subscribed.
 */
public final class StaticDiscovery implements Discovery {
  /** Guards {@link #services} writes and listener delivery, so changes arrive in order. */
  private final Object lock = new Object();

  private volatile Map<String, List<ServiceInstance>> services = Map.of();
  private final Map<String, CopyOnWriteArrayList<Listener>> listeners = new HashMap<>();

  /** A discovery with no services. */
  public StaticDiscovery() {}

  /**
   * Replaces the instances of {@code service} with {@code instances} (an empty list removes them
   * all) and calls every listener of the service before returning.
   *
   * @throws IllegalArgumentException if two instances share a node id
   */
  public void update(String service, List<ServiceInstance> instances) {
    Objects.requireNonNull(service, "service");
    List<ServiceInstance> copy = List.copyOf(instances);
    Set<String> ids = new HashSet<>();
    for (ServiceInstance i : copy) {
      if (!ids.add(i.nodeId())) {
        throw new IllegalArgumentException(
            "service '" + service + "' lists node id '" + i.nodeId() + "' twice");
      }
    }
    synchronized (lock) {
      Map<String, List<ServiceInstance>> next = new HashMap<>(services);
      if (copy.isEmpty()) {
        next.remove(service);
      } else {
        next.put(service, copy);
      }
      services = Map.copyOf(next);
      List<Listener> ls = listeners.get(service);
      if (ls != null) {
        for (Listener l : ls) {
          try {
            l.onChange(service, copy);
          } catch (RuntimeException e) {
            // A faulty listener must not stop the others from hearing of the change.
          }
        }
      }
    }
  }

  /** Adds {@code instance} to {@code service}, replacing any instance with the same node id. */
  public void add(String service, ServiceInstance instance) {
    synchronized (lock) {
      List<ServiceInstance> next = new ArrayList<>();
      for (ServiceInstance i : instances(service)) {
        if (!i.nodeId().equals(instance.nodeId())) {
          next.add(i);
        }
      }
      next.add(instance);
      update(service, next);
    }
  }

  /** Removes the instance with {@code nodeId} from {@code service}, if present. */
  public void remove(String service, String nodeId) {
    synchronized (lock) {
      List<ServiceInstance> next = new ArrayList<>(instances(service));
      next.removeIf(i -> i.nodeId().equals(nodeId));
      update(service, next);
    }
  }

  @Override
  public List<ServiceInstance> instances(String service) {
    return services.getOrDefault(service, List.of());
  }

  @Override
  public Subscription subscribe(String service, Listener listener) {
    Objects.requireNonNull(service, "service");
    Objects.requireNonNull(listener, "listener");
    synchronized (lock) {
      listeners.computeIfAbsent(service, s -> new CopyOnWriteArrayList<>()).add(listener);
    }
    return () -> {
      synchronized (lock) {
        List<Listener> ls = listeners.get(service);
        if (ls != null) {
          ls.remove(listener);
        }
      }
    };
  }
}
