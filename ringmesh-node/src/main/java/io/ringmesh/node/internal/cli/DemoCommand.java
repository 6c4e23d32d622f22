package io.ringmesh.node.internal.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.ringmesh.node.internal.demo.Demo;
import io.ringmesh.node.internal.demo.DemoCluster;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ringmesh demo}: starts a real local cluster and runs {@link Demo}'s phases on it, then
 * leaves it up with its dashboard until Ctrl-C or {@code --duration}.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = {
      "Start a local cluster (3 coordinators and 4 service nodes, each a process) running an"
          + " example price service with a cache, and show what Ringmesh does: cache hit rates"
          + " routed by the ring against round-robin, a node killed mid-load, and locks that"
          + " fence a shared counter while a coordinator dies.",
      "Everything lives in a temporary directory that is removed on exit; no process outlives"
          + " the demo. Exit code 0 when every check held, 1 when one failed."
    })
final class DemoCommand implements Callable<Integer> {
  @Option(
      names = "--duration",
      converter = DurationConverter.class,
      description =
          "Exit once this long has passed since the start (the phases always finish first);"
              + " without it the cluster stays up until Ctrl-C.")
  @Nullable Duration duration;

  @Option(names = "--json", description = "Also print the summary as one JSON object at the end.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    long start = System.nanoTime();
    Demo.Summary s;
    try (DemoCluster cluster = DemoCluster.create()) {
      Demo demo = new Demo(System.out, System.err);
      try {
        s =
            demo.run(
                cluster,
                () ->
                    System.out.printf(
                        "Dashboard: %s/  (any node's admin port serves it)%n",
                        cluster.dashboardUrl()));
      } catch (IllegalStateException e) {
        throw new CommandFailedException("the demo could not run: " + e.getMessage());
      }
      printSummary(s);
      if (json) {
        System.out.println(new ObjectMapper().writeValueAsString(s.toJson()));
      }
      System.out.flush();
      if (duration == null) {
        System.err.printf(
            "The cluster and dashboard (%s/) stay up; stop with Ctrl-C.%n", cluster.dashboardUrl());
        new CountDownLatch(1).await();
      } else {
        long left = duration.toNanos() - (System.nanoTime() - start);
        if (left > 0) {
          System.err.printf(
              "The cluster and dashboard (%s/) stay up for %d s more.%n",
              cluster.dashboardUrl(), Duration.ofNanos(left).toSeconds());
          Thread.sleep(Duration.ofNanos(left)); // the user asked for this long
        }
      }
      System.err.println("Stopping the cluster ...");
    }
    return s.checksFailed.isEmpty() ? 0 : 1;
  }

  private static void printSummary(Demo.Summary s) {
    System.out.println();
    System.out.println("Summary");
    System.out.println("-------");
    Map<String, Object> m = s.toJson();
    m.forEach(
        (k, v) -> {
          if (!k.equals("checks_failed")) {
            System.out.printf("  %-28s %s%n", k, v);
          }
        });
    if (s.checksFailed.isEmpty()) {
      System.out.println("  every check held");
    } else {
      s.checksFailed.forEach(c -> System.out.println("  CHECK FAILED: " + c));
    }
  }
}
