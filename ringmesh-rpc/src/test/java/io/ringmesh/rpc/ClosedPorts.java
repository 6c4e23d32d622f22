package io.ringmesh.rpc;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;

/**
 * A loopback port that refuses connections for as long as a test holds it: a TCP socket bound to
 * the port and never listening. While it is bound the kernel gives the port to no one else, not
 * even as the source port of the very connect aimed at it (TCP simultaneous open), which a port
 * merely found free cannot promise. Not thread-safe.
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
