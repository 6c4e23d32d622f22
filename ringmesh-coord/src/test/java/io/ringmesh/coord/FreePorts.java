package io.ringmesh.coord;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Loopback ports for tests that must name a port before they bind it (a Raft peer list, a restart
 * on the same port). A port from {@code new ServerSocket(0)} lies in the kernel's ephemeral range,
 * where any outgoing connection (Ratis' own, between the peers) may take it before the test binds
 * it: EnsembleLockServiceTest failed with "Address already in use" that way. These ports come from
 * below that range (20000-32767; Linux starts it at 32768), are checked free on loopback, and are
 * never handed out twice by one JVM. Thread-safe.
 */
final class FreePorts {
  private static final int FIRST = 20_000;
  private static final int LAST = 32_767;
  private static final Set<Integer> GIVEN = ConcurrentHashMap.newKeySet();

  private FreePorts() {}

  /** A loopback port free at the time of the call, below the ephemeral range. */
  static int next() throws IOException {
    for (int attempt = 0; attempt < 1_000; attempt++) {
      int port = ThreadLocalRandom.current().nextInt(FIRST, LAST + 1);
      if (!GIVEN.add(port)) {
        continue;
      }
      try (ServerSocket s = new ServerSocket()) {
        s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        return port;
      } catch (IOException taken) {
        // in use by another process; try another
      }
    }
    throw new IOException("no free loopback port found in " + FIRST + "-" + LAST);
  }

  /** A Raft peer list {@code c0=127.0.0.1:p0,c1=...} of {@code size} coordinators on free ports. */
  static String peerList(int size) throws IOException {
    StringBuilder p = new StringBuilder();
    for (int i = 0; i < size; i++) {
      p.append(i == 0 ? "" : ",").append("c").append(i).append("=127.0.0.1:").append(next());
    }
    return p.toString();
  }
}
