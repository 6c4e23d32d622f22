package io.ringmesh.bench.rpc;

import java.util.Arrays;
import java.util.stream.Collectors;

/** The server stacks measured, with the names used in reports. */
enum Stack {
  /** Ringmesh RPC, handlers on virtual threads (its default). */
  RINGMESH("ringmesh"),
  /** Ringmesh RPC, handlers on the event loop. */
  RINGMESH_DIRECT("ringmesh-direct"),
  /** gRPC-java with its default server executor. */
  GRPC("grpc"),
  /** gRPC-java with {@code directExecutor()}. */
  GRPC_DIRECT("grpc-direct"),
  /** A raw Netty length-prefixed echo: the transport's practical limit. */
  NETTY("netty");

  final String id;

  Stack(String id) {
    this.id = id;
  }

  static Stack parse(String id) {
    for (Stack s : values()) {
      if (s.id.equals(id)) {
        return s;
      }
    }
    throw new IllegalArgumentException(
        "unknown stack '"
            + id
            + "'; choose from "
            + Arrays.stream(values()).map(s -> s.id).collect(Collectors.joining(", ")));
  }
}
