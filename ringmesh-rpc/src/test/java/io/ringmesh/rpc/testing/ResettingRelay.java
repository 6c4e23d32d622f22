package io.ringmesh.rpc.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;

/**
 * A TCP relay on loopback in front of one port, whose connections a test can reset: both ends get a
 * reset (RST), as after a middlebox or a peer that vanished, where neither end closed the
 * connection itself. A Netty server may see it as a read error or first as the input's end,
 * depending on how epoll reports it; tests must accept either. New connections are accepted until
 * {@link #close()}; while {@linkplain #hold() held}, they are accepted and left silent (a slow
 * network, or a server slow to answer) until {@link #release()}. Thread-safe.
 */
public final class ResettingRelay implements AutoCloseable {
  private final ServerSocket listener;
  private final int target;
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  private volatile boolean closed;
  private volatile CountDownLatch gate = new CountDownLatch(0);

  /** Relays to {@code targetPort} on loopback from a free loopback port. */
  public ResettingRelay(int targetPort) throws IOException {
    this.target = targetPort;
    this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread.ofPlatform().daemon().name("relay-accept-" + port()).start(this::accept);
  }

  /** The port clients connect to. */
  public int port() {
    return listener.getLocalPort();
  }

  /** Connections accepted from now on carry no byte until {@link #release()}. */
  public synchronized void hold() {
    if (gate.getCount() == 0) { // a second hold keeps the first's gate, which release() opens
      gate = new CountDownLatch(1);
    }
  }

  /** Relays the held connections, and the new ones. */
  public void release() {
    gate.countDown();
  }

  /** Resets every open connection, on both sides. */
  public void resetAll() {
    for (Socket s : sockets) {
      try {
        s.setSoLinger(true, 0); // close() then sends RST instead of FIN
        s.close();
      } catch (IOException ignored) {
        // already gone: nothing to reset
      }
    }
    sockets.clear();
  }

  @Override
  public void close() {
    closed = true;
    gate.countDown(); // held connections end, unrelayed
    try {
      listener.close();
    } catch (IOException ignored) {
      // closing anyway
    }
    resetAll();
  }

  private void accept() {
    while (!closed) {
      try {
        Socket down = listener.accept();
        sockets.add(down);
        CountDownLatch held = gate;
        Thread.ofPlatform().daemon().start(() -> connect(down, held));
      } catch (IOException e) {
        if (!closed) {
          System.err.println("relay to port " + target + ": " + e);
        }
      }
    }
  }

  private void connect(Socket down, CountDownLatch held) {
    try {
      held.await();
      if (closed) {
        down.close();
        return;
      }
      Socket up = new Socket(InetAddress.getLoopbackAddress(), target);
      sockets.add(up);
      down.setTcpNoDelay(true);
      up.setTcpNoDelay(true);
      pump(down, up);
      pump(up, down);
    } catch (IOException | InterruptedException e) {
      if (!closed) {
        System.err.println("relay to port " + target + ": " + e);
      }
    }
  }

  private static void pump(Socket from, Socket to) {
    Thread.ofPlatform()
        .daemon()
        .start(
            () -> {
              byte[] buffer = new byte[16 * 1024];
              try (InputStream in = from.getInputStream();
                  OutputStream out = to.getOutputStream()) {
                for (int n; (n = in.read(buffer)) >= 0; ) {
                  out.write(buffer, 0, n);
                  out.flush();
                }
              } catch (IOException ended) {
                // a reset or a close on either side ends this direction
              }
            });
  }
}
