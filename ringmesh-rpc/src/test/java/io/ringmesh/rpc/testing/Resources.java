package io.ringmesh.rpc.testing;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Closes what a test opened, last first, even when the test failed: use as a field with {@code
 * AfterEach} calling {@link #close()}.
 */
public final class Resources implements AutoCloseable {
  private final Deque<AutoCloseable> open = new ArrayDeque<>();

  /** Registers {@code resource} for closing and returns it. */
  public <T extends AutoCloseable> T add(T resource) {
    open.push(resource);
    return resource;
  }

  @Override
  public void close() {
    Exception first = null;
    while (!open.isEmpty()) {
      try {
        open.pop().close();
      } catch (Exception e) {
        if (first == null) {
          first = e;
        } else {
          first.addSuppressed(e);
        }
      }
    }
    if (first != null) {
      throw new IllegalStateException("closing a test resource failed: " + first, first);
    }
  }
}
