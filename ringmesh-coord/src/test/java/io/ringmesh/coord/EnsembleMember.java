package io.ringmesh.coord;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A coordinator in a process of its own, for tests that kill one: {@code EnsembleMember peers self
 * dataDir rpcPort}. Prints {@code READY} once serving, and exits when its standard input closes (so
 * a dying test takes it along) or when it is killed.
 */
final class EnsembleMember {
  private EnsembleMember() {}

  public static void main(String[] args) throws IOException {
    if (args.length != 4) {
      System.err.println("usage: EnsembleMember PEERS SELF DATA_DIR RPC_PORT");
      System.exit(2);
    }
    try (Coordinator c =
        Coordinator.builder()
            .peers(args[0])
            .self(args[1])
            .dataDirectory(Path.of(args[2]))
            .rpcPort(Integer.parseInt(args[3]))
            .start()) {
      System.out.println("READY " + c.id());
      System.out.flush();
      while (System.in.read() >= 0) {
        // wait for the parent to close our input
      }
    }
  }
}
