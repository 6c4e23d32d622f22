package io.ringmesh.coord;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A coordinator in a process of its own, for tests that kill one: {@code EnsembleMember peers self
 * dataDir rpcPort [electionMinMs electionMaxMs]} (Ratis' default election timeouts without the last
 * two). Prints {@code READY} once serving, and exits when its standard input closes (so a dying
 * test takes it along) or when it is killed.
 */
final class EnsembleMember {
  private EnsembleMember() {}

  public static void main(String[] args) throws IOException {
    if (args.length != 4 && args.length != 6) {
      System.err.println(
          "usage: EnsembleMember PEERS SELF DATA_DIR RPC_PORT [ELECTION_MIN_MS ELECTION_MAX_MS]");
      System.exit(2);
    }
    Coordinator.Builder b =
        Coordinator.builder()
            .peers(args[0])
            .self(args[1])
            .dataDirectory(Path.of(args[2]))
            .rpcPort(Integer.parseInt(args[3]));
    if (args.length == 6) {
      b.electionTimeout(
          java.time.Duration.ofMillis(Long.parseLong(args[4])),
          java.time.Duration.ofMillis(Long.parseLong(args[5])));
    }
    try (Coordinator c = b.start()) {
      System.out.println("READY " + c.id());
      System.out.flush();
      while (System.in.read() >= 0) {
        // wait for the parent to close our input
      }
    }
  }
}
