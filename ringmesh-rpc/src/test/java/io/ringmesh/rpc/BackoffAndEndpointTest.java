package io.ringmesh.rpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ringmesh.rpc.internal.Backoff;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Pure logic: reconnect backoff on a fake random source, endpoint parsing. */
class BackoffAndEndpointTest {
  @Test
  void backoffGrowsToItsCapWithJitterAndResets() {
    double[] random = {0.5};
    Backoff b =
        new Backoff(Duration.ofMillis(100), Duration.ofSeconds(1), 2.0, 0.2, () -> random[0]);
    assertThat(TimeUnit.NANOSECONDS.toMillis(b.nextDelayNanos())).isEqualTo(100);
    assertThat(TimeUnit.NANOSECONDS.toMillis(b.nextDelayNanos())).isEqualTo(200);
    assertThat(TimeUnit.NANOSECONDS.toMillis(b.nextDelayNanos())).isEqualTo(400);
    assertThat(TimeUnit.NANOSECONDS.toMillis(b.nextDelayNanos())).isEqualTo(800);
    assertThat(TimeUnit.NANOSECONDS.toMillis(b.nextDelayNanos())).isEqualTo(1000);
    random[0] = 0.0;
    assertThat(TimeUnit.NANOSECONDS.toMillis(b.nextDelayNanos())).isEqualTo(800); // -20%
    random[0] = 1.0;
    assertThat(TimeUnit.NANOSECONDS.toMillis(b.nextDelayNanos())).isEqualTo(1200); // +20%
    b.reset();
    random[0] = 0.5;
    assertThat(TimeUnit.NANOSECONDS.toMillis(b.nextDelayNanos())).isEqualTo(100);
  }

  @Test
  void backoffSettingsAreValidated() {
    assertThatThrownBy(() -> new Backoff(Duration.ZERO, Duration.ofSeconds(1), 2, 0.2, () -> 0))
        .hasMessageContaining("0 < initial <= max");
    assertThatThrownBy(
            () -> new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(1), 0.5, 0.2, () -> 0))
        .hasMessageContaining("multiplier >= 1");
  }

  @Test
  void endpointsParseAndPrint() {
    assertThat(Endpoint.parse("10.0.0.1:7000")).isEqualTo(Endpoint.of("10.0.0.1", 7000));
    assertThat(Endpoint.parse("[::1]:80")).isEqualTo(Endpoint.of("::1", 80));
    assertThat(Endpoint.of("::1", 80)).hasToString("[::1]:80");
    assertThat(Endpoint.parse("node-a.example:9")).hasToString("node-a.example:9");
  }

  @Test
  void badEndpointsSayWhatIsWrong() {
    assertThatThrownBy(() -> Endpoint.parse("nohost")).hasMessageContaining("is not host:port");
    assertThatThrownBy(() -> Endpoint.parse("::1:80")).hasMessageContaining("without brackets");
    assertThatThrownBy(() -> Endpoint.parse("h:port")).hasMessageContaining("not a number");
    assertThatThrownBy(() -> Endpoint.of("h", 70_000)).hasMessageContaining("outside 1..65535");
  }
}
