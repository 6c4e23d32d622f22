package io.ringmesh.node.internal.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.ringmesh.coord.Coordinator;
import io.ringmesh.node.internal.cli.CliTest.Run;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ringmesh lock} and {@code ringmesh coordinator} as a user meets them. */
class LockCliTest {
  @TempDir Path dir;

  @Test
  void acquireHoldsAndReleasesAndHolderReadsTheLock() throws Exception {
    try (Coordinator c = Coordinator.builder().dataDirectory(dir).rpcPort(0).start()) {
      String at = "127.0.0.1:" + c.rpcPort();
      Run free = CliTest.run("lock", "status", "orders", "--coordinators", at);
      assertThat(free.exitCode()).as(free.err()).isZero();
      assertThat(free.out()).contains("'orders' is free; 0 waiting");

      Run acquired = CliTest.run("lock", "acquire", "orders", "--coordinators", at);
      assertThat(acquired.exitCode()).as(acquired.err()).isZero();
      assertThat(acquired.out())
          .containsPattern("acquired 'orders' after \\d+ ms: fencing token [1-9]\\d*, session ")
          .contains("released 'orders'");
      assertThat(CliTest.run("lock", "status", "orders", "--coordinators", at).out())
          .contains("'orders' is free");

      Run held = CliTest.run("lock", "acquire", "orders", "--hold", "90ms", "--coordinators", at);
      assertThat(held.exitCode()).as(held.err()).isZero();
      assertThat(held.out()).contains("holding for 90ms ...").contains("released 'orders'");

      Run json = CliTest.run("lock", "acquire", "orders", "--json", "--coordinators", at);
      assertThat(json.exitCode()).as(json.err()).isZero();
      assertThat(json.out())
          .containsPattern(
              "\\{\"name\":\"orders\",\"token\":\\d+,\"acquired_at\":\\d+,"
                  + "\"released_at\":\\d+}");
    }
  }

  @Test
  void aLockNameTheCoordinatorRefusesExitsTwoNamingIt() throws Exception {
    try (Coordinator c = Coordinator.builder().dataDirectory(dir).rpcPort(0).start()) {
      String at = "127.0.0.1:" + c.rpcPort();
      String tooLong = "n".repeat(1025);
      for (String command : new String[] {"acquire", "status"}) {
        Run r = CliTest.run("lock", command, tooLong, "--coordinators", at);
        assertThat(r.exitCode()).as(command + ": " + r.err()).isEqualTo(2);
        assertThat(r.err()).contains("INVALID_ARGUMENT").contains("the limit is 1024");
      }
    }
  }

  @Test
  void aWaitThatTimesOutExitsThree() throws Exception {
    try (Coordinator c = Coordinator.builder().dataDirectory(dir).rpcPort(0).start();
        io.ringmesh.coord.LockClient other =
            io.ringmesh.coord.LockClient.builder().coordinator(c).build();
        io.ringmesh.coord.Lease held = other.acquire("busy", java.time.Duration.ofSeconds(5))) {
      Run r =
          CliTest.run(
              "lock",
              "acquire",
              "busy",
              "--wait",
              "300ms",
              "--coordinators",
              "127.0.0.1:" + c.rpcPort());
      assertThat(r.exitCode()).as(r.err()).isEqualTo(3);
      assertThat(r.err()).contains("DEADLINE_EXCEEDED").contains("'busy'");
      assertThat(held.isValid()).isTrue();
    }
  }

  @Test
  void anUnreachableCoordinatorFailsWithExitOneAndSaysHowToStartOne() throws Exception {
    int port = CliTest.closedPort(); // nothing listens here
    Run r = CliTest.run("lock", "status", "x", "--coordinators", "127.0.0.1:" + port);
    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.err())
        .contains("127.0.0.1:" + port)
        .contains("start one with 'bin/ringmesh node'");
  }

  @Test
  void badArgumentsExitTwoNamingWhatWasWrong() {
    Run duration = CliTest.run("lock", "acquire", "x", "--hold", "5 seconds");
    assertThat(duration.exitCode()).isEqualTo(2);
    assertThat(duration.err()).contains("'5 seconds' is not a duration");

    Run noWait = CliTest.run("lock", "acquire", "x", "--wait", "0s");
    assertThat(noWait.exitCode()).isEqualTo(2);
    assertThat(noWait.err()).contains("--wait is 0s").doesNotContain("PT0S", "tryAcquire");

    Run list = CliTest.run("lock", "status", "x", "--coordinators", "127.0.0.1:7400,nonsense");
    assertThat(list.exitCode()).isEqualTo(2);
    assertThat(list.err()).contains("'nonsense'");

    Run half = CliTest.run("coordinator", "--peers", "a=127.0.0.1:9000");
    assertThat(half.exitCode()).isEqualTo(2);
    assertThat(half.err()).contains("--peers and --self go together");
  }

  @Test
  void coordinatorStartErrorsNameTheFlag() throws Exception {
    Run self =
        CliTest.run(
            "coordinator",
            "--peers",
            "c1=127.0.0.1:9000",
            "--self",
            "c9",
            "--data",
            dir.resolve("self").toString());
    assertThat(self.exitCode()).as(self.err()).isEqualTo(2);
    assertThat(self.err()).contains("self id 'c9' is not in the peer list [c1]");

    try (java.net.ServerSocket taken =
        new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      Run inUse =
          CliTest.run(
              "coordinator",
              "--rpc-port",
              String.valueOf(taken.getLocalPort()),
              "--data",
              dir.resolve("in-use").toString());
      assertThat(inUse.exitCode()).as(inUse.err()).isEqualTo(1);
      assertThat(inUse.err()).contains("--rpc-port " + taken.getLocalPort() + " is already in use");
    }
  }
}
