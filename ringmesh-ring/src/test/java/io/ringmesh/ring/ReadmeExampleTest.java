package io.ringmesh.ring;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The README's ring example, verbatim, so that the README stays true. */
class ReadmeExampleTest {

  @Test
  void readmeExampleWorksAsDescribed() {
    HashRing<InetSocketAddress> ring =
        HashRing.<InetSocketAddress>builder()
            .algorithm(Algorithm.MAGLEV) // RING, KETAMA_COMPAT, MAGLEV, RENDEZVOUS, MEMENTO
            .node(Node.of("cache-a", 1, new InetSocketAddress("10.0.0.1", 7000)))
            .node(Node.of("cache-b", 1, new InetSocketAddress("10.0.0.2", 7000)))
            .node(Node.of("cache-c", 2, new InetSocketAddress("10.0.0.3", 7000))) // twice the share
            .build();

    Node<InetSocketAddress> owner = ring.route("user:42"); // same node every time
    List<Node<InetSocketAddress>> failover =
        ring.preferenceList("user:42", 2); // primary, then next

    RingHolder<InetSocketAddress> holder = new RingHolder<>(ring); // readers: holder.current()
    holder.update(r -> r.without("cache-b")); // only cache-b's keys move

    assertThat(ring.route("user:42")).isEqualTo(owner);
    assertThat(failover).hasSize(2).first().isEqualTo(owner);
    assertThat(owner.payload()).isNotNull();
    assertThat(holder.current().nodes()).extracting(Node::id).containsExactly("cache-a", "cache-c");
    if (!owner.id().equals("cache-b")) {
      assertThat(holder.current().route("user:42")).isEqualTo(owner);
    }
  }
}
