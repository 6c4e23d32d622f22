package io.ringmesh.bench.ring;

import io.ringmesh.ring.Algorithm;
import io.ringmesh.ring.HashRing;
import io.ringmesh.ring.HashRingBuilder;
import io.ringmesh.ring.Node;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Milliseconds to build a ring of n nodes from scratch. {@code RING-160} is RING at ketama's 160
 * points per node, the configuration of issue #3's build target; {@code dubbo-treemap} builds the
 * TreeMap ketama ring the way Dubbo's selector does on a membership change.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
public class RingBuildBenchmark {

  @Param({"RING-160", "RING", "KETAMA_COMPAT", "MAGLEV", "MEMENTO", "dubbo-treemap"})
  public String algorithm;

  @Param({"100", "1000"})
  public int nodes;

  private List<Node<String>> members;
  private List<String> addresses;

  @Setup
  public void setUp() {
    addresses = RingLookupBenchmark.addresses(nodes);
    members = new ArrayList<>();
    for (String a : addresses) {
      members.add(Node.of(a));
    }
  }

  @Benchmark
  public Object build() {
    return switch (algorithm) {
      case "dubbo-treemap" -> new DubboStyleRing(addresses, true);
      case "RING-160" -> HashRing.<String>builder().pointsPerWeight(160).nodes(members).build();
      default -> {
        HashRingBuilder<String> b =
            HashRing.<String>builder().algorithm(Algorithm.valueOf(algorithm)).nodes(members);
        yield b.build();
      }
    };
  }
}
