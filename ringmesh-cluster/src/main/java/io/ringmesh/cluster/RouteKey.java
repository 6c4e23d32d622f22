package io.ringmesh.cluster;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks the argument a call is routed by: calls with equal keys go to the same node while
 * membership is unchanged. At most one parameter of a method may carry it.
 *
 * <p>The key may be a {@code CharSequence} (hashed as UTF-8), a {@code byte[]}, a primitive or its
 * box, a {@code UUID} or an enum constant (hashed as the UTF-8 of {@code toString()}, or of {@code
 * name()} for enums). Other types are refused when the proxy is created, since their {@code
 * toString} need not agree between processes. A null key fails the call with {@code
 * INVALID_ARGUMENT}.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.PARAMETER)
public @interface RouteKey {}
