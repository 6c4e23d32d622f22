package io.ringmesh.bench.lock;

import java.util.List;
import java.util.stream.Collectors;

/** The {@link LockSystem}s the benchmark knows, by {@link LockSystem#id()}. */
final class LockSystems {
  private LockSystems() {}

  /** Every system, in report order. */
  static final List<LockSystem> ALL =
      List.of(RingmeshLockSystem.OVER_RPC, RingmeshLockSystem.IN_PROCESS);

  /** What a run without {@code --systems} measures. */
  static final List<LockSystem> DEFAULT = List.of(RingmeshLockSystem.OVER_RPC);

  static LockSystem parse(String id) {
    for (LockSystem s : ALL) {
      if (s.id().equals(id)) {
        return s;
      }
    }
    throw new IllegalArgumentException(
        "unknown lock system '"
            + id
            + "'; choose from "
            + ALL.stream().map(LockSystem::id).collect(Collectors.joining(", ")));
  }
}
