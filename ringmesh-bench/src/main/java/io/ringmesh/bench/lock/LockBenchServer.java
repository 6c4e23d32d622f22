package io.ringmesh.bench.lock;

import java.io.IOException;

/**
 * Starts one system's server with its data in a fresh temporary directory, prints {@code ADDRESS
 * <address>}, and serves until its standard input closes (the parent is done, or died); then stops
 * the server and deletes the directory. Usage: {@code LockBenchServer <system>}.
 */
public final class LockBenchServer {
  private LockBenchServer() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 1) {
      System.err.println("usage: LockBenchServer <system>");
      System.exit(2);
    }
    LockSystem system = LockSystems.parse(args[0]);
    try (TempDirectory data = TempDirectory.create("ringmesh-bench-lock-" + system.id() + "-");
        LockSystem.Server server = system.start(data.path())) {
      System.out.println("ADDRESS " + server.address());
      System.out.flush();
      try {
        while (System.in.read() >= 0) {
          // serve until the parent closes our stdin (or dies)
        }
      } catch (IOException e) {
        // parent gone
      }
    }
    // Ratis and the lock service leave non-daemon threads behind on some paths; nothing is left to
    // do, so do not wait for them.
    System.exit(0);
  }
}
