package io.ringmesh.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class LoopbackPortsTest {
  @Test
  void portsAreDistinctBelowTheEphemeralRangeAndBindable() throws Exception {
    int[] ports = LoopbackPorts.free(8);
    assertThat(Arrays.stream(ports).distinct().count()).isEqualTo(8);
    for (int port : ports) {
      assertThat(port).isBetween(20_000, 32_767);
      try (ServerSocket s = new ServerSocket()) {
        s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        assertThat(s.getLocalPort()).isEqualTo(port);
      }
    }
  }
}
