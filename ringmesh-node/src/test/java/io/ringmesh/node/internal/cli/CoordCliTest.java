package io.ringmesh.node.internal.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.ringmesh.coord.Coordinator;
import io.ringmesh.node.internal.cli.CliTest.Run;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ringmesh coord add|remove} as a user meets it when the request is wrong; the change itself
 * is EnsembleMembershipTest's subject in ringmesh-coord.
 */
@org.junit.jupiter.api.Timeout(value = 60, unit = java.util.concurrent.TimeUnit.SECONDS)
class CoordCliTest {
  @TempDir Path dir;

  @Test
  void anUnknownIdExitsTwoNamingItAndTheMembers() throws Exception {
    // One group per shard: a lone coordinator's default of one group for all shards is refused by
    // coord add|remove before any of the checks below (CoordinatorStartupTest covers that).
    try (Coordinator c = Coordinator.builder().dataDirectory(dir).groups(16).rpcPort(0).start()) {
      String at = "127.0.0.1:" + c.rpcPort();
      Run unknown = CliTest.run("coord", "remove", "c9", "--coordinators", at);
      assertThat(unknown.exitCode()).as(unknown.err()).isEqualTo(2);
      assertThat(unknown.err())
          .contains("could not remove c9")
          .contains("unknown coordinator id 'c9'")
          .contains("[coord-0]");
      assertThat(unknown.out()).as("a refusal before any progress prints nothing").isEmpty();

      Run last = CliTest.run("coord", "remove", "coord-0", "--coordinators", at);
      assertThat(last.exitCode()).as(last.err()).isEqualTo(2);
      assertThat(last.err()).contains("would leave 0 coordinator(s)").contains("add a coordinator");

      Run notStarted = CliTest.run("coord", "add", "c4", "--coordinators", at);
      assertThat(notStarted.exitCode()).as(notStarted.err()).isEqualTo(2);
      assertThat(notStarted.err())
          .contains("no coordinator with id 'c4' answered")
          .contains("--join");
      assertThat(c.members()).containsExactly("coord-0");
    }
  }

  @Test
  void anUnreachableEnsembleExitsOneNamingTheEndpoint() throws Exception {
    int port = CliTest.closedPort(); // nothing listens here
    Run r = CliTest.run("coord", "add", "c4", "--coordinators", "127.0.0.1:" + port);
    assertThat(r.exitCode()).as(r.err()).isEqualTo(1);
    assertThat(r.err()).contains("no coordinator answered").contains("127.0.0.1:" + port);
  }

  @Test
  void aMissingIdOrABadEndpointIsAUsageError() {
    Run missing = CliTest.run("coord", "add");
    assertThat(missing.exitCode()).isEqualTo(2);
    assertThat(missing.err()).contains("ID");
    Run bad = CliTest.run("coord", "add", "c4", "--coordinators", "nowhere");
    assertThat(bad.exitCode()).isEqualTo(2);
    assertThat(bad.err()).contains("'nowhere'");
    Run join = CliTest.run("coordinator", "--join");
    assertThat(join.exitCode()).isEqualTo(2);
    assertThat(join.err()).contains("--join needs --peers and --self");
  }

  @Test
  void removeHelpSaysToListTheRemovedCoordinatorWhileItRuns() {
    Run r = CliTest.run("coord", "remove", "--help");
    assertThat(r.exitCode()).isZero();
    assertThat(r.out().replaceAll("\\s+", " "))
        .contains("for remove, the removed one too while it runs");
  }
}
