package io.ringmesh.node.internal.cli;

/** A command failed for a reason the user can act on; the message says what and what to do. */
final class CommandFailedException extends RuntimeException {
  private final int exitCode;

  CommandFailedException(String message) {
    this(message, 1);
  }

  CommandFailedException(String message, int exitCode) {
    super(message);
    this.exitCode = exitCode;
  }

  int exitCode() {
    return exitCode;
  }
}
