package io.ringmesh.bench.rpc;

import io.ringmesh.cluster.ClusterClient;
import io.ringmesh.cluster.ServiceInstance;
import io.ringmesh.cluster.StaticDiscovery;
import io.ringmesh.rpc.Endpoint;
import io.ringmesh.rpc.RpcClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * The routing-overhead client: three callers over one {@link RpcClient}, hence one connection to
 * the same server, measured in turn with the RPC benchmark's closed loop. {@code direct} calls a
 * plain RPC proxy of the node; {@code routed} calls a {@link ClusterClient} proxy whose ring holds
 * that one node, keyed by the payload, so the only difference is key extraction, the ring lookup,
 * the retry budget and the in-flight accounting; {@code routed-bounded} adds bounded loads. Each
 * repetition runs all three, in an order rotated by one per repetition, so that drift in the
 * machine's load shows in every system alike. Prints one JSON object per system and repetition.
 *
 * <p>Usage: {@code RoutingBenchClient <server-stack> <port> <prewarm-ms> <warmup-ms> <measure-ms>
 * <repetitions> <payload>x<outstanding>}.
 */
public final class RoutingBenchClient {
  private RoutingBenchClient() {}

  /** The systems, in their order in the first repetition. */
  static final List<String> SYSTEMS = List.of("direct", "routed", "routed-bounded");

  public static void main(String[] args) throws Exception {
    if (args.length != 7) {
      System.err.println(
          "usage: RoutingBenchClient <server-stack> <port> <prewarm-ms> <warmup-ms> <measure-ms>"
              + " <repetitions> <payload>x<outstanding>");
      System.exit(2);
    }
    Stack server = Stack.parse(args[0]);
    int port = Integer.parseInt(args[1]);
    Duration prewarm = Duration.ofMillis(Long.parseLong(args[2]));
    Duration warmup = Duration.ofMillis(Long.parseLong(args[3]));
    Duration measure = Duration.ofMillis(Long.parseLong(args[4]));
    int repetitions = Integer.parseInt(args[5]);
    String[] cell = args[6].split("x");
    int payload = Integer.parseInt(cell[0]);
    int outstanding = Integer.parseInt(cell[1]);

    Endpoint endpoint = Endpoint.of("127.0.0.1", port);
    StaticDiscovery discovery = new StaticDiscovery();
    discovery.update("bench.Echo", List.of(ServiceInstance.of("node-1", endpoint)));
    try (RpcClient rpc = RpcClient.builder().defaultDeadline(Duration.ofSeconds(10)).build();
        ClusterClient routed =
            ClusterClient.builder()
                .discovery(discovery)
                .rpcClient(rpc)
                .defaultDeadline(Duration.ofSeconds(10))
                .build();
        ClusterClient bounded =
            ClusterClient.builder()
                .discovery(discovery)
                .rpcClient(rpc)
                .defaultDeadline(Duration.ofSeconds(10))
                .boundedLoads(Echo.RoutedService.class, 0.25)
                .build()) {
      Echo.AsyncService directProxy = rpc.proxy(Echo.AsyncService.class, endpoint);
      Echo.RoutedService routedProxy = routed.proxy(Echo.RoutedService.class);
      Echo.RoutedService boundedProxy = bounded.proxy(Echo.RoutedService.class);
      List<Caller> callers =
          List.of(
              new ProxyCaller(p -> directProxy.echo(p)),
              new ProxyCaller(p -> routedProxy.echo(p)),
              new ProxyCaller(p -> boundedProxy.echo(p)));
      // Every system's path compiled before the first measurement, in short turns.
      long turns = Math.max(1, prewarm.toMillis() / (1_000L * callers.size()));
      Duration turn = prewarm.dividedBy(turns * callers.size());
      for (long t = 0; t < turns; t++) {
        for (Caller c : callers) {
          new RpcBenchClient.ClosedLoop(c, payload, outstanding).run(turn, Duration.ofMillis(1));
        }
      }
      for (int rep = 1; rep <= repetitions; rep++) {
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < callers.size(); i++) {
          order.add((i + rep - 1) % callers.size());
        }
        for (int i : order) {
          RpcBenchClient.Result r =
              new RpcBenchClient.ClosedLoop(callers.get(i), payload, outstanding)
                  .run(warmup, measure);
          System.out.println(json(server, SYSTEMS.get(i), rep, payload, outstanding, r));
          System.out.flush();
        }
      }
    }
  }

  static String json(
      Stack server, String system, int rep, int payload, int outstanding, RpcBenchClient.Result r) {
    return String.format(
        Locale.ROOT,
        "{\"server\":\"%s\",\"system\":\"%s\",\"rep\":%d,\"payload_bytes\":%d,"
            + "\"outstanding\":%d,\"calls_per_s\":%.0f,\"p50_us\":%.1f,\"p99_us\":%.1f,"
            + "\"client_cpu_ns_per_call\":%.0f,\"client_alloc_bytes_per_call\":%.0f}",
        server.id,
        system,
        rep,
        payload,
        outstanding,
        r.callsPerSecond(),
        r.latencyNanos().getValueAtPercentile(50) / 1000.0,
        r.latencyNanos().getValueAtPercentile(99) / 1000.0,
        r.cpuNanosPerCall(),
        r.allocatedBytesPerCall());
  }

  /** An async proxy call; futures complete on the RPC client's event loop. */
  private record ProxyCaller(
      java.util.function.Function<byte[], java.util.concurrent.CompletableFuture<byte[]>> echo)
      implements Caller {
    @Override
    public void call(byte[] payload, Consumer<@Nullable Throwable> done) {
      echo.apply(payload).whenComplete((r, t) -> done.accept(t));
    }

    @Override
    public void close() {
      // the clients are closed by main
    }
  }
}
