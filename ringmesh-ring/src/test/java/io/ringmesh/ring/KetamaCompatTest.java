package io.ringmesh.ring;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Proxy;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import net.spy.memcached.DefaultHashAlgorithm;
import net.spy.memcached.KetamaNodeLocator;
import net.spy.memcached.MemcachedNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * KETAMA_COMPAT against the real thing: spymemcached's {@code KetamaNodeLocator}, the ketama
 * locator of the Java memcached clients, run in the same test on the same server lists and keys.
 */
class KetamaCompatTest {

  private static MemcachedNode memcachedNode(String ip, int port) {
    InetSocketAddress address = new InetSocketAddress(ip, port);
    return (MemcachedNode)
        Proxy.newProxyInstance(
            MemcachedNode.class.getClassLoader(),
            new Class<?>[] {MemcachedNode.class},
            (proxy, method, args) ->
                switch (method.getName()) {
                  case "getSocketAddress" -> address;
                  case "hashCode" -> System.identityHashCode(proxy);
                  case "equals" -> proxy == args[0];
                  case "toString" -> address.toString();
                  default -> throw new UnsupportedOperationException(method.getName());
                });
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 3, 10, 64})
  void everyKeyLandsWhereSpymemcachedPutsIt(int servers) {
    List<MemcachedNode> spyNodes = new ArrayList<>();
    HashRingBuilder<String> ours = HashRing.<String>builder().algorithm(Algorithm.KETAMA_COMPAT);
    for (int i = 0; i < servers; i++) {
      String ip = "192.168." + (i / 200) + "." + (i % 200 + 10);
      int port = 11211 + i % 3;
      spyNodes.add(memcachedNode(ip, port));
      ours.node(Node.of(ip + ":" + port));
    }
    KetamaNodeLocator locator = new KetamaNodeLocator(spyNodes, DefaultHashAlgorithm.KETAMA_HASH);
    HashRing<String> ring = ours.build();
    for (int i = 0; i < 10_000; i++) {
      String key = GoldenVectors.key(i);
      InetSocketAddress expected = (InetSocketAddress) locator.getPrimary(key).getSocketAddress();
      String expectedId = expected.getAddress().getHostAddress() + ":" + expected.getPort();
      assertThat(ring.route(key).id()).as("server for key %s", key).isEqualTo(expectedId);
    }
  }

  @Test
  void keyHashIsKetamasMd5Point() {
    HashRing<String> ring =
        HashRing.<String>builder().algorithm(Algorithm.KETAMA_COMPAT).node(Node.of("a:1")).build();
    for (int i = 0; i < 1_000; i++) {
      String key = GoldenVectors.key(i);
      assertThat(ring.hash(key)).isEqualTo(DefaultHashAlgorithm.KETAMA_HASH.hash(key));
    }
  }
}
