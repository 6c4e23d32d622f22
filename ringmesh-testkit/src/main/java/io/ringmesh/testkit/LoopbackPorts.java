package io.ringmesh.testkit;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Free loopback ports for processes a run starts, kills and restarts on the same ports (the demo's
 * and the chaos suite's coordinators). The ports lie below the kernel's ephemeral range (Linux
 * starts it at 32768), unlike {@code new ServerSocket(0)}'s: inside it, a client reconnecting to a
 * killed process's port can be given that same port as its source and connect to itself (TCP
 * simultaneous open), holding the port the restart needs; and an outgoing connection can take a
 * port between its choice and its bind. Thread-safe.
 */
public final class LoopbackPorts {
  private static final int FIRST = 20_000;
  private static final int END = 32_768;

  private LoopbackPorts() {}

  /**
   * {@code n} distinct loopback ports that were free when this returned.
   *
   * @throws IOException if 1,000 tries found too few free ports in 20000-32767
   */
  public static int[] free(int n) throws IOException {
    List<ServerSocket> held = new ArrayList<>();
    try {
      int[] ports = new int[n];
      int found = 0;
      for (int attempt = 0; attempt < 1_000 && found < n; attempt++) {
        ServerSocket s = new ServerSocket();
        try {
          s.bind(
              new InetSocketAddress(
                  InetAddress.getLoopbackAddress(),
                  ThreadLocalRandom.current().nextInt(FIRST, END)));
        } catch (IOException taken) {
          s.close();
          continue;
        }
        held.add(s);
        ports[found++] = s.getLocalPort();
      }
      if (found < n) {
        throw new IOException(
            "found only "
                + found
                + " of "
                + n
                + " free loopback ports in "
                + FIRST
                + "-"
                + (END - 1));
      }
      return ports;
    } finally {
      for (ServerSocket s : held) {
        s.close();
      }
    }
  }
}
