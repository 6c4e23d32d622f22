package io.ringmesh.bench.lock;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Starts one system's server with its data in the given fresh directory, prints {@code ADDRESS
 * <address>}, and serves until its standard input closes (the parent is done, or died); then stops
 * the server and deletes the directory (so does the parent, in case this JVM was killed). Usage:
 * {@code LockBenchServer <system> <data-directory>}.
 */
public final class LockBenchServer {
  private LockBenchServer() {}

  public static void main(String[] args) {
    int code;
    try {
      serve(args);
      code = 0;
    } catch (Throwable t) {
      t.printStackTrace();
      code = 1;
    }
    // Ratis leaves non-daemon threads behind on some paths; exit anyway, so that a failed start
    // ends the run at once instead of hanging it.
    System.exit(code);
  }

  private static void serve(String[] args) throws Exception {
    if (args.length != 2) {
      System.err.println("usage: LockBenchServer <system> <data-directory>");
      System.exit(2);
    }
    LockSystem system = LockSystems.parse(args[0]);
    try (TempDirectory data = TempDirectory.of(Path.of(args[1]));
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
  }
}
