package io.ringmesh.cluster;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Declares that running a method twice is as good as running it once, so a call whose attempt
 * failed with {@code UNAVAILABLE} or {@code RESOURCE_EXHAUSTED} may be tried on the next node even
 * if the first one might have run it. Without it a call moves on only when the server certainly did
 * not run it ({@link io.ringmesh.rpc.RpcException#notExecuted()}).
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface Idempotent {}
