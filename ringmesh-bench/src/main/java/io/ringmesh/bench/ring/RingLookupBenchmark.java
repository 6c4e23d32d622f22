package io.ringmesh.bench.ring;

import com.dynatrace.hash4j.consistent.ConsistentBucketHasher;
import com.dynatrace.hash4j.consistent.ConsistentHashing;
import com.google.common.hash.Hashing;
import io.ringmesh.ring.Algorithm;
import io.ringmesh.ring.HashRing;
import io.ringmesh.ring.HashRingBuilder;
import io.ringmesh.ring.KeyHash;
import io.ringmesh.ring.Node;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Nanoseconds to route one random 16-byte key, hashing included, at n nodes. Keys cycle through a
 * table of 2<sup>16</sup> random keys, so lookups touch the structure as real traffic does.
 *
 * <p>Peers: {@code guava-jump} is Guava's {@code Hashing.consistentHash} (jump hash; only the last
 * bucket can be removed), {@code hash4j-jumpback} is hash4j's JumpBackHash (likewise), both fed the
 * same XXH3 key hash; {@code dubbo-treemap} is a ketama TreeMap ring queried as Dubbo does, with
 * MD5 per key; {@code treemap-xxh3} is the same TreeMap with our XXH3 key hash, which separates the
 * data structure's cost from MD5's.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class RingLookupBenchmark {

  @Param({
    "RING",
    "KETAMA_COMPAT",
    "MAGLEV",
    "RENDEZVOUS",
    "MEMENTO",
    "guava-jump",
    "hash4j-jumpback",
    "dubbo-treemap",
    "treemap-xxh3"
  })
  public String algorithm;

  @Param({"10", "100", "1000", "10000"})
  public int nodes;

  private static final int KEY_MASK = (1 << 16) - 1;
  private byte[][] keys;
  private HashRing<String> ring;
  private DubboStyleRing dubbo;
  private ConsistentBucketHasher jumpBack;
  private int index;

  static List<String> addresses(int n) {
    List<String> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add("10." + (i / 62500) + "." + (i / 250 % 250) + "." + (i % 250 + 1) + ":20880");
    }
    return out;
  }

  /** The default Maglev table when it is at least 10x the nodes, else a prime of 100x. */
  static int maglevTable(int n) {
    return 10L * n <= 65_537 ? 65_537 : 1_000_003;
  }

  @Setup(Level.Trial)
  public void setUp() {
    SplittableRandom rnd = new SplittableRandom(2024);
    keys = new byte[KEY_MASK + 1][16];
    for (byte[] k : keys) {
      rnd.nextBytes(k);
    }
    switch (algorithm) {
      case "guava-jump" -> {}
      case "hash4j-jumpback" -> jumpBack = ConsistentHashing.jumpBackHashSplitMix64();
      case "dubbo-treemap" -> dubbo = new DubboStyleRing(addresses(nodes), true);
      case "treemap-xxh3" -> dubbo = new DubboStyleRing(addresses(nodes), false);
      default -> {
        Algorithm a = Algorithm.valueOf(algorithm);
        HashRingBuilder<String> b = HashRing.<String>builder().algorithm(a);
        if (a == Algorithm.MAGLEV) {
          b.maglevTableSize(maglevTable(nodes));
        }
        for (String address : addresses(nodes)) {
          b.node(Node.of(address));
        }
        ring = b.build();
      }
    }
  }

  private byte[] nextKey() {
    return keys[index++ & KEY_MASK];
  }

  @Benchmark
  public Object lookup() {
    byte[] key = nextKey();
    return switch (algorithm) {
      case "guava-jump" -> Hashing.consistentHash(KeyHash.of(key), nodes);
      case "hash4j-jumpback" -> jumpBack.getBucket(KeyHash.of(key), nodes);
      case "dubbo-treemap" -> dubbo.select(key, 0);
      case "treemap-xxh3" -> dubbo.select(key, KeyHash.of(key));
      default -> ring.route(key);
    };
  }
}
