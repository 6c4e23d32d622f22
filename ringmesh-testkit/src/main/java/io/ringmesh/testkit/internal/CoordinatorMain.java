package io.ringmesh.testkit.internal;

import io.ringmesh.coord.Coordinator;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A chaos run's coordinator process: {@code CoordinatorMain PEERS SELF DATA_DIR BIND RPC_PORT
 * ELECTION_MIN_MS ELECTION_MAX_MS PARENT_PID}. Prints {@code READY <id>} once it serves, and exits
 * when its parent does (or when killed).
 */
public final class CoordinatorMain {
  private CoordinatorMain() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 8) {
      System.err.println(
          "usage: CoordinatorMain PEERS SELF DATA_DIR BIND RPC_PORT ELECTION_MIN_MS"
              + " ELECTION_MAX_MS PARENT_PID");
      System.exit(2);
    }
    ChaosClientMain.exitWithParent(Long.parseLong(args[7]));
    Coordinator c =
        Coordinator.builder()
            .peers(args[0])
            .self(args[1])
            .dataDirectory(Path.of(args[2]))
            .rpcBindAddress(args[3])
            .rpcPort(Integer.parseInt(args[4]))
            .electionTimeout(
                Duration.ofMillis(Long.parseLong(args[5])),
                Duration.ofMillis(Long.parseLong(args[6])))
            .startTimeout(Duration.ofMinutes(2))
            .start();
    Runtime.getRuntime().addShutdownHook(new Thread(c::close, "coordinator-shutdown"));
    System.out.println("READY " + c.id());
    System.out.flush();
    Thread.currentThread().join(); // serve until killed or the parent exits
  }
}
