package io.ringmesh.cluster;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;

/** What the routed-call tests share: in-process clusters and clients, closed after each test. */
abstract class RoutedCallsTestBase {
  private final List<AutoCloseable> closeables = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (int i = closeables.size() - 1; i >= 0; i--) {
      closeables.get(i).close();
    }
  }

  /** Closes {@code c} after the test, before what was registered earlier. */
  <T extends AutoCloseable> T closeLater(T c) {
    closeables.add(c);
    return c;
  }

  TestCluster cluster(int n) {
    return closeLater(new TestCluster(n));
  }
}
