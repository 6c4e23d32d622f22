package io.ringmesh.coord.internal;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;

/**
 * Input rules shared by the client, the coordinator and the state machine, so that each rejects the
 * same inputs with the same words.
 */
public final class Validation {
  /** The longest lock name, in UTF-8 bytes. */
  public static final int MAX_NAME_BYTES = 1024;

  /** The shortest session TTL. */
  public static final Duration MIN_TTL = Duration.ofSeconds(1);

  /** The longest session TTL. */
  public static final Duration MAX_TTL = Duration.ofHours(1);

  private Validation() {}

  /** What is wrong with a lock name, if anything. */
  public static Optional<String> checkName(String name) {
    if (name.isEmpty()) {
      return Optional.of("lock name must not be empty");
    }
    // A UTF-8 character is at most 3 bytes per char (4 per surrogate pair, 2 per char).
    if (name.length() * 3 > MAX_NAME_BYTES) {
      int bytes = name.getBytes(StandardCharsets.UTF_8).length;
      if (bytes > MAX_NAME_BYTES) {
        return Optional.of(
            "lock name is "
                + bytes
                + " bytes in UTF-8; the limit is "
                + MAX_NAME_BYTES
                + " (it starts with '"
                + name.substring(0, 16)
                + "...')");
      }
    }
    return Optional.empty();
  }

  /** What is wrong with a session TTL in milliseconds, if anything. */
  public static Optional<String> checkTtlMillis(long ttlMillis) {
    if (ttlMillis < MIN_TTL.toMillis() || ttlMillis > MAX_TTL.toMillis()) {
      return Optional.of(
          "session TTL "
              + Duration.ofMillis(ttlMillis)
              + " is outside the allowed range ["
              + MIN_TTL
              + ", "
              + MAX_TTL
              + "]");
    }
    return Optional.empty();
  }

  /** What is wrong with a wait timeout in milliseconds (0 = no limit), if anything. */
  public static Optional<String> checkWaitMillis(long waitMillis) {
    if (waitMillis < 0) {
      return Optional.of("wait timeout must not be negative, was " + waitMillis + " ms");
    }
    return Optional.empty();
  }
}
