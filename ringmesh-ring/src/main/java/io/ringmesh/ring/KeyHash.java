package io.ringmesh.ring;

import com.dynatrace.hash4j.hashing.Hasher64;
import com.dynatrace.hash4j.hashing.Hashing;
import java.nio.charset.StandardCharsets;

/**
 * The key hash of every algorithm except {@link Algorithm#KETAMA_COMPAT}: XXH3-64 with seed 0.
 * Character keys hash as their UTF-8 bytes, so {@code of("k")} equals {@code
 * of("k".getBytes(UTF_8))} and clients in other languages can reproduce routing. Thread-safe.
 */
public final class KeyHash {
  private static final Hasher64 XXH3 = Hashing.xxh3_64();

  private KeyHash() {}

  /** XXH3-64, seed 0, of {@code key}. */
  public static long of(byte[] key) {
    return XXH3.hashBytesToLong(key);
  }

  /** XXH3-64, seed 0, of the UTF-8 encoding of {@code key}. */
  public static long of(CharSequence key) {
    return XXH3.hashBytesToLong(key.toString().getBytes(StandardCharsets.UTF_8));
  }
}
