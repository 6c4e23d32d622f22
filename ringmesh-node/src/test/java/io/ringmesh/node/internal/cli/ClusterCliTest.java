package io.ringmesh.node.internal.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.ringmesh.node.internal.cli.CliTest.Run;
import io.ringmesh.node.internal.runtime.NodeConfig;
import io.ringmesh.node.internal.runtime.NodeRuntime;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code ringmesh cluster status} and {@code ringmesh call} against a running node. */
@Timeout(90)
class ClusterCliTest {
  @TempDir Path dir;

  private NodeRuntime node() {
    NodeConfig c = new NodeConfig();
    c.id = "n1";
    c.data = dir.toString();
    c.rpcPort = 0;
    c.adminPort = 0;
    c.coordinator.port = 0;
    c.coordinator.shards = 2;
    NodeConfig.ServiceSettings s = new NodeConfig.ServiceSettings();
    s.className = "io.ringmesh.examples.pricing.PricingService";
    s.settings.put("work.rounds", "1");
    c.services.add(s);
    return NodeRuntime.start(c, step -> {});
  }

  @Test
  void statusListsTheNodeItsServiceAndTheShardLeaders() throws Exception {
    try (NodeRuntime n = node()) {
      String at = "127.0.0.1:" + n.coordinator().rpcPort();
      Run table = CliTest.run("cluster", "status", "--coordinators", at);
      assertThat(table.exitCode()).as(table.err()).isZero();
      assertThat(table.out())
          .contains("Nodes (1)")
          .containsPattern("n1 +coordinator,service")
          .containsPattern("examples.pricing.v1 +1 node\\(s\\): n1")
          .contains("Shards (3, 0 without a leader)")
          .containsPattern("0 +leader n1 +replicas \\[n1\\]");
      Run json = CliTest.run("cluster", "status", "--json", "--coordinators", at);
      assertThat(json.exitCode()).as(json.err()).isZero();
      assertThat(json.out())
          .contains("\"id\":\"n1\"")
          .contains("\"examples.pricing.v1\":[\"n1\"]")
          .contains("\"leader\":\"");
    }
  }

  @Test
  void callGoesThroughARegisteredNodesGateway() throws Exception {
    try (NodeRuntime n = node()) {
      String at = "127.0.0.1:" + n.coordinator().rpcPort();
      Run r = CliTest.run("call", "examples.pricing.v1.quote", "[\"sku-7\"]", "--coordinators", at);
      assertThat(r.exitCode()).as(r.err()).isZero();
      assertThat(r.out()).contains("\"sku\":\"sku-7\"").contains("\"servedBy\":\"n1\"");
      Run keyed =
          CliTest.run(
              "call",
              "examples.pricing.v1.quote",
              "[\"sku-8\"]",
              "--key",
              "tenant 7/a&b",
              "--coordinators",
              at);
      assertThat(keyed.exitCode()).as(keyed.err()).isZero();
      assertThat(keyed.out()).contains("\"sku\":\"sku-8\"").contains("\"servedBy\":\"n1\"");

      Run mistyped =
          CliTest.run(
              "call", "examples.pricing.v1.order", "[\"sku-7\", \"two\"]", "--coordinators", at);
      assertThat(mistyped.exitCode()).isEqualTo(2);
      assertThat(mistyped.err()).contains("HTTP 400").contains("argument 1");
    }
  }

  @Test
  void aGatewayThatDoesNotAnswerIsNamedWithWhatWentWrong() throws Exception {
    int port = CliTest.closedPort();
    Run r = CliTest.run("call", "examples.pricing.v1.quote", "--node", "127.0.0.1:" + port);
    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.err())
        .contains("127.0.0.1:" + port + ": could not connect")
        .doesNotContain(": null");
  }

  @Test
  void theJsonArgumentsAreOptionalInTheUsage() {
    Run r = CliTest.run("call", "--help");
    assertThat(r.exitCode()).isZero();
    assertThat(r.out()).contains("SERVICE.METHOD [JSON-ARGS]");
  }

  @Test
  void aTargetWithoutAMethodIsAUsageError() {
    Run r = CliTest.run("call", "quote", "[]");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("'quote' is not SERVICE.METHOD");
  }
}
