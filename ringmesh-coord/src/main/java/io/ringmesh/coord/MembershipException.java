package io.ringmesh.coord;

/**
 * A coordinator membership change ({@link MembershipChange}) was refused or failed; the message
 * says what was wrong and what to do. Groups already moved stay moved, and running the same change
 * again finishes it.
 */
public final class MembershipException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final boolean badRequest;

  MembershipException(boolean badRequest, String message) {
    super(message);
    this.badRequest = badRequest;
  }

  MembershipException(String message, Throwable cause) {
    super(message, cause);
    this.badRequest = false;
  }

  /**
   * Whether the request itself was wrong (an unknown id, an id already a member, a change that
   * would leave too few coordinators), as opposed to the ensemble failing to carry it out.
   */
  public boolean badRequest() {
    return badRequest;
  }
}
