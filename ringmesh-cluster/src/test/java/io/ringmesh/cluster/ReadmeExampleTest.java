package io.ringmesh.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.ringmesh.rpc.Endpoint;
import io.ringmesh.rpc.RpcServer;
import io.ringmesh.rpc.RpcService;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The README's routed-call example, verbatim, so that the README stays true. */
@Timeout(30)
class ReadmeExampleTest {
  /** The README's service. */
  @RpcService("profiles")
  public interface Profiles {
    record Profile(String user, String servedBy) {}

    @Idempotent
    Profile get(@RouteKey String user); // safe to run twice: may move on

    CompletableFuture<Profile> rename(@RouteKey String user, String name); // if unsent
  }

  @Test
  void readmeExampleWorksAsDescribed() {
    Map<String, RpcServer> servers = new LinkedHashMap<>();
    try {
      for (String id : List.of("node-a", "node-b", "node-c")) {
        Profiles impl =
            new Profiles() {
              public Profile get(String user) {
                return new Profile(user, id);
              }

              public CompletableFuture<Profile> rename(String user, String name) {
                return CompletableFuture.completedFuture(new Profile(name, id));
              }
            };
        servers.put(id, RpcServer.builder().port(0).service(Profiles.class, impl).build().start());
      }
      // The README, verbatim from here...
      StaticDiscovery discovery = new StaticDiscovery(); // or new RegistryDiscovery(...)
      discovery.update(
          "profiles",
          List.of(
              ServiceInstance.of("node-a", Endpoint.of("127.0.0.1", servers.get("node-a").port())),
              ServiceInstance.of("node-b", Endpoint.of("127.0.0.1", servers.get("node-b").port())),
              ServiceInstance.of(
                  "node-c", Endpoint.of("127.0.0.1", servers.get("node-c").port()))));
      try (ClusterClient cluster =
          ClusterClient.builder()
              .discovery(discovery)
              .defaultDeadline(Duration.ofSeconds(5))
              .build()) {
        Profiles profiles = cluster.proxy(Profiles.class);
        String owner = profiles.get("ada").servedBy(); // the same node every time
        servers.get(owner).shutdownNow(); // that node dies...
        String next = profiles.get("ada").servedBy(); // ...the next in ada's preference list
        // ...to here.

        assertThat(profiles.rename("grace", "hopper").join().user()).isEqualTo("hopper");
        assertThat(owner).isIn(servers.keySet());
        assertThat(next).isIn(servers.keySet()).isNotEqualTo(owner);
      }
    } finally {
      servers.values().forEach(RpcServer::shutdownNow);
    }
  }
}
