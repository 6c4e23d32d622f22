package io.ringmesh.coord.internal;

import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.apache.ratis.metrics.LongCounter;
import org.apache.ratis.metrics.MetricRegistries;
import org.apache.ratis.metrics.MetricRegistryInfo;
import org.apache.ratis.metrics.RatisMetricRegistry;
import org.apache.ratis.metrics.Timekeeper;
import org.apache.ratis.util.TimeDuration;

/**
 * Ratis' metric registries, recording nothing. Ratis finds it through {@link
 * java.util.ServiceLoader} ({@code META-INF/services/org.apache.ratis.metrics.MetricRegistries}) in
 * place of {@code ratis-metrics-default}, which Ringmesh no longer ships.
 *
 * <p>Thread-safe: the registries are kept in a concurrent map; timers and counters hold no state.
 */
public final class NoopRatisMetrics extends MetricRegistries {
  /*
   * Why: Ratis times every log append, queue hand-off, flush and client request, and the default
   * registries (Dropwizard) feed each timing into an ExponentiallyDecayingReservoir, a
   * ConcurrentSkipListMap insert plus a lock. Under `bin/ringmesh bench lock` (32 clients, 16
   * shards) JFR put 22% of the coordinator's sampled Java CPU there, more than the lock state
   * machine and the RPC decoding together. Nothing in Ringmesh reads these metrics: the node's
   * /metrics are Micrometer's, and Ratis' reporters (JMX, console) were never enabled. Ratis only
   * records into them (timers, counters, gauges); no decision of its reads a value back, so
   * recording nothing changes no behaviour.
   */

  private static final Timekeeper.Context STOPPED = () -> 0L;
  private static final Timekeeper TIMER = () -> STOPPED;
  private static final LongCounter COUNTER =
      new LongCounter() {
        @Override
        public void inc(long n) {}

        @Override
        public void dec(long n) {}

        @Override
        public long getCount() {
          return 0;
        }
      };

  private final ConcurrentHashMap<MetricRegistryInfo, RatisMetricRegistry> registries =
      new ConcurrentHashMap<>();

  /** For {@link java.util.ServiceLoader}. */
  public NoopRatisMetrics() {}

  @Override
  public void clear() {
    registries.clear();
  }

  @Override
  public RatisMetricRegistry create(MetricRegistryInfo info) {
    return registries.computeIfAbsent(info, Registry::new);
  }

  @Override
  public boolean remove(MetricRegistryInfo key) {
    return registries.remove(key) != null;
  }

  @Override
  public Optional<RatisMetricRegistry> get(MetricRegistryInfo info) {
    return Optional.ofNullable(registries.get(info));
  }

  @Override
  public Set<MetricRegistryInfo> getMetricRegistryInfos() {
    return Set.copyOf(registries.keySet());
  }

  @Override
  public Collection<RatisMetricRegistry> getMetricRegistries() {
    return List.copyOf(registries.values());
  }

  @Override
  public void addReporterRegistration(
      Consumer<RatisMetricRegistry> reporterRegistration,
      Consumer<RatisMetricRegistry> stopReporter) {}

  @Override
  public void enableJmxReporter() {}

  @Override
  public void enableConsoleReporter(TimeDuration consoleReportRate) {}

  /** A registry whose timers and counters record nothing and whose gauges are never read. */
  private record Registry(MetricRegistryInfo info) implements RatisMetricRegistry {
    @Override
    public Timekeeper timer(String name) {
      return TIMER;
    }

    @Override
    public LongCounter counter(String name) {
      return COUNTER;
    }

    @Override
    public boolean remove(String name) {
      return false;
    }

    @Override
    public <T> void gauge(String name, Supplier<Supplier<T>> gaugeSupplier) {}

    @Override
    public MetricRegistryInfo getMetricRegistryInfo() {
      return info;
    }
  }
}
