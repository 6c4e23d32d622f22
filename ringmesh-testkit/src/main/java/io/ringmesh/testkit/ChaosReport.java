package io.ringmesh.testkit;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The outcome of a chaos run: what was injected, what the clients did, and what the checker found.
 * Immutable.
 *
 * @param seed the run's seed
 * @param durationMs how long the run took, from the first client start to the last event
 * @param faults faults injected, by kind ({@code kill}, {@code pause-coordinator}, {@code
 *     pause-client}, {@code partition}, {@code netem}, or {@code loss} where netem is missing)
 * @param skipped fault kinds that were asked for but skipped, with the reason
 * @param operations completed client operations (acquires, releases, fenced writes)
 * @param grants locks granted
 * @param writesAccepted fenced writes the resource accepted
 * @param writesRejected fenced writes the resource refused as stale
 * @param leasesLost leases whose {@code onLost} listener ran (session expired under a fault)
 * @param violations the checker's findings; a passing run has none
 * @param unavailableMsByLock per lock name, the longest time a requester waited while nobody was
 *     granted that lock
 * @param grantsAfterLastHeal grants after the last fault healed
 * @param historyFile where the history was written, when the run failed or was asked to keep it
 */
public record ChaosReport(
    long seed,
    long durationMs,
    Map<String, Integer> faults,
    Map<String, String> skipped,
    long operations,
    long grants,
    long writesAccepted,
    long writesRejected,
    long leasesLost,
    List<String> violations,
    Map<String, Long> unavailableMsByLock,
    long grantsAfterLastHeal,
    @Nullable Path historyFile) {

  /** Whether the run kept every property. */
  public boolean passed() {
    return violations.isEmpty();
  }

  /** The total number of faults injected. */
  public int faultCount() {
    return faults.values().stream().mapToInt(Integer::intValue).sum();
  }

  /** The longest unavailability of any lock, 0 if none. */
  public long longestUnavailableMs() {
    return unavailableMsByLock.values().stream().mapToLong(Long::longValue).max().orElse(0);
  }

  /** The summary as an ordered map, for JSON. */
  public Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("seed", seed);
    m.put("duration_ms", durationMs);
    m.put("faults", faults);
    m.put("faults_skipped", skipped);
    m.put("operations", operations);
    m.put("grants", grants);
    m.put("writes_accepted", writesAccepted);
    m.put("writes_rejected", writesRejected);
    m.put("leases_lost", leasesLost);
    m.put("violations", violations.size());
    m.put("violation_details", violations);
    m.put("longest_unavailable_ms", longestUnavailableMs());
    m.put("longest_unavailable_ms_by_lock", unavailableMsByLock);
    m.put("grants_after_last_heal", grantsAfterLastHeal);
    m.put("history_file", historyFile == null ? null : historyFile.toString());
    return m;
  }
}
