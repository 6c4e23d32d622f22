package io.ringmesh.rpc.testing;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.List;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test during which Netty found a leaked buffer. After each test it runs a garbage
 * collection, waits for reference processing to finish (a sentinel weak reference is enqueued),
 * then allocates buffers so that the detector polls its queue and reports what it found. Registered
 * for every test through {@code META-INF/services} (extension auto-detection is on in the POM).
 */
public final class NettyLeakCheck implements AfterEachCallback {
  @Override
  public void afterEach(ExtensionContext context) throws Exception {
    if (!LeakRecorder.isInstalled()) {
      throw new AssertionError("the leak recorder was not installed before the tests ran");
    }
    List<String> leaks = collect();
    if (!leaks.isEmpty()) {
      throw new AssertionError(
          leaks.size() + " Netty buffer leak(s) detected:\n" + String.join("\n\n", leaks));
    }
  }

  /** Collects garbage and returns the leaks reported. */
  public static List<String> collect() throws InterruptedException {
    for (int round = 0; round < 2; round++) {
      ReferenceQueue<Object> queue = new ReferenceQueue<>();
      WeakReference<Object> sentinel = new WeakReference<>(new Object(), queue);
      System.gc();
      if (queue.remove(2_000) == null) {
        throw new AssertionError("reference processing did not run within 2 s of System.gc()");
      }
      sentinel.clear();
      for (ByteBufAllocator alloc :
          List.of(ByteBufAllocator.DEFAULT, UnpooledByteBufAllocator.DEFAULT)) {
        ByteBuf probe = alloc.buffer(8);
        probe.release();
      }
    }
    return LeakRecorder.drain();
  }
}
