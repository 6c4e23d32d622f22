package io.ringmesh.rpc;

/**
 * Runs before every call of a client, on the calling thread, in the order interceptors were added:
 * attach credentials or trace ids as metadata, count calls, time them with {@link
 * ClientCall#onComplete}. Throwing an {@link RpcException} fails the call before it is sent (its
 * {@link RpcException#neverSent()} is true).
 *
 * <p>Implementations must be thread-safe: one instance sees all calls concurrently.
 */
@FunctionalInterface
public interface ClientInterceptor {
  /** Inspects or amends {@code call} before it is sent. */
  void interceptCall(ClientCall call);
}
