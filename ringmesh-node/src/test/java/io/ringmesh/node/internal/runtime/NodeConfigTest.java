package io.ringmesh.node.internal.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(10)
class NodeConfigTest {
  @TempDir Path dir;

  private Path write(String yaml) throws IOException {
    Path f = dir.resolve("node.yaml");
    Files.writeString(f, yaml);
    return f;
  }

  @Test
  void readsEverySettingOfAFile() throws IOException {
    NodeConfig c =
        NodeConfig.read(
            write(
                """
                id: n1
                roles: [service]
                rpc-port: 9100
                admin-port: 9200
                data: /var/lib/ringmesh
                coordinators: 10.0.0.1:7400,10.0.0.2:7400
                session-ttl: 5s
                drain-delay: 500ms
                coordinator:
                  election-timeout: 1s..2s
                services:
                  - class: io.ringmesh.examples.pricing.PricingService
                    weight: 2
                    settings:
                      cache.capacity: "100"
                """));
    c.validate();
    assertThat(c.id).isEqualTo("n1");
    assertThat(c.isService()).isTrue();
    assertThat(c.isCoordinator()).isFalse();
    assertThat(c.rpcPort).isEqualTo(9100);
    assertThat(c.adminPort).isEqualTo(9200);
    assertThat(c.sessionTtl()).isEqualTo(Duration.ofSeconds(5));
    assertThat(c.drainDelay()).isEqualTo(Duration.ofMillis(500));
    assertThat(c.electionTimeout()).containsExactly(Duration.ofSeconds(1), Duration.ofSeconds(2));
    assertThat(c.services.get(0).weight).isEqualTo(2.0);
    assertThat(c.services.get(0).settings).containsEntry("cache.capacity", "100");
  }

  @Test
  void anEmptyFileIsTheEmbeddedDefault() throws IOException {
    NodeConfig c = NodeConfig.read(write(""));
    c.validate();
    assertThat(c.isCoordinator()).isTrue();
    assertThat(c.isService()).isTrue();
    assertThat(c.data).isEqualTo("data");
  }

  @Test
  void anUnknownKeyNamesTheKeyAndItsLine() throws IOException {
    Path f = write("id: n1\nrpc-port: 9100\nrpc_port: 9101\n");
    assertThatThrownBy(() -> NodeConfig.read(f))
        .isInstanceOf(NodeConfig.ConfigException.class)
        .hasMessageContaining("line 3")
        .hasMessageContaining("unknown setting 'rpc_port'")
        .hasMessageContaining("rpc-port");
  }

  @Test
  void anUnknownNestedKeyNamesItsLine() throws IOException {
    Path f = write("coordinator:\n  port: 7400\n  leader: yes\n");
    assertThatThrownBy(() -> NodeConfig.read(f))
        .hasMessageContaining("line 3")
        .hasMessageContaining("'leader'");
  }

  @Test
  void aMistypedValueNamesItsLineAndSetting() throws IOException {
    Path f = write("id: n1\nadmin-port: lots\n");
    assertThatThrownBy(() -> NodeConfig.read(f))
        .hasMessageContaining("line 2")
        .hasMessageContaining("admin-port: ");
    Path w = write("services:\n  - class: a.B\n    weight: heavy\n");
    assertThatThrownBy(() -> NodeConfig.read(w))
        .hasMessageContaining("line 3")
        .hasMessageContaining("services[0].weight: ");
  }

  @Test
  void aSingleRoleNeedNotBeAList() throws IOException {
    NodeConfig c = NodeConfig.read(write("roles: coordinator\n"));
    c.validate();
    assertThat(c.roles).containsExactly("coordinator");
  }

  @Test
  void aMissingFileIsNamed() {
    Path f = dir.resolve("nope.yaml");
    assertThatThrownBy(() -> NodeConfig.read(f)).hasMessageContaining(f + " does not exist");
  }

  @Test
  void badValuesNameTheSetting() {
    NodeConfig c = new NodeConfig();
    c.rpcPort = 70_000;
    assertThatThrownBy(c::validate).hasMessageContaining("rpc-port is 70000");
    NodeConfig r = new NodeConfig();
    r.roles = java.util.List.of("router");
    assertThatThrownBy(r::validate).hasMessageContaining("unknown role 'router'");
    NodeConfig t = new NodeConfig();
    t.sessionTtl = "500ms";
    assertThatThrownBy(t::validate).hasMessageContaining("session-ttl").hasMessageContaining("1s");
    NodeConfig h = new NodeConfig();
    h.sessionTtl = "2h";
    assertThatThrownBy(h::validate).hasMessageContaining("session-ttl is 2h; the longest is 1h");
    NodeConfig s = new NodeConfig();
    s.sessionTtl = "ten";
    assertThatThrownBy(s::validate).hasMessageContaining("session-ttl: 'ten' is not a duration");
    NodeConfig d = new NodeConfig();
    d.drainDelay = "2m";
    assertThatThrownBy(d::validate).hasMessageContaining("drain-delay is 2m; the longest is 30s");
    NodeConfig n = new NodeConfig();
    n.roles = java.util.List.of("service");
    n.coordinators = "127.0.0.1:7400";
    assertThatThrownBy(n::validate)
        .hasMessageContaining("roles is [service] but no services are listed")
        .hasMessageContaining("--service CLASS");
    n.coordinators = null;
    n.services.add(new NodeConfig.ServiceSettings());
    n.services.get(0).className = "com.example.Svc";
    assertThatThrownBy(n::validate).hasMessageContaining("needs 'coordinators'");
    NodeConfig e = new NodeConfig();
    e.coordinator.electionTimeout = "2s..1s";
    assertThatThrownBy(e::validate).hasMessageContaining("coordinator.election-timeout");
  }

  @Test
  void malformedCoordinatorAddressesAreWrongSettingsNamingTheSetting() {
    NodeConfig c = new NodeConfig();
    c.coordinators = "127.0.0.1:7400,nohost";
    assertThatThrownBy(c::validate)
        .isInstanceOf(NodeConfig.ConfigException.class)
        .hasMessageContaining("coordinators is '127.0.0.1:7400,nohost'")
        .hasMessageContaining("'nohost' is not host:port");

    NodeConfig p = new NodeConfig();
    p.coordinators = "127.0.0.1:7400";
    p.coordinator.peers = "garbage";
    p.coordinator.self = "c1";
    assertThatThrownBy(p::validate)
        .isInstanceOf(NodeConfig.ConfigException.class)
        .hasMessageContaining("coordinator.peers")
        .hasMessageContaining("'garbage'");

    NodeConfig s = new NodeConfig();
    s.coordinators = "127.0.0.1:7400";
    s.coordinator.peers = "c1=127.0.0.1:7410, c2=127.0.0.1:7411";
    s.coordinator.self = "c9";
    assertThatThrownBy(s::validate)
        .isInstanceOf(NodeConfig.ConfigException.class)
        .hasMessageContaining("coordinator.self is 'c9'")
        .hasMessageContaining("[c1, c2]");
    s.coordinator.self = "c2";
    s.validate();
  }

  @Test
  void anyFreeRpcPortNeedsAnIdSinceTheDefaultIdWouldBeNodeZeroForEveryNode() {
    NodeConfig c = new NodeConfig();
    c.rpcPort = 0;
    assertThatThrownBy(c::validate)
        .isInstanceOf(NodeConfig.ConfigException.class)
        .hasMessageContaining("rpc-port 0 needs an 'id'")
        .hasMessageContaining("node-0");
    c.id = "n1";
    c.validate();
    NodeConfig member = new NodeConfig();
    member.rpcPort = 0;
    member.coordinators = "127.0.0.1:7400";
    member.coordinator.peers = "c1=127.0.0.1:7410";
    member.coordinator.self = "c1";
    member.validate(); // its id is coordinator.self
  }
}
