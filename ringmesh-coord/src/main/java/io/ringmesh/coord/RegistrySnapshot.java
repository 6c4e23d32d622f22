package io.ringmesh.coord;

import java.util.List;

/**
 * The registry as of one linearizable read: its entries and its version. Immutable.
 *
 * @param version the log index of the registry's last change; it only grows, so of two snapshots
 *     the one with the higher version is the newer. 0 for a registry that never changed.
 * @param entries the entries, by service then node id (only one service's, for {@link
 *     Registry#snapshot(String)})
 */
public record RegistrySnapshot(long version, List<RegistryEntry> entries) {

  /** Copies the entries. */
  public RegistrySnapshot {
    entries = List.copyOf(entries);
  }

  /** The entries of {@code service}, in node id order. */
  public List<RegistryEntry> entries(String service) {
    return entries.stream().filter(e -> e.service().equals(service)).toList();
  }
}
