package io.ringmesh.coord;

import java.util.Optional;
import java.util.UUID;

/**
 * Who holds a lock, as of a linearizable read: the holder's session and the fencing token of its
 * grant, and how many sessions wait. Immutable.
 *
 * @param name the lock
 * @param holder the holding session, empty when the lock is free
 * @param fencingToken the token of the current grant, 0 when free
 * @param waiters how many sessions wait in the lock's queue
 */
public record LockInfo(String name, Optional<UUID> holder, long fencingToken, int waiters) {

  /** Whether some session holds the lock. */
  public boolean isHeld() {
    return holder.isPresent();
  }
}
