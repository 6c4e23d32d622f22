package io.ringmesh.coord;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's lock example, as written there, so that the README stays true. */
class ReadmeLockExampleTest {
  @TempDir Path dir;

  @Test
  void readmeExampleWorksAsDescribed() throws Exception {
    Path data = dir.resolve("data");
    // --- from the README ---
    try (Coordinator coordinator = Coordinator.builder().dataDirectory(data).rpcPort(0).start();
        LockClient locks =
            LockClient.builder().connect("127.0.0.1:" + coordinator.rpcPort()).build()) {
      FencedResource<Map<String, String>> orders = new FencedResource<>(new HashMap<>());
      long token;
      try (Lease lease = locks.acquire("order-42", Duration.ofSeconds(5))) {
        lease.onLost(e -> System.err.println("lost order-42: " + e.getMessage()));
        orders.accept(lease.fencingToken(), m -> m.put("order-42", "paid"));
        // --- end of the README's part ---
        token = lease.fencingToken();
        assertThat(locks.holder("order-42").holder()).contains(locks.sessionId());
      }
      assertThat(locks.holder("order-42").isHeld()).isFalse();
      String status = orders.apply(token, m -> m.get("order-42"));
      assertThat(status).isEqualTo("paid");
      assertThatThrownBy(() -> orders.accept(token - 1, m -> m.clear()))
          .isInstanceOf(LockException.class)
          .hasMessageContaining("STALE_TOKEN");
    }
  }
}
