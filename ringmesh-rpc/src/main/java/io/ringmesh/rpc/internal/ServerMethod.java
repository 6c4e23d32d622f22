package io.ringmesh.rpc.internal;

import java.lang.invoke.MethodHandle;

/**
 * A method bound to its implementation on a server. Immutable and thread-safe.
 *
 * @param method the method
 * @param invoker {@code (Object[]) -> Object}: calls the implementation with spread arguments
 */
record ServerMethod(RpcMethod method, MethodHandle invoker) {}
