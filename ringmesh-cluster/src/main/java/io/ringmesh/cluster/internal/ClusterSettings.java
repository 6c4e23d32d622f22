package io.ringmesh.cluster.internal;

import io.micrometer.core.instrument.MeterRegistry;
import io.ringmesh.cluster.Ticker;
import io.ringmesh.ring.Algorithm;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import org.jspecify.annotations.Nullable;

/**
 * A {@code ClusterClient}'s settings, validated by its builder. Immutable.
 *
 * @param defaultDeadline the whole of a call, every attempt included
 * @param algorithm ring algorithm of every service's ring
 * @param maxAttempts most nodes one call tries (the first attempt included)
 * @param retryPercent fraction of requests the retry budget allows as retries
 * @param retryMinPerSecond retries per second allowed whatever the request rate
 * @param ejectionThreshold consecutive failures that eject a node
 * @param ejectionBase first ejection's length; each ejection in a row doubles it
 * @param ejectionMax longest ejection
 * @param ticker clock of deadlines, the retry budget and ejections
 * @param rebuildExecutor runs ring rebuilds, off the request path
 * @param boundedLoadEpsilon per service name that opted in, the slack over the mean in-flight count
 *     that bounded loads allow
 * @param meterRegistry where the client's meters go, or null for none
 * @param hedgeDelays per service name that opted in to hedging of its idempotent methods, the delay
 *     before the second attempt; zero for the method's observed 95th percentile
 * @param hedgeTimer runs the timers of hedged calls; null if no service hedges
 */
public record ClusterSettings(
    Duration defaultDeadline,
    Algorithm algorithm,
    int maxAttempts,
    double retryPercent,
    int retryMinPerSecond,
    int ejectionThreshold,
    Duration ejectionBase,
    Duration ejectionMax,
    Ticker ticker,
    Executor rebuildExecutor,
    Map<String, Double> boundedLoadEpsilon,
    @Nullable MeterRegistry meterRegistry,
    Map<String, Duration> hedgeDelays,
    @Nullable ScheduledExecutorService hedgeTimer) {

  public ClusterSettings {
    boundedLoadEpsilon = Map.copyOf(boundedLoadEpsilon);
    hedgeDelays = Map.copyOf(hedgeDelays);
  }
}
