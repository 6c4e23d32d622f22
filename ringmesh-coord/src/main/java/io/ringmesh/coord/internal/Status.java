package io.ringmesh.coord.internal;

/**
 * The outcome of a coordinator call, carried inside every reply record (never as an exception), so
 * that it crosses the wire as a plain enum.
 */
public enum Status {
  /** The call did what it asked. */
  OK("done"),
  /** A try-acquire found the lock held by another session. */
  LOCKED("the lock is held by another session"),
  /** The session is unknown: it expired, was closed, or never existed on this shard. */
  SESSION_EXPIRED("the session expired or is unknown; open a new session"),
  /** The caller does not hold what it tried to release. */
  PERMISSION_DENIED("the caller does not hold this lock"),
  /** The session already holds, or already waits for, this lock. */
  ALREADY_HELD("the session already holds or waits for this lock"),
  /** A malformed request: bad lock name, TTL, timeout or request id. */
  INVALID_ARGUMENT("the request is invalid"),
  /** A waiter's timeout passed; it was removed from the queue. */
  DEADLINE_EXCEEDED("the wait timeout passed before the lock was granted"),
  /** The request was withdrawn by its caller. */
  CANCELLED("the request was withdrawn"),
  /** This coordinator does not lead the shard; the reply's leader hint names the one that does. */
  NOT_LEADER("this coordinator is not the shard's leader"),
  /** The shard cannot serve now (no leader, shutting down, disk failure); retry later. */
  UNAVAILABLE("the shard is unavailable");

  private final String description;

  Status(String description) {
    this.description = description;
  }

  /** What the status means, for messages. */
  public String description() {
    return description;
  }

  /** Whether a caller may retry the same request (same session and request id) elsewhere. */
  public boolean retryable() {
    return this == NOT_LEADER || this == UNAVAILABLE;
  }
}
