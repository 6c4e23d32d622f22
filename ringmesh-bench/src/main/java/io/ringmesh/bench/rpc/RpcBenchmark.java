package io.ringmesh.bench.rpc;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the RPC benchmark: for each stack, a server JVM and a client JVM started with the same
 * flags, every cell measured with the same warm-up. Prints each cell as one JSON object on standard
 * output and progress on standard error.
 *
 * <p>Usage: {@code RpcBenchmark [--quick] [--stacks a,b,...]}.
 */
public final class RpcBenchmark {
  private RpcBenchmark() {}

  /** Cells: payload bytes x outstanding calls. */
  static final List<String> CELLS = List.of("16x1", "16x64", "1024x1", "1024x64");

  /** The flags of every server and client JVM. */
  static final List<String> JVM_FLAGS =
      List.of(
          "-Xms1g",
          "-Xmx1g",
          "-XX:+UseG1GC",
          "-Dio.netty.leakDetectionLevel=disabled",
          "--enable-native-access=ALL-UNNAMED",
          "--sun-misc-unsafe-memory-access=allow");

  public static void main(String[] args) throws Exception {
    boolean quick = false;
    List<Stack> stacks = new ArrayList<>(List.of(Stack.values()));
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--quick" -> quick = true;
        case "--stacks" -> {
          stacks.clear();
          for (String s : args[++i].split(",")) {
            stacks.add(Stack.parse(s.trim()));
          }
        }
        default -> {
          System.err.println("usage: RpcBenchmark [--quick] [--stacks ringmesh,grpc,...]");
          System.exit(2);
        }
      }
    }
    long prewarmMs = quick ? 8_000 : 20_000;
    long warmupMs = quick ? 1_000 : 3_000;
    long measureMs = quick ? 1_500 : 10_000;
    for (Stack stack : stacks) {
      runStack(stack, prewarmMs, warmupMs, measureMs);
    }
  }

  private static void runStack(Stack stack, long prewarmMs, long warmupMs, long measureMs)
      throws IOException, InterruptedException {
    System.err.println("bench rpc: " + stack.id + " (server and client JVMs)");
    Process server = start(RpcBenchServer.class, List.of(stack.id));
    try {
      BufferedReader out =
          new BufferedReader(
              new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
      String port = readPort(out, stack);
      List<String> clientArgs =
          new ArrayList<>(List.of(stack.id, port, "" + prewarmMs, "" + warmupMs, "" + measureMs));
      clientArgs.addAll(CELLS);
      Process client = start(RpcBenchClient.class, clientArgs);
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
            "the " + stack.id + " client failed (exit " + client.exitValue() + ")");
      }
    } finally {
      OutputStream stdin = server.getOutputStream();
      stdin.close(); // tells the server to stop
      if (!server.waitFor(15, TimeUnit.SECONDS)) {
        server.destroyForcibly();
      }
    }
  }

  /** The port a server prints on its first line ({@code PORT <n>}). */
  static String readPort(BufferedReader serverOut, Stack stack) throws IOException {
    String line = serverOut.readLine();
    if (line == null || !line.startsWith("PORT ")) {
      throw new IllegalStateException(
          "the " + stack.id + " server did not report its port (got: " + line + ")");
    }
    return line.substring(5).trim();
  }

  /** Starts {@code main} in a JVM with {@link #JVM_FLAGS} and this JVM's class path. */
  static Process start(Class<?> main, List<String> args) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(JVM_FLAGS);
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(main.getName());
    cmd.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.redirectError(ProcessBuilder.Redirect.INHERIT);
    return pb.start();
  }
}
