package io.ringmesh.testkit;

import java.util.Locale;

/** The kinds of fault a chaos run may inject, as named by {@code --faults}. */
public enum FaultKind {
  /** SIGKILL of a coordinator, then a restart on the same data directory. */
  KILL,
  /**
   * SIGSTOP, for longer than the session TTL, then SIGCONT: of a coordinator, or of a client
   * holding a lock (a GC pause).
   */
  PAUSE,
  /**
   * A coordinator cut off from the others and the clients, or its link given loss and delay ({@code
   * tc netem}; where the kernel lacks netem, loss alone from nftables); needs root and {@code ip
   * netns}.
   */
  PARTITION;

  /** The name {@code --faults} uses. */
  public String flagName() {
    return name().toLowerCase(Locale.ROOT);
  }
}
