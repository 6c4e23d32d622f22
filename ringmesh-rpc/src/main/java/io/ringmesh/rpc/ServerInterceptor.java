package io.ringmesh.rpc;

/**
 * Runs before every handler of a server: authentication, authorization, metrics, tracing.
 * Interceptors run in the order they were added, on the thread that then runs the handler (a
 * virtual thread by default, the I/O thread in direct mode), so a thread-local set here is visible
 * to the handler.
 *
 * <p>To refuse a call, throw an {@link RpcException} (for example {@link Status#UNAUTHENTICATED});
 * the caller receives its status and message and the handler does not run. Any other exception
 * refuses the call with {@link Status#INTERNAL}. To observe the outcome, register {@link
 * ServerCall#onComplete}.
 *
 * <p>Implementations must be thread-safe: one instance sees all calls concurrently.
 */
@FunctionalInterface
public interface ServerInterceptor {
  /** Inspects {@code call} before its handler runs; throws {@link RpcException} to refuse it. */
  void interceptCall(ServerCall call);
}
