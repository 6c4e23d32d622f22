package io.ringmesh.bench.rpc;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/** Encode plus decode of a representative record, per codec candidate (see CodecCandidates). */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class CodecBenchmark {
  @Param({"tagged", "kryo", "fory"})
  public String codec;

  private CodecCandidates.Candidate candidate;
  private CodecCandidates.Order order;

  @Setup
  public void setUp() {
    order = CodecCandidates.sample();
    candidate =
        switch (codec) {
          case "tagged" -> CodecCandidates.tagged("put");
          case "kryo" -> CodecCandidates.kryo(CodecCandidates.ProfileV1.class);
          case "fory" -> CodecCandidates.fory(CodecCandidates.ProfileV1.class);
          default -> throw new IllegalArgumentException(codec);
        };
    if (!candidate.decode(candidate.encode(order)).equals(order)) {
      throw new IllegalStateException(codec + " does not round-trip the sample order");
    }
  }

  @Benchmark
  public Object roundTrip() {
    return candidate.decode(candidate.encode(order));
  }
}
