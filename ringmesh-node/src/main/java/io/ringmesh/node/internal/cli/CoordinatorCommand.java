package io.ringmesh.node.internal.cli;

import io.ringmesh.coord.Coordinator;
import io.ringmesh.node.internal.runtime.NodeConfig;
import io.ringmesh.node.internal.runtime.NodeRuntime;
import io.ringmesh.node.internal.runtime.NodeStartException;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ringmesh coordinator}: runs a lock-service coordinator until interrupted. */
@Command(
    name = "coordinator",
    mixinStandardHelpOptions = true,
    description = {
      "Run a lock-service coordinator: the Raft groups of the lock shards, serving lock clients"
          + " over RPC. Runs until interrupted (Ctrl-C or SIGTERM).",
      "Alone it is the embedded default; with --peers and --self it is one of an ensemble."
    })
final class CoordinatorCommand implements Callable<Integer> {
  @Option(
      names = "--data",
      defaultValue = "data",
      description =
          "Data directory: Raft logs, snapshots, cluster metadata (default ${DEFAULT-VALUE}).")
  Path data = Path.of("data");

  @Option(
      names = "--rpc-port",
      defaultValue = "7400",
      description = "Port lock clients connect to; 0 picks a free one (default ${DEFAULT-VALUE}).")
  int rpcPort;

  @Option(
      names = "--bind",
      defaultValue = "127.0.0.1",
      description = "Address the RPC port binds to; 0.0.0.0 for all (default ${DEFAULT-VALUE}).")
  String bind = "127.0.0.1";

  @Option(
      names = "--peers",
      description = "The ensemble as id=host:raftPort,... (default: this coordinator alone).")
  @Nullable String peers;

  @Option(names = "--self", description = "This coordinator's id in --peers.")
  @Nullable String self;

  @Option(
      names = "--join",
      description =
          "Join a running ensemble: create no groups, and wait for 'bin/ringmesh coord add' to"
              + " place shards here. Give --peers with this coordinator added.")
  boolean join;

  @Option(
      names = "--shards",
      description = "Shard count of a new cluster (default 16; an existing one keeps its own).")
  @Nullable Integer shards;

  @Option(
      names = "--groups",
      description =
          "Raft groups that carry the shards of a new cluster (default: 1 alone, one per shard in"
              + " an ensemble). Give the shard count to run alone now and grow with 'coord add'"
              + " later.")
  @Nullable Integer groups;

  @Option(
      names = "--election-timeout",
      paramLabel = "MIN..MAX",
      description =
          "Raft election timeout range, e.g. 1s..2s (default: Ratis' 150ms..300ms). Longer rides"
              + " out CPU starvation and GC pauses on a busy host; failover takes about as long.")
  @Nullable String electionTimeout;

  @Override
  public Integer call() throws InterruptedException {
    if ((peers == null) != (self == null)) {
      throw new CommandFailedException(
          "--peers and --self go together: give both for an ensemble member, neither to run alone",
          2);
    }
    Coordinator.Builder b;
    try {
      b = Coordinator.builder().dataDirectory(data).rpcPort(rpcPort).rpcBindAddress(bind);
      if (peers != null && self != null) {
        b.peers(peers).self(self);
      }
      if (shards != null) {
        b.shards(shards);
      }
      if (groups != null) {
        b.groups(groups);
      }
      if (electionTimeout != null) {
        Duration[] range = NodeConfig.electionTimeoutRange("--election-timeout", electionTimeout);
        b.electionTimeout(range[0], range[1]);
      }
      if (join && peers == null) {
        throw new CommandFailedException(
            "--join needs --peers and --self: the ensemble's peer list with this coordinator"
                + " added, and its id",
            2);
      }
      b.join(join);
    } catch (IllegalArgumentException | NodeConfig.ConfigException e) {
      throw new CommandFailedException(e.getMessage(), 2);
    }
    System.err.println(
        "ringmesh coordinator: starting from " + data.toAbsolutePath() + " (electing leaders) ...");
    Coordinator c;
    try {
      c =
          NodeRuntime.bound(
              "--rpc-port",
              rpcPort,
              "--bind",
              bind,
              () -> {
                try {
                  return b.start();
                } catch (IOException e) {
                  throw new NodeStartException(
                      "the coordinator did not start: " + e.getMessage(), e);
                }
              });
    } catch (IllegalArgumentException e) { // a setting the builder could only check at start
      throw new CommandFailedException(e.getMessage(), 2);
    } catch (NodeStartException e) {
      throw new CommandFailedException(e.getMessage());
    } catch (RuntimeException e) {
      throw new CommandFailedException("the coordinator did not start: " + e.getMessage());
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Thread hook =
        new Thread(
            () -> {
              System.err.println("ringmesh coordinator: stopping ...");
              c.close();
              stopped.countDown();
            },
            "coordinator-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    System.out.printf(
        "ringmesh coordinator %s: serving lock clients on %s:%d, %d shards, leading %d of them;"
            + " data in %s. Stop with Ctrl-C.%n",
        c.id(), bind, c.rpcPort(), c.shards(), c.ledShards().size(), data.toAbsolutePath());
    System.out.flush();
    stopped.await();
    return 0;
  }
}
