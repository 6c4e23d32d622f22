package io.ringmesh.cluster;

import java.util.concurrent.CompletableFuture;

/** The service of the routing tests: every method answers with the id of the node that ran it. */
public interface Kv {
  String owner(@RouteKey String key);

  @Idempotent
  String ownerIdem(@RouteKey String key);

  CompletableFuture<String> ownerAsync(@RouteKey String key);

  @Idempotent
  CompletableFuture<String> ownerIdemAsync(@RouteKey String key);

  /** Key-less. */
  String any();

  /** Key-less; blocks on the node until the test releases it. */
  String hold();

  /** Keyed; blocks on the node until the test releases it. */
  String holdKey(@RouteKey String key);

  /** Keyed; answers once the test releases it. */
  CompletableFuture<String> holdKeyAsync(@RouteKey String key);

  /** On a node told to crash, the node dies while running the call. */
  String crash(@RouteKey String key);

  @Idempotent
  String crashIdem(@RouteKey String key);

  @Idempotent
  CompletableFuture<String> crashIdemAsync(@RouteKey String key);
}
