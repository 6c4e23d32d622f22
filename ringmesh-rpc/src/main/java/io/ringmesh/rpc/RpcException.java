package io.ringmesh.rpc;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The one exception of the RPC layer: a {@link Status} other than {@code OK}, a message, and for
 * application errors a stable {@link #errorType()} string.
 *
 * <p>An exception thrown by a service implementation reaches the caller as {@link
 * Status#APPLICATION_ERROR} with the implementation's exception class name as {@code errorType} and
 * its message; the exception object itself is never serialized. A handler that throws an {@code
 * RpcException} (for example {@link #application(String, String)} with a type of its own, such as
 * {@code "SESSION_EXPIRED"}, or {@code new RpcException(Status.PERMISSION_DENIED, ...)}) has its
 * status, message and type delivered as they are.
 *
 * <p>{@link #notExecuted()} tells whether the server certainly did not run the handler, which is
 * what makes it safe to retry a non-idempotent call on another node; {@link #neverSent()} is the
 * stronger fact that the request never left this client.
 *
 * <p>Immutable and thread-safe.
 */
public final class RpcException extends RuntimeException {
  private final Status status;
  private final @Nullable String errorType;
  private final boolean neverSent;
  private final boolean notExecuted;

  /** How long the call's connection had been coming up; negative if it did not wait for one. */
  private final long connectingNanos;

  /** An exception with this status and message, not known to be unexecuted. */
  public RpcException(Status status, String message) {
    this(status, message, null, false, false, null, -1, true);
  }

  /** An exception with this status, message and cause (the cause never travels). */
  public RpcException(Status status, String message, @Nullable Throwable cause) {
    this(status, message, null, false, false, cause, -1, true);
  }

  private RpcException(
      Status status,
      String message,
      @Nullable String errorType,
      boolean neverSent,
      boolean notExecuted,
      @Nullable Throwable cause,
      long connectingNanos,
      boolean stackTrace) {
    super(message, cause, true, stackTrace);
    if (Objects.requireNonNull(status, "status") == Status.OK) {
      throw new IllegalArgumentException("an RpcException cannot have status OK");
    }
    this.status = status;
    this.errorType = errorType;
    this.neverSent = neverSent;
    this.notExecuted = notExecuted || neverSent;
    this.connectingNanos = connectingNanos;
  }

  /**
   * An application error with a stable type of the server's choosing, for errors that callers
   * handle by type, e.g. {@code application("SESSION_EXPIRED", "session 42 expired at ...")}.
   */
  public static RpcException application(String errorType, String message) {
    return new RpcException(
        Status.APPLICATION_ERROR,
        message,
        Objects.requireNonNull(errorType, "errorType"),
        false,
        false,
        null,
        -1,
        true);
  }

  /**
   * Internal: an exception with every field given, as rebuilt from the wire or made by the
   * transport. Not for handlers, which use the constructors or {@link #application}.
   */
  public static RpcException of(
      Status status,
      String message,
      @Nullable String errorType,
      boolean neverSent,
      boolean notExecuted,
      @Nullable Throwable cause) {
    return new RpcException(status, message, errorType, neverSent, notExecuted, cause, -1, false);
  }

  /**
   * Internal: a call never sent because its connection was still coming up, after {@code
   * connecting}, when the call's deadline or connect wait ran out. Made by the transport.
   */
  public static RpcException whileConnecting(Status status, String message, Duration connecting) {
    return new RpcException(
        status, message, null, true, true, null, Math.max(0, connecting.toNanos()), false);
  }

  /** The status; never {@link Status#OK}. */
  public Status status() {
    return status;
  }

  /**
   * For {@link Status#APPLICATION_ERROR}: the type the server gave, or the class name of the
   * exception the implementation threw. May be set with other statuses by a handler; else null.
   */
  public @Nullable String errorType() {
    return errorType;
  }

  /** True if the request never left this client: no server saw it. */
  public boolean neverSent() {
    return neverSent;
  }

  /**
   * For a call that was not sent because its connection was still being set up (TCP connect and
   * handshake) when the call's deadline or connect wait ran out: how long that connection had been
   * coming up. Empty for every other failure. A short time says nothing of the endpoint, since the
   * caller's deadline may have been shorter than a handshake takes; a long one (past the first SYN
   * retransmission, 1 s on Linux) suggests the endpoint cannot be reached.
   */
  public Optional<Duration> connectingFor() {
    return connectingNanos < 0 ? Optional.empty() : Optional.of(Duration.ofNanos(connectingNanos));
  }

  /**
   * True if the server certainly did not run the handler: the request was never sent, or the server
   * refused it before dispatch (shutting down, overloaded, expired, unknown method).
   */
  public boolean notExecuted() {
    return notExecuted;
  }

  /**
   * The same failure with the stack trace of the calling thread, so that a blocking caller sees
   * where it called from rather than the I/O thread that completed the call.
   */
  public RpcException withCallerStackTrace() {
    return new RpcException(
        status, getMessage(), errorType, neverSent, notExecuted, getCause(), connectingNanos, true);
  }

  @Override
  public String getMessage() {
    return Objects.requireNonNull(super.getMessage());
  }

  @Override
  public String toString() {
    return "RpcException: "
        + status
        + (errorType != null ? " (" + errorType + ")" : "")
        + ": "
        + getMessage()
        + (neverSent ? " [never sent]" : notExecuted ? " [not executed]" : "");
  }
}
