package io.ringmesh.node.internal.cli;

import io.ringmesh.coord.MembershipChange;
import io.ringmesh.coord.MembershipException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ringmesh coord add|remove ID}: changes the coordinator ensemble, moving only the Raft
 * groups whose replica set changes, and prints each group's progress.
 */
@Command(
    name = "coord",
    mixinStandardHelpOptions = true,
    description = {
      "Add a coordinator to a running ensemble, or remove one. Only the groups (lock shards and"
          + " the registry) whose preference list changes move, through Raft membership changes,"
          + " so locks, sessions and fencing tokens continue.",
      "Exit codes: 0 done, 1 the ensemble could not carry it out (run it again to finish),"
          + " 2 a wrong request (unknown id, too few coordinators left, another change in"
          + " progress, bad flags)."
    },
    subcommands = {CoordCommand.Add.class, CoordCommand.Remove.class})
final class CoordCommand {

  /** What add and remove share: the ID, the endpoints, the run and its exit codes. */
  abstract static class Change implements Callable<Integer> {
    @Parameters(paramLabel = "ID", description = "The id of the coordinator.")
    String id = "";

    @Option(
        names = "--coordinators",
        defaultValue = "127.0.0.1:7400",
        description =
            "RPC endpoints (host:port,...) of the ensemble's coordinators: for add, the joining"
                + " one too; for remove, the removed one too while it runs, so that its copies of"
                + " the groups are deleted (one that does not answer is taken as down)"
                + " (default ${DEFAULT-VALUE}).")
    String coordinators = "127.0.0.1:7400";

    abstract boolean adding();

    @Override
    public Integer call() {
      String verb = adding() ? "add" : "remove";
      // Progress comes in pieces of a line ("shard 3: adding c4 ... caught up"); a failure ends a
      // line left open, and only then.
      java.util.concurrent.atomic.AtomicBoolean midLine =
          new java.util.concurrent.atomic.AtomicBoolean();
      MembershipChange change;
      try {
        change =
            MembershipChange.builder()
                .connect(coordinators)
                .progress(
                    text -> {
                      System.out.print(text);
                      System.out.flush();
                      midLine.set(!text.endsWith("\n"));
                    })
                .build();
      } catch (IllegalArgumentException e) {
        throw new CommandFailedException(e.getMessage(), 2);
      }
      try (change) {
        MembershipChange.Result r = adding() ? change.add(id) : change.remove(id);
        System.out.printf("%s %s: the ensemble is now %s%n", verb, r.coordinator(), r.members());
        return 0;
      } catch (MembershipException e) {
        if (midLine.get()) {
          System.out.println();
        }
        throw new CommandFailedException(
            "could not " + verb + " " + id + ": " + e.getMessage(), e.badRequest() ? 2 : 1);
      }
    }
  }

  @Command(
      name = "add",
      mixinStandardHelpOptions = true,
      description = {
        "Add coordinator ID. Start it first with 'bin/ringmesh coordinator --join --self ID"
            + " --peers <the ensemble's peers with ID=host:raftPort added>', and list its RPC"
            + " endpoint in --coordinators.",
        "Exit codes: 0 done, 1 failed (run it again to finish), 2 wrong request."
      })
  static final class Add extends Change {
    @Override
    boolean adding() {
      return true;
    }
  }

  @Command(
      name = "remove",
      mixinStandardHelpOptions = true,
      description = {
        "Remove coordinator ID (it may be down; every other coordinator must be up), then stop"
            + " it. Refused if fewer coordinators than replicas per group would be left.",
        "Exit codes: 0 done, 1 failed (run it again to finish), 2 wrong request."
      })
  static final class Remove extends Change {
    @Override
    boolean adding() {
      return false;
    }
  }
}
