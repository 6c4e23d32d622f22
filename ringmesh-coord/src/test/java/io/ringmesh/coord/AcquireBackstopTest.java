package io.ringmesh.coord;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A timed acquire arms a backstop on the client's clock (the wait plus a TTL) in case the
 * coordinator never answers. Once the acquire is answered the backstop is cancelled; before, each
 * timed acquire left one task in the timer's queue for the whole wait plus a TTL (some 60,000 of
 * them at the lock benchmark's rate), each built an exception nobody saw when it fired.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AcquireBackstopTest {
  private static final Duration TTL = Duration.ofSeconds(3);
  private static final Duration WAIT = Duration.ofSeconds(30);

  @TempDir Path dataDir;
  private final FakeTimeSource clock = new FakeTimeSource();

  @Test
  void anAnsweredTimedAcquireLeavesNoBackstopOnTheClock() throws Exception {
    try (Coordinator coordinator =
            Coordinator.builder()
                .dataDirectory(dataDir)
                .timeSource(clock)
                .sessionCheckInterval(Duration.ofMillis(100))
                .start();
        LockClient client =
            LockClient.builder()
                .service(coordinator::service)
                .timeSource(clock)
                .sessionTtl(TTL)
                .build()) {
      for (int i = 0; i < 3; i++) {
        try (Lease lease = client.acquire("backstop-" + i, WAIT)) {
          assertThat(lease.fencingToken()).isPositive();
        }
      }
      // Nothing else on this clock is due as late as the wait (heartbeats and session checks
      // come every fraction of the TTL), so a task that late is a backstop left behind.
      Await.until(
          () -> clock.pending().stream().noneMatch(due -> due >= WAIT.toNanos()),
          () -> "no backstop left on the clock; pending (ns from now): " + clock.pending());
    }
  }
}
