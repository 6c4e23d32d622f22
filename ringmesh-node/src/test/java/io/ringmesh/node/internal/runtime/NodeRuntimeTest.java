package io.ringmesh.node.internal.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ringmesh.examples.pricing.Pricing;
import io.ringmesh.rpc.Endpoint;
import io.ringmesh.rpc.RpcClient;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class NodeRuntimeTest {
  @TempDir Path dir;

  private NodeConfig embedded(Path data) {
    NodeConfig c = new NodeConfig();
    c.id = "n1";
    c.data = data.toString();
    c.rpcPort = 0;
    c.adminPort = 0;
    c.coordinator.port = 0;
    c.coordinator.shards = 2;
    NodeConfig.ServiceSettings s = new NodeConfig.ServiceSettings();
    s.className = "io.ringmesh.examples.pricing.PricingService";
    s.settings.put("work.rounds", "1");
    c.services.add(s);
    return c;
  }

  @Test
  void theEmbeddedNodeServesItsServicesAndCreatesItsDataDirectory() {
    Path data = dir.resolve("a/b/data");
    List<String> steps = new ArrayList<>();
    try (NodeRuntime node = NodeRuntime.start(embedded(data), steps::add);
        RpcClient rpc = RpcClient.builder().build()) {
      assertThat(data).isDirectory();
      assertThat(node.coordinator()).isNotNull();
      Pricing p = rpc.proxy(Pricing.class, Endpoint.of("127.0.0.1", node.rpcPort()));
      assertThat(p.quote("sku-1").servedBy()).isEqualTo("n1");
      assertThat(node.lockClient().tryAcquire("x")).isPresent();
    }
    assertThat(steps).anyMatch(s -> s.contains("serving 1 service"));
  }

  @Test
  void aPortInUseNamesThePortAndTheSetting() throws IOException {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      NodeConfig c = embedded(dir.resolve("data"));
      c.rpcPort = taken.getLocalPort();
      assertThatThrownBy(() -> NodeRuntime.start(c, s -> {}))
          .isInstanceOf(NodeStartException.class)
          .hasMessageContaining("rpc-port " + taken.getLocalPort() + " is already in use");
    }
  }

  @Test
  void aDataDirectoryThatCannotBeCreatedIsNamed() throws IOException {
    Path file = Files.writeString(dir.resolve("plain-file"), "x");
    NodeConfig c = embedded(file.resolve("data"));
    assertThatThrownBy(() -> NodeRuntime.start(c, s -> {}))
        .isInstanceOf(NodeStartException.class)
        .hasMessageContaining("data directory " + file.resolve("data"));
  }

  @Test
  void aServiceClassThatIsNotThereIsNamed() {
    NodeConfig c = embedded(dir.resolve("data"));
    c.services.get(0).className = "com.example.Missing";
    assertThatThrownBy(() -> NodeRuntime.start(c, s -> {}))
        .isInstanceOf(NodeConfig.ConfigException.class)
        .hasMessageContaining("'com.example.Missing' is not on the class path");
  }
}
