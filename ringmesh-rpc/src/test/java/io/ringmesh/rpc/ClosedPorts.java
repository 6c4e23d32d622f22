package io.ringmesh.rpc;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;

/**
 * A loopback port that refuses connections for as long as a test holds it: a TCP socket bound to
 * the port and never listening. Holding it is what makes the refusal certain. A port merely found
 * free could be taken meanwhile by any process on the machine (LifecycleTest met a port below the
 * ephemeral range that accepted its connect, twice), and while the socket is bound the kernel gives
 * the port to no one else, not even as the source of the very connect aimed at it (TCP simultaneous
 * open, met once with a port in the ephemeral range). Not thread-safe.
 */
final class ClosedPorts implements AutoCloseable {
  private final Socket socket = new Socket();

  ClosedPorts() throws IOException {
    socket.setReuseAddress(false);
    socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
  }

  /** The port: connects to it are refused until {@link #close()}. */
  int port() {
    return socket.getLocalPort();
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
