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

  /** The longest service name, node id, host or version, in chars. */
  public static final int MAX_REGISTRY_STRING = 1024;

  /** The most metadata pairs of one registry entry. */
  public static final int MAX_METADATA = 64;

  /** What is wrong with a registry entry, if anything; the message names the field. */
  public static Optional<String> checkEntry(Messages.ServiceEntry e) {
    return checkText("service", e.service(), false)
        .or(() -> checkText("nodeId", e.nodeId(), false))
        .or(() -> checkText("host", e.host(), false))
        .or(() -> checkText("version", e.version(), true))
        .or(() -> checkPort(e.port()))
        .or(() -> checkWeight(e.weight()))
        .or(() -> checkMetadata(e.metadata()));
  }

  /** What is wrong with a service name or node id used as a registry key, if anything. */
  public static Optional<String> checkRegistryKey(String service, String nodeId) {
    return checkText("service", service, false).or(() -> checkText("nodeId", nodeId, false));
  }

  private static Optional<String> checkText(String field, String value, boolean mayBeEmpty) {
    if (value == null) {
      return Optional.of(field + " must not be null");
    }
    if (!mayBeEmpty && value.isBlank()) {
      return Optional.of(field + " must not be empty");
    }
    if (value.length() > MAX_REGISTRY_STRING) {
      return Optional.of(
          field + " is " + value.length() + " chars long; the limit is " + MAX_REGISTRY_STRING);
    }
    return Optional.empty();
  }

  private static Optional<String> checkPort(int port) {
    if (port < 1 || port > 65_535) {
      return Optional.of("port must be in [1, 65535], was " + port);
    }
    return Optional.empty();
  }

  private static Optional<String> checkWeight(double weight) {
    if (!(weight > 0) || Double.isInfinite(weight)) {
      return Optional.of("weight must be positive and finite, was " + weight);
    }
    return Optional.empty();
  }

  private static Optional<String> checkMetadata(java.util.Map<String, String> metadata) {
    if (metadata == null) {
      return Optional.of("metadata must not be null (use an empty map)");
    }
    if (metadata.size() > MAX_METADATA) {
      return Optional.of(
          "metadata has " + metadata.size() + " entries; the limit is " + MAX_METADATA);
    }
    for (java.util.Map.Entry<String, String> m : metadata.entrySet()) {
      if (m.getKey() == null || m.getKey().isEmpty() || m.getValue() == null) {
        return Optional.of("metadata keys must be non-empty and values non-null");
      }
      if (m.getKey().length() + m.getValue().length() > MAX_REGISTRY_STRING) {
        return Optional.of(
            "metadata entry '" + m.getKey() + "' is longer than " + MAX_REGISTRY_STRING + " chars");
      }
    }
    return Optional.empty();
  }
}
