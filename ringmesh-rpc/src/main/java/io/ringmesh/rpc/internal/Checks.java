package io.ringmesh.rpc.internal;

/** Validation shared by the server and client builders; messages name the setting. Stateless. */
public final class Checks {
  private Checks() {}

  /** {@code bytes} if it is a valid frame limit. */
  public static int frameLimit(int bytes) {
    if (bytes < 1024 || bytes > Frames.MAX_FRAME_LIMIT) {
      throw new IllegalArgumentException(
          "maxFrameBytes " + bytes + " is outside 1024.." + Frames.MAX_FRAME_LIMIT);
    }
    return bytes;
  }

  /** {@code threads} if it is a valid I/O thread count. */
  public static int ioThreads(int threads) {
    if (threads < 1) {
      throw new IllegalArgumentException("ioThreads must be at least 1, was " + threads);
    }
    return threads;
  }
}
