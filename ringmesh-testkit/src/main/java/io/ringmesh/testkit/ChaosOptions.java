package io.ringmesh.testkit;

import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;

/**
 * The settings of one chaos run. The constructor validates them and names the flag that is wrong.
 *
 * @param duration how long faults are injected and clients run
 * @param seed the seed every random choice derives from; a run is repeatable from it
 * @param coordinators 3 or 5 coordinator processes
 * @param clients client processes, at least 2
 * @param faults the kinds to inject; {@link FaultKind#PARTITION} is skipped with a printed reason
 *     where network namespaces are unavailable
 * @param ttl the clients' session TTL, and so the length of a pause
 * @param names how many lock names the clients share
 * @param keep whether to keep the run's directory (process logs) and write the history file even
 *     when every property held, for analysis; a failed run always keeps both
 */
public record ChaosOptions(
    Duration duration,
    long seed,
    int coordinators,
    int clients,
    Set<FaultKind> faults,
    Duration ttl,
    int names,
    boolean keep) {

  /** Validates; throws {@link IllegalArgumentException} naming the flag and what to do. */
  public ChaosOptions {
    if (duration.isNegative() || duration.compareTo(Duration.ofSeconds(5)) < 0) {
      throw new IllegalArgumentException(
          "--duration " + duration.toSeconds() + "s is too short: give at least 5s, e.g. 120s");
    }
    if (coordinators != 3 && coordinators != 5) {
      throw new IllegalArgumentException(
          "--coordinators " + coordinators + " is not supported: give 3 or 5");
    }
    if (clients < 2 || clients > 16) {
      throw new IllegalArgumentException(
          "--clients " + clients + " is out of range: give 2 to 16 (they must contend for locks)");
    }
    if (ttl.compareTo(Duration.ofSeconds(1)) < 0 || ttl.compareTo(Duration.ofMinutes(1)) > 0) {
      throw new IllegalArgumentException(
          "--ttl " + ttl.toMillis() + "ms is out of range: give 1s to 60s, e.g. 4s");
    }
    if (names < 1) {
      throw new IllegalArgumentException("names must be at least 1");
    }
    faults = Set.copyOf(faults);
  }

  /** Defaults: 120 s, 3 coordinators, 3 clients, every fault kind, TTL 4 s, 4 lock names. */
  public static ChaosOptions defaults(long seed) {
    return new ChaosOptions(
        Duration.ofSeconds(120),
        seed,
        3,
        3,
        EnumSet.allOf(FaultKind.class),
        Duration.ofSeconds(4),
        4,
        false);
  }

  /** These options with another duration. */
  public ChaosOptions withDuration(Duration d) {
    return new ChaosOptions(d, seed, coordinators, clients, faults, ttl, names, keep);
  }

  /** These options with other fault kinds. */
  public ChaosOptions withFaults(Set<FaultKind> f) {
    return new ChaosOptions(duration, seed, coordinators, clients, f, ttl, names, keep);
  }

  /** These options with another session TTL. */
  public ChaosOptions withTtl(Duration t) {
    return new ChaosOptions(duration, seed, coordinators, clients, faults, t, names, keep);
  }

  /** These options with another number of coordinators and clients. */
  public ChaosOptions withProcesses(int coordinatorCount, int clientCount) {
    return new ChaosOptions(
        duration, seed, coordinatorCount, clientCount, faults, ttl, names, keep);
  }

  /** These options, keeping the run's logs and history whether or not it passes. */
  public ChaosOptions withKeep(boolean k) {
    return new ChaosOptions(duration, seed, coordinators, clients, faults, ttl, names, k);
  }
}
