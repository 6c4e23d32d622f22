package io.ringmesh.rpc;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A loopback port that nothing listens on, for tests of failed connects. It lies below the kernel's
 * ephemeral range (Linux starts it at 32768): a connect to a closed port inside that range can be
 * given that same port as its source and connect to itself (TCP simultaneous open), which
 * LifecycleTest met once as "connection ... closed" instead of "could not connect". Thread-safe.
 */
public final class ClosedPorts {
  private ClosedPorts() {}

  /** A loopback port below 32768 that was free when this returned. */
  public static int next() throws IOException {
    for (int attempt = 0; attempt < 1_000; attempt++) {
      int port = ThreadLocalRandom.current().nextInt(20_000, 32_768);
      try (ServerSocket s = new ServerSocket()) {
        s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        return port;
      } catch (IOException taken) {
        // in use; try another
      }
    }
    throw new IOException("no free loopback port found in 20000-32767");
  }
}
