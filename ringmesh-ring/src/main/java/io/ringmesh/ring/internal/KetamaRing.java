package io.ringmesh.ring.internal;

import io.ringmesh.ring.Node;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * {@link io.ringmesh.ring.Algorithm#KETAMA_COMPAT}: libketama's continuum, point for point.
 *
 * <h2>What libketama does, and we repeat</h2>
 *
 * <ul>
 *   <li>Server {@code i} of {@code n}, with weight {@code w} of total {@code W}, gets {@code ks =
 *       floorf(pct * 40.0 * (float) n)} digests, where {@code pct = (float) w / (float) W}. The
 *       product is computed in double and rounded to float by {@code floorf}'s parameter; we
 *       reproduce those roundings, since with equal weights they decide between 39 and 40.
 *   <li>Digest {@code k} is MD5 of {@code "ip:port-k"}; its 16 bytes give four points, each four
 *       bytes read little-endian as an unsigned 32-bit value.
 *   <li>A key's position is the first four bytes of MD5(key), little-endian; it belongs to the
 *       first point at or above it, wrapping to the lowest point. spymemcached's {@code
 *       KetamaNodeLocator} does the same with {@code TreeMap.ceilingKey}.
 * </ul>
 *
 * <p>Two servers on the same 32-bit point are ordered arbitrarily by libketama's {@code qsort}; we
 * order them by id. Such a collision is rare (about P<sup>2</sup>/2<sup>33</sup> for P points).
 */
final class KetamaRing<P> extends AbstractRing<P> {
  /** Point (unsigned 32 bits) in the high word, owner rank in the low word; ascending. */
  private final long[] points;

  KetamaRing(RingSettings settings, Node<P>[] sortedNodes) {
    super(settings, sortedNodes);
    double totalWeight = 0;
    for (Node<P> node : sortedNodes) {
      if (node.id().lastIndexOf(':') <= 0) {
        throw new IllegalArgumentException(
            "KETAMA_COMPAT node id '"
                + node.id()
                + "' must be the server's ip:port, the string libketama hashes");
      }
      totalWeight += node.weight();
    }
    int n = sortedNodes.length;
    List<long[]> chunks = new ArrayList<>(n);
    int total = 0;
    MessageDigest md5 = md5();
    for (int r = 0; r < n; r++) {
      float pct = (float) sortedNodes[r].weight() / (float) totalWeight;
      int ks = (int) Math.floor((float) (pct * 40.0 * (float) n));
      long[] mine = new long[ks * 4];
      for (int k = 0; k < ks; k++) {
        byte[] digest =
            md5.digest((sortedNodes[r].id() + "-" + k).getBytes(StandardCharsets.US_ASCII));
        for (int h = 0; h < 4; h++) {
          mine[k * 4 + h] = (littleEndian32(digest, h * 4) << 32) | r;
        }
      }
      chunks.add(mine);
      total += mine.length;
    }
    long[] all = new long[total];
    int p = 0;
    for (long[] chunk : chunks) {
      System.arraycopy(chunk, 0, all, p, chunk.length);
      p += chunk.length;
    }
    // Points are < 2^32, so the packed longs are non-negative and sort as unsigned.
    Arrays.sort(all);
    this.points = all;
  }

  /** {@code MessageDigest.getInstance} costs more than the digest of a short key; reuse one. */
  private static final ThreadLocal<MessageDigest> MD5 = ThreadLocal.withInitial(KetamaRing::newMd5);

  private static MessageDigest newMd5() {
    try {
      return MessageDigest.getInstance("MD5");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this JVM has no MD5, which KETAMA_COMPAT needs", e);
    }
  }

  private static MessageDigest md5() {
    return MD5.get();
  }

  private static long littleEndian32(byte[] b, int off) {
    return (b[off] & 0xFFL)
        | (b[off + 1] & 0xFFL) << 8
        | (b[off + 2] & 0xFFL) << 16
        | (b[off + 3] & 0xFFL) << 24;
  }

  /** ketama's key hash: the first four bytes of MD5(key), little-endian, zero-extended. */
  @Override
  public long hash(byte[] key) {
    return littleEndian32(md5().digest(key), 0);
  }

  @Override
  public long hash(CharSequence key) {
    return hash(key.toString().getBytes(StandardCharsets.UTF_8));
  }

  private int successor(long keyHash) {
    long probe = (keyHash & 0xFFFF_FFFFL) << 32;
    int i = Arrays.binarySearch(points, probe);
    if (i < 0) {
      i = -i - 1;
    }
    return i == points.length ? 0 : i;
  }

  @Override
  int primaryRank(long keyHash) {
    if (points.length == 0) {
      throw new IllegalStateException(
          "KETAMA_COMPAT ring has no points: every server's share rounds to zero digests");
    }
    return (int) points[successor(keyHash)];
  }

  @Override
  public List<Node<P>> preferenceList(long keyHash, int k) {
    checkK(k);
    checkNotEmpty();
    int want = Math.min(k, nodes.length);
    List<Node<P>> out = new ArrayList<>(want);
    boolean[] seen = new boolean[nodes.length];
    int i = successor(keyHash);
    for (int steps = 0; out.size() < want && steps < points.length; steps++) {
      int rank = (int) points[i];
      if (!seen[rank]) {
        seen[rank] = true;
        out.add(nodes[rank]);
      }
      i = i + 1 == points.length ? 0 : i + 1;
    }
    // A server whose share rounded to zero digests has no point; append such servers by id.
    for (int r = 0; out.size() < want; r++) {
      if (!seen[r]) {
        out.add(nodes[r]);
      }
    }
    return out;
  }

  int pointCount() {
    return points.length;
  }

  @Override
  public long memoryBytes() {
    return 8L * points.length + 8L * idHashes.length;
  }
}
