package io.ringmesh.coord;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FencedResourceTest {

  @Test
  void acceptsEqualAndHigherTokensAndRefusesOlderOnesUntouched() {
    FencedResource<StringBuilder> log = new FencedResource<>(new StringBuilder());
    log.accept(5, b -> b.append("a"));
    log.accept(5, b -> b.append("b"));
    log.accept(9, b -> b.append("c"));
    assertThatThrownBy(() -> log.accept(7, b -> b.append("stale")))
        .isInstanceOfSatisfying(
            LockException.class,
            e -> assertThat(e.code()).isEqualTo(LockException.Code.STALE_TOKEN))
        .hasMessageContaining("fencing token 7 is older than token 9");
    assertThat(log.apply(9, StringBuilder::toString)).isEqualTo("abc");
    assertThat(log.highestToken()).isEqualTo(9);
  }

  /**
   * The example of Kleppmann's article, end to end: a holder pauses past its TTL, the lock passes
   * on, and the paused holder's late write is refused by the resource, not by the lock.
   */
  @Test
  void example_aPausedHoldersLateWriteIsRefused(@TempDir Path dataDir) throws Exception {
    FakeTimeSource clock = new FakeTimeSource();
    FakeTimeSource pausedClock = new FakeTimeSource(); // a client stuck in a long GC pause
    try (Coordinator coordinator =
            Coordinator.builder().dataDirectory(dataDir).timeSource(clock).shards(1).start();
        LockClient paused =
            LockClient.builder()
                .coordinator(coordinator)
                .timeSource(pausedClock)
                .sessionTtl(Duration.ofSeconds(2))
                .build();
        LockClient other =
            LockClient.builder().coordinator(coordinator).timeSource(clock).build()) {
      FencedResource<Map<String, String>> storage = new FencedResource<>(new HashMap<>());

      Lease stale = paused.acquire("file", Duration.ofSeconds(5));
      // ... the holder pauses; its session is not renewed; the coordinator expires it ...
      clock.advance(Duration.ofMillis(100), 30);
      try (Lease current = other.acquire("file", Duration.ofSeconds(30))) {
        storage.accept(current.fencingToken(), m -> m.put("file", "written by the new holder"));
      }
      // ... the paused holder wakes up and writes with its old token.
      assertThatThrownBy(
              () -> storage.accept(stale.fencingToken(), m -> m.put("file", "late write")))
          .hasMessageContaining("STALE_TOKEN");
      String content = storage.apply(Long.MAX_VALUE, m -> m.get("file"));
      assertThat(content).isEqualTo("written by the new holder");
    }
  }
}
