package io.ringmesh.rpc.testing;

import io.netty.util.ResourceLeakDetector;
import io.netty.util.ResourceLeakDetectorFactory;
import java.util.ArrayList;
import java.util.List;
import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

/**
 * Installs, before any test class runs, a Netty leak detector that records every leak it finds, so
 * that {@link NettyLeakCheck} can fail the test instead of leaving a log line nobody reads.
 * Registered through {@code META-INF/services}; the paranoid level comes from the surefire argLine.
 */
public final class LeakRecorder implements LauncherSessionListener {
  private static final List<String> LEAKS = new ArrayList<>();
  private static volatile boolean installed;

  @Override
  public void launcherSessionOpened(LauncherSession session) {
    install();
  }

  /** Installs the recording factory; idempotent. */
  public static synchronized void install() {
    if (installed) {
      return;
    }
    installed = true;
    ResourceLeakDetectorFactory.setResourceLeakDetectorFactory(
        new ResourceLeakDetectorFactory() {
          @Override
          public <T> ResourceLeakDetector<T> newResourceLeakDetector(
              Class<T> resource, int samplingInterval) {
            return new Recording<>(resource, samplingInterval);
          }

          // Abstract, hence implemented, though Netty deprecated it for the overload above.
          @Override
          @SuppressWarnings("deprecation")
          public <T> ResourceLeakDetector<T> newResourceLeakDetector(
              Class<T> resource, int samplingInterval, long maxActive) {
            return new Recording<>(resource, samplingInterval);
          }
        });
  }

  /** True if this recorder's factory was installed. */
  public static boolean isInstalled() {
    return installed;
  }

  /** The leaks recorded since the last call, emptied. */
  public static List<String> drain() {
    synchronized (LEAKS) {
      List<String> out = new ArrayList<>(LEAKS);
      LEAKS.clear();
      return out;
    }
  }

  private static final class Recording<T> extends ResourceLeakDetector<T> {
    Recording(Class<T> resource, int samplingInterval) {
      super(resource, samplingInterval);
    }

    @Override
    protected boolean needReport() {
      return true;
    }

    @Override
    protected void reportTracedLeak(String resourceType, String records) {
      record("LEAK: " + resourceType + " was not released. Recent access records:" + records);
    }

    @Override
    protected void reportUntracedLeak(String resourceType) {
      record("LEAK: " + resourceType + " was not released (no access records)");
    }

    private static void record(String leak) {
      synchronized (LEAKS) {
        LEAKS.add(leak);
      }
    }
  }
}
