package io.ringmesh.rpc.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import org.junit.jupiter.api.Test;

/** The leak check itself must catch a leak, or a green suite proves nothing. */
class LeakCheckSelfTest {
  @Test
  void aLeakedBufferIsReported() throws Exception {
    leak();
    java.util.List<String> leaks = NettyLeakCheck.collect();
    assertThat(leaks).isNotEmpty();
    assertThat(leaks.get(0)).contains("LEAK").contains("leak");
  }

  private static void leak() {
    ByteBuf b = ByteBufAllocator.DEFAULT.buffer(16);
    b.writeLong(42); // recorded access, so the report names this method
    // dropped without release()
  }
}
