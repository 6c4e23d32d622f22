package io.ringmesh.rpc;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Names a service on the wire. Without it the name is the interface's binary name, so moving or
 * renaming the interface would make old and new peers disagree; with it the interface may move
 * freely, and a client may declare its own view of a service (say, with {@code CompletableFuture}
 * returns where the server's interface blocks) under the same name.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface RpcService {
  /** The service name, e.g. {@code "ringmesh.lock.v1.LockService"}. */
  String value();
}
