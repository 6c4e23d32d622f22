package io.ringmesh.rpc;

/**
 * The outcome of a call, as carried in an {@link RpcException} and on the wire. The codes and their
 * meanings follow gRPC's where they overlap; each has a stable wire value that never changes.
 *
 * <p>Immutable and thread-safe.
 */
public enum Status {
  /** The call succeeded. Never carried by an exception. */
  OK(0, "the call succeeded"),
  /** The call was cancelled, usually by the caller. */
  CANCELLED(1, "the call was cancelled"),
  /** The deadline passed before the call completed. */
  DEADLINE_EXCEEDED(2, "the deadline passed before the call completed"),
  /** The request was malformed: undecodable arguments, nesting too deep, a protocol violation. */
  INVALID_ARGUMENT(3, "the request was malformed"),
  /** No such service or method on the server. */
  NOT_FOUND(4, "no such service or method"),
  /** The server could not be reached, is shutting down, or the connection broke. */
  UNAVAILABLE(5, "the server is unavailable"),
  /** A limit was reached: concurrent calls, queue length, frame size. Load was shed. */
  RESOURCE_EXHAUSTED(6, "a limit was reached and the call was shed"),
  /** The caller did not authenticate. */
  UNAUTHENTICATED(7, "the caller is not authenticated"),
  /** The caller is not allowed to make this call. */
  PERMISSION_DENIED(8, "the caller may not make this call"),
  /** A bug or broken invariant in the RPC layer, on either side. */
  INTERNAL(9, "an internal error"),
  /** The service implementation threw; {@link RpcException#errorType()} says what. */
  APPLICATION_ERROR(10, "the service implementation failed");

  private static final Status[] BY_WIRE_VALUE = new Status[values().length];

  static {
    for (Status s : values()) {
      BY_WIRE_VALUE[s.wireValue] = s;
    }
  }

  private final int wireValue;
  private final String description;

  Status(int wireValue, String description) {
    this.wireValue = wireValue;
    this.description = description;
  }

  /** The byte that stands for this status in an error frame. */
  public int wireValue() {
    return wireValue;
  }

  /** A one-line description of what the status means. */
  public String description() {
    return description;
  }

  /**
   * The status with this wire value, or {@link #INTERNAL} for a value this version does not know (a
   * newer peer's code is still an error, never a success).
   */
  public static Status fromWireValue(int value) {
    return value >= 0 && value < BY_WIRE_VALUE.length ? BY_WIRE_VALUE[value] : INTERNAL;
  }
}
