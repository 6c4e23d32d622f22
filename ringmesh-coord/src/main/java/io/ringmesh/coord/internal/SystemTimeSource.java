package io.ringmesh.coord.internal;

import io.ringmesh.coord.TimeSource;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@link TimeSource#system()}: {@link System#nanoTime()} and one daemon timer thread. */
public final class SystemTimeSource implements TimeSource {
  private static final Logger LOG = LoggerFactory.getLogger(SystemTimeSource.class);

  /** The shared instance. */
  public static final SystemTimeSource INSTANCE = new SystemTimeSource();

  private final ScheduledThreadPoolExecutor timer;

  private SystemTimeSource() {
    timer =
        new ScheduledThreadPoolExecutor(
            1,
            r -> {
              Thread t = new Thread(r, "ringmesh-coord-timer");
              t.setDaemon(true);
              return t;
            });
    timer.setRemoveOnCancelPolicy(true);
  }

  @Override
  public long nanoTime() {
    return System.nanoTime();
  }

  @Override
  public Cancellable schedule(Duration delay, Runnable task) {
    ScheduledFuture<?> f =
        timer.schedule(
            () -> {
              try {
                task.run();
              } catch (RuntimeException e) {
                LOG.warn("timer task failed", e);
              }
            },
            Math.max(0, delay.toNanos()),
            TimeUnit.NANOSECONDS);
    return () -> f.cancel(false);
  }
}
