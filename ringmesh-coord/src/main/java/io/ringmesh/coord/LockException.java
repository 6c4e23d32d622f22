package io.ringmesh.coord;

/**
 * A lock operation failed; {@link #code()} says how, the message says what was wrong and what to
 * do. The one exception type of the lock service, like gRPC's {@code StatusRuntimeException}.
 */
public final class LockException extends RuntimeException {

  /** What kind of failure. */
  public enum Code {
    /** The session expired, was closed, or is unknown: its leases are lost. Open a new one. */
    SESSION_EXPIRED,
    /** The caller does not hold the lock it tried to release; the lock was left untouched. */
    PERMISSION_DENIED,
    /** The session already holds or waits for this lock, and reentrancy is off. */
    ALREADY_HELD,
    /** A bad argument: lock name, TTL, timeout. */
    INVALID_ARGUMENT,
    /** The wait timeout passed before the lock was granted; the request left the queue. */
    DEADLINE_EXCEEDED,
    /** The request was cancelled or its client closed. */
    CANCELLED,
    /** A fenced resource refused a token older than one it has already accepted. */
    STALE_TOKEN,
    /** No coordinator could serve the request within its deadline; retry later. */
    UNAVAILABLE
  }

  private final Code code;

  public LockException(Code code, String message) {
    super(code + ": " + message);
    this.code = code;
  }

  public LockException(Code code, String message, Throwable cause) {
    super(code + ": " + message, cause);
    this.code = code;
  }

  /** The kind of failure. */
  public Code code() {
    return code;
  }
}
