package io.ringmesh.bench.ring;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A ketama ring the way Apache Dubbo's {@code ConsistentHashLoadBalance.ConsistentHashSelector}
 * builds and queries it: 160 virtual nodes per invoker from 40 MD5 digests of {@code address + i},
 * four little-endian 32-bit points per digest, held in a {@code TreeMap}; a lookup MD5-hashes the
 * key and takes {@code ceilingEntry}, wrapping to {@code firstEntry}. Written from Dubbo's
 * documented behaviour for the benchmark; not Dubbo's code.
 */
final class DubboStyleRing {
  private final TreeMap<Long, String> virtualNodes = new TreeMap<>();
  private final boolean md5Keys;

  /**
   * @param md5Keys hash keys with MD5 as Dubbo does ({@code true}), or take a precomputed 64-bit
   *     hash, which isolates the cost of the TreeMap itself
   */
  DubboStyleRing(List<String> addresses, boolean md5Keys) {
    this.md5Keys = md5Keys;
    MessageDigest md5 = md5();
    for (String address : addresses) {
      for (int i = 0; i < 40; i++) {
        byte[] digest = md5.digest((address + i).getBytes(StandardCharsets.UTF_8));
        for (int h = 0; h < 4; h++) {
          virtualNodes.put(point(digest, h), address);
        }
      }
    }
  }

  private static MessageDigest md5() {
    try {
      return MessageDigest.getInstance("MD5");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static long point(byte[] digest, int h) {
    return ((long) (digest[3 + h * 4] & 0xFF) << 24)
        | ((long) (digest[2 + h * 4] & 0xFF) << 16)
        | ((long) (digest[1 + h * 4] & 0xFF) << 8)
        | (digest[h * 4] & 0xFF);
  }

  String select(byte[] key, long precomputedHash) {
    long hash = md5Keys ? point(md5().digest(key), 0) : precomputedHash & 0xFFFF_FFFFL;
    Map.Entry<Long, String> entry = virtualNodes.ceilingEntry(hash);
    if (entry == null) {
      entry = virtualNodes.firstEntry();
    }
    return entry.getValue();
  }
}
