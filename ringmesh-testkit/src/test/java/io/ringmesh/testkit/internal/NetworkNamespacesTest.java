package io.ringmesh.testkit.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The chaos run's network faults on real namespaces: a member reaches the bridge while healthy and
 * not while cut or dropping everything. Runs as root with {@code ip netns}; skipped elsewhere.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class NetworkNamespacesTest {
  private NetworkNamespaces network;
  private ServerSocket listener;
  private final List<Socket> accepted = new ArrayList<>();

  @BeforeEach
  void setUp() throws IOException {
    String why = NetworkNamespaces.unavailableReason();
    assumeTrue(why == null, () -> "skipped: " + why);
    network = NetworkNamespaces.create(ProcessHandle.current().pid() + "xt", 1);
    listener =
        new ServerSocket(0, 50, InetAddress.getByName(network.address(0).replaceAll("\\d+$", "1")));
  }

  @AfterEach
  void tearDown() throws IOException {
    if (listener != null) {
      listener.close();
    }
    for (Socket s : accepted) {
      s.close();
    }
    if (network != null) {
      network.close();
    }
  }

  /** Connects from member 0's namespace to the listener on the bridge; true if it connected. */
  private boolean memberReachesBridge() throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(network.exec(0));
    cmd.addAll(
        List.of(
            "timeout",
            "2",
            "bash",
            "-c",
            "exec 3<>/dev/tcp/"
                + listener.getInetAddress().getHostAddress()
                + "/"
                + listener.getLocalPort()));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    p.getInputStream().readAllBytes();
    assertTrue(p.waitFor(30, TimeUnit.SECONDS), "bash /dev/tcp did not finish");
    return p.exitValue() == 0;
  }

  @Test
  void aCutLinkCarriesNothingUntilHealed() throws Exception {
    assertTrue(memberReachesBridge(), "a healthy member must reach the bridge");
    network.cut(0);
    assertEquals(false, memberReachesBridge(), "a cut member must not reach the bridge");
    network.heal(0);
    assertTrue(memberReachesBridge(), "a healed member must reach the bridge again");
  }

  @Test
  void nftablesLossDropsPacketsUntilStopped() throws Exception {
    String why = network.nftLossUnavailableReason();
    assumeTrue(why == null, () -> "skipped: " + why);
    assertNull(why);
    network.dropRandomly(0, 100);
    assertEquals(false, memberReachesBridge(), "100% loss must let no connection through");
    network.stopDropping(0);
    assertTrue(memberReachesBridge(), "with the drops removed the member must connect again");
    network.dropRandomly(0, 0);
    assertTrue(memberReachesBridge(), "0% loss must drop nothing");
    network.stopDropping(0);
  }

  @Test
  void aLossOutsideZeroToHundredIsRefusedNamingTheValue() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> network.dropRandomly(0, 101));
    assertTrue(e.getMessage().contains("101"), e.getMessage());
  }
}
