package io.ringmesh.bench.rpc;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the routing-overhead benchmark: for each server stack, one echo server JVM and one {@link
 * RoutingBenchClient} JVM that measures direct and routed calls against it side by side, in
 * interleaved repetitions, in the RPC benchmark's 16 B x 64-outstanding cell. Prints one JSON
 * object per system and repetition on standard output and progress on standard error.
 *
 * <p>Usage: {@code RoutingBenchmark [--quick] [--servers ringmesh,ringmesh-direct]}.
 */
public final class RoutingBenchmark {
  private RoutingBenchmark() {}

  /** The cell: the RPC benchmark's 64-outstanding cell with the smaller payload. */
  static final String CELL = "16x64";

  public static void main(String[] args) throws Exception {
    boolean quick = false;
    List<Stack> servers = new ArrayList<>(List.of(Stack.RINGMESH, Stack.RINGMESH_DIRECT));
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--quick" -> quick = true;
        case "--servers" -> {
          servers.clear();
          for (String s : args[++i].split(",")) {
            Stack stack = Stack.parse(s.trim());
            if (stack != Stack.RINGMESH && stack != Stack.RINGMESH_DIRECT) {
              throw new IllegalArgumentException(
                  "routed calls need a Ringmesh server: ringmesh or ringmesh-direct, not " + s);
            }
            servers.add(stack);
          }
        }
        default -> {
          System.err.println("usage: RoutingBenchmark [--quick] [--servers ringmesh,...]");
          System.exit(2);
        }
      }
    }
    long prewarmMs = quick ? 3_000 : 15_000;
    long warmupMs = quick ? 500 : 2_000;
    long measureMs = quick ? 1_000 : 5_000;
    int repetitions = quick ? 1 : 5;
    for (Stack server : servers) {
      runServer(server, prewarmMs, warmupMs, measureMs, repetitions);
    }
  }

  private static void runServer(
      Stack stack, long prewarmMs, long warmupMs, long measureMs, int repetitions)
      throws IOException, InterruptedException {
    System.err.println("bench routing: " + stack.id + " server (server and client JVMs)");
    Process server = RpcBenchmark.start(RpcBenchServer.class, List.of(stack.id));
    try {
      BufferedReader out =
          new BufferedReader(
              new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
      String port = RpcBenchmark.readPort(out, stack);
      Process client =
          RpcBenchmark.start(
              RoutingBenchClient.class,
              List.of(
                  stack.id,
                  port,
                  "" + prewarmMs,
                  "" + warmupMs,
                  "" + measureMs,
                  "" + repetitions,
                  CELL));
      try (BufferedReader results =
          new BufferedReader(
              new InputStreamReader(client.getInputStream(), StandardCharsets.UTF_8))) {
        for (String r = results.readLine(); r != null; r = results.readLine()) {
          System.out.println(r);
          System.out.flush();
        }
      }
      if (client.waitFor() != 0) {
        throw new IllegalStateException(
            "the routing client failed (exit " + client.exitValue() + ")");
      }
    } finally {
      server.getOutputStream().close(); // tells the server to stop
      if (!server.waitFor(15, TimeUnit.SECONDS)) {
        server.destroyForcibly();
      }
    }
  }
}
