package io.ringmesh.node.internal.runtime;

/** A part of the node failed to start; the message names the part, the setting and the fix. */
public final class NodeStartException extends RuntimeException {
  public NodeStartException(String message) {
    super(message);
  }

  public NodeStartException(String message, Throwable cause) {
    super(message, cause);
  }
}
