package io.ringmesh.testkit.internal;

import io.ringmesh.rpc.RpcService;

/** The wire contract of the chaos run's fenced resource ({@link RecordingFencedStore}). */
@RpcService("ringmesh.testkit.v1.FencedStore")
public interface FencedStore {
  /** A write by {@code client} to the resource of lock {@code name}, under {@code token}. */
  record Write(String name, long token, String client) {}

  /** Whether the write was accepted, and the highest token the resource has accepted. */
  record Outcome(boolean accepted, long highestToken) {}

  /** Applies a fenced write. */
  Outcome write(Write w);
}
