package io.ringmesh.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ringmesh.rpc.Endpoint;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class StaticDiscoveryTest {
  private static final ServiceInstance A = ServiceInstance.of("a", Endpoint.of("127.0.0.1", 7001));
  private static final ServiceInstance B = ServiceInstance.of("b", Endpoint.of("127.0.0.1", 7002));

  @Test
  void listenersGetTheWholeListAfterEveryChangeInOrder() {
    StaticDiscovery d = new StaticDiscovery();
    List<List<ServiceInstance>> seen = new ArrayList<>();
    Discovery.Subscription sub = d.subscribe("kv", (s, list) -> seen.add(list));
    d.update("kv", List.of(A));
    d.add("kv", B);
    d.remove("kv", "a");
    d.update("other", List.of(A)); // another service: not heard
    sub.close();
    d.update("kv", List.of()); // after close: not heard
    sub.close(); // twice is harmless

    assertThat(seen).containsExactly(List.of(A), List.of(A, B), List.of(B));
    assertThat(d.instances("kv")).isEmpty();
    assertThat(d.instances("other")).containsExactly(A);
  }

  @Test
  void addReplacesTheInstanceWithTheSameNodeId() {
    StaticDiscovery d = new StaticDiscovery();
    d.update("kv", List.of(A, B));
    ServiceInstance movedA = ServiceInstance.of("a", Endpoint.of("127.0.0.1", 7100));
    d.add("kv", movedA);
    assertThat(d.instances("kv")).containsExactlyInAnyOrder(movedA, B);
  }

  @Test
  void aThrowingListenerDoesNotStopTheOthers() {
    StaticDiscovery d = new StaticDiscovery();
    List<String> seen = new ArrayList<>();
    d.subscribe(
        "kv",
        (s, list) -> {
          throw new IllegalStateException("boom");
        });
    d.subscribe("kv", (s, list) -> seen.add(s));
    d.update("kv", List.of(A));
    assertThat(seen).containsExactly("kv");
  }

  @Test
  void duplicateNodeIdsAndBadInstancesAreRefused() {
    StaticDiscovery d = new StaticDiscovery();
    ServiceInstance otherA = ServiceInstance.of("a", Endpoint.of("127.0.0.1", 7003));
    assertThatThrownBy(() -> d.update("kv", List.of(A, otherA)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'a' twice");
    assertThatThrownBy(
            () -> new ServiceInstance("c", Endpoint.of("127.0.0.1", 1), 0, java.util.Map.of()))
        .hasMessageContaining("instance 'c' has weight 0");
    assertThatThrownBy(() -> ServiceInstance.of("", Endpoint.of("127.0.0.1", 1)))
        .hasMessageContaining("nodeId must not be empty");
  }
}
