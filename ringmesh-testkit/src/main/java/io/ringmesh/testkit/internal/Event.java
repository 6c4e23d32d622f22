package io.ringmesh.testkit.internal;

import java.util.Locale;

/**
 * One recorded step of a chaos run: a client's operation invoked or completed, a write the fenced
 * resource accepted, or a fault injected or healed. Times are wall-clock milliseconds of the one
 * machine every process runs on; a completion carries the time its operation was invoked in {@code
 * startMs}, so that it has real-time bounds [startMs, timeMs]. An invocation has {@code startMs ==
 * timeMs}.
 *
 * @param timeMs when it happened (for a completion: when the caller learned the outcome)
 * @param startMs when its operation was invoked
 * @param process the client that did it ({@code client-1}), or {@code resource} / {@code driver}
 * @param type what happened
 * @param name the lock name, or the fault's target for fault events
 * @param token the fencing token involved, 0 when none
 * @param detail free text: an error, or the fault's description
 */
public record Event(
    long timeMs, long startMs, String process, Type type, String name, long token, String detail) {

  /** What an event records. */
  public enum Type {
    /** A client called acquire. */
    ACQUIRE_INVOKED,
    /** The acquire returned a lease with {@code token}. */
    GRANTED,
    /** The acquire failed or timed out; {@code detail} says why. */
    ACQUIRE_FAILED,
    /**
     * The holder of {@code token} asked {@code Lease.isValid()} at {@code startMs} and got true.
     */
    VALID,
    /** The holder of {@code token} called release. */
    RELEASE_INVOKED,
    /** The release was acknowledged by the coordinator. */
    RELEASE_ACKED,
    /** The release failed (the lease was gone, or no coordinator answered). */
    RELEASE_FAILED,
    /** The lease's onLost listener ran. */
    LOST,
    /** The holder sent a write with {@code token} to the fenced resource. */
    WRITE_INVOKED,
    /** The fenced resource accepted it. */
    WRITE_ACKED,
    /** The fenced resource refused it as stale. */
    WRITE_REJECTED,
    /** The write failed in transport (outcome unknown). */
    WRITE_FAILED,
    /** Recorded by the fenced resource itself, in the order it accepted writes. */
    WRITE_ACCEPTED,
    /** The driver injected a fault on {@code name} (a coordinator or client). */
    FAULT_INJECTED,
    /** The driver healed the fault on {@code name}; the cluster should recover from here. */
    FAULT_HEALED;

    /** Lower-case with dashes, as in the history file. */
    public String label() {
      return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
  }

  /** An invocation: {@code startMs == timeMs}. */
  public static Event at(long timeMs, String process, Type type, String name, long token) {
    return new Event(timeMs, timeMs, process, type, name, token, "");
  }

  /** This event with a detail text. */
  public Event withDetail(String text) {
    return new Event(timeMs, startMs, process, type, name, token, text);
  }
}
