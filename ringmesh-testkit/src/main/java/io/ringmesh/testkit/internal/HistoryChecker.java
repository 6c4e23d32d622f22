package io.ringmesh.testkit.internal;

import io.ringmesh.testkit.internal.Event.Type;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Checks the history of a chaos run against the lock service's promises, and measures how long
 * locks were unavailable. Pure: it reads only the events it is given.
 *
 * <p>Not thread-safe; use one per check.
 */
public final class HistoryChecker {
  /*
   * What is checked, and why this way.
   *
   * Jepsen checks a lock by asking Knossos whether the history of acquire/release operations,
   * each with its real-time [invoke, complete] bounds, is linearizable against a mutex model.
   * A lease lock cannot pass that check and is not meant to: a holder paused past its TTL still
   * believes it holds the lock while the service has granted it to another (Kleppmann, "How to
   * do distributed locking", 2016). What a lease lock does promise, and what we check, is
   * narrower and holds even then:
   *
   * 1. Mutual exclusion as the protected resource saw it. The fenced resource records the
   *    writes it accepted, in the order it accepted them. Per lock, their tokens must never go
   *    down (a lower token after a higher one means an old holder overwrote a newer one), and a
   *    token's writes must come from the client it was granted to. This is the property fencing
   *    tokens exist for; the resource enforces it, and the checker checks it independently of
   *    the resource's code.
   *
   * 2. Tokens strictly increase per lock. Two grants never share a token, and a grant that was
   *    invoked after another grant of the same lock completed has the higher token (real-time
   *    order, as in linearizability: only operations that do not overlap are ordered).
   *
   * 3. No acknowledged operation is lost. A release the coordinator acknowledged is not undone:
   *    an acquire invoked after the acknowledgement gets a higher token (a token at or below it
   *    would be a grant from a log that forgot the release). And an acknowledged grant is not
   *    silently handed on: two clients never both hold a valid lease of one lock at one instant.
   *    A client knows its lease is valid only when Lease.isValid() says so (the client counts
   *    the TTL from the send time of its last acknowledged heartbeat, which the coordinator
   *    cannot beat, decisions/0004), so the checker uses those observations: a VALID event at
   *    time v for a grant acknowledged at a proves the client held the lock over all of [a, v];
   *    two such intervals of different clients that intersect are a violation. Observations
   *    after a pause are fine: a paused client that wakes finds isValid() false.
   *
   * 4. Liveness. After the last fault heals, some lock must be granted within the bound
   *    (election timeout + session TTL + slack), or the cluster did not recover.
   *
   * Unavailability of a lock is measured from each acquire's invocation to the first grant of
   * that lock to anyone at or after it: the time a requester waited while nobody got the lock.
   */

  /**
   * The outcome of a check.
   *
   * @param violations one line per violation, naming the lock, the tokens and the clients
   * @param unavailableMsByLock per lock, the longest time an acquire waited with no grant of it
   * @param grants grants in the history
   * @param operations completed client operations (acquires, releases, writes)
   */
  public record Result(
      List<String> violations,
      Map<String, Long> unavailableMsByLock,
      long grants,
      long operations) {
    /** The longest unavailability of any lock, 0 if none. */
    public long longestUnavailableMs() {
      return unavailableMsByLock.values().stream().mapToLong(Long::longValue).max().orElse(0);
    }
  }

  private final Duration livenessBound;
  private final List<String> violations = new ArrayList<>();

  /** A checker that fails a run with no grant for {@code livenessBound} after the last heal. */
  public HistoryChecker(Duration livenessBound) {
    this.livenessBound = livenessBound;
  }

  /**
   * Checks {@code history}: events in the order they were recorded (the fenced resource's accepted
   * writes in the order it accepted them), ending at {@code endMs}.
   */
  public Result check(List<Event> history, long endMs) {
    violations.clear();
    Map<String, List<Event>> grants = new TreeMap<>();
    for (Event e : history) {
      if (e.type() == Type.GRANTED) {
        grants.computeIfAbsent(e.name(), k -> new ArrayList<>()).add(e);
      }
    }
    checkResource(history, grants);
    checkTokens(grants);
    checkReleases(history, grants);
    checkOverlaps(history, grants);
    long ops =
        history.stream()
            .filter(
                e ->
                    switch (e.type()) {
                      case GRANTED,
                          ACQUIRE_FAILED,
                          RELEASE_ACKED,
                          RELEASE_FAILED,
                          WRITE_ACKED,
                          WRITE_REJECTED,
                          WRITE_FAILED ->
                          true;
                      default -> false;
                    })
            .count();
    checkLiveness(history, endMs);
    long grantCount = grants.values().stream().mapToLong(List::size).sum();
    return new Result(
        List.copyOf(violations), unavailability(history, grants, endMs), grantCount, ops);
  }

  private void checkResource(List<Event> history, Map<String, List<Event>> grants) {
    Map<Long, Event> byToken = new HashMap<>();
    grants.values().forEach(l -> l.forEach(g -> byToken.putIfAbsent(key(g.name(), g.token()), g)));
    Map<String, Event> highest = new HashMap<>();
    for (Event w : history) {
      if (w.type() != Type.WRITE_ACCEPTED) {
        continue;
      }
      Event before = highest.get(w.name());
      if (before != null && w.token() < before.token()) {
        violations.add(
            String.format(
                "mutual exclusion: lock %s: the resource accepted a write with token %d from %s at"
                    + " %d after a write with the higher token %d from %s at %d",
                w.name(),
                w.token(),
                w.process(),
                w.timeMs(),
                before.token(),
                before.process(),
                before.timeMs()));
      } else {
        highest.put(w.name(), w);
      }
      Event g = byToken.get(key(w.name(), w.token()));
      if (g != null && !g.process().equals(w.process())) {
        violations.add(
            String.format(
                "mutual exclusion: lock %s: token %d was granted to %s, but the resource accepted"
                    + " a write with it from %s at %d",
                w.name(), w.token(), g.process(), w.process(), w.timeMs()));
      }
    }
  }

  /** Lock names are few; a token is unique per name, so (name, token) keys fit a long map. */
  private final Map<String, Integer> nameIds = new HashMap<>();

  private long key(String name, long token) {
    int id = nameIds.computeIfAbsent(name, n -> nameIds.size());
    return ((long) id << 48) ^ token;
  }

  private void checkTokens(Map<String, List<Event>> grants) {
    for (Map.Entry<String, List<Event>> e : grants.entrySet()) {
      String name = e.getKey();
      List<Event> byToken = new ArrayList<>(e.getValue());
      byToken.sort(Comparator.comparingLong(Event::token));
      for (int i = 1; i < byToken.size(); i++) {
        Event a = byToken.get(i - 1);
        Event b = byToken.get(i);
        if (a.token() == b.token()) {
          violations.add(
              String.format(
                  "tokens: lock %s: token %d was granted twice, to %s at %d and to %s at %d",
                  name, a.token(), a.process(), a.timeMs(), b.process(), b.timeMs()));
        }
      }
      // Real-time order: sorted by completion, each grant's token must exceed that of every
      // grant that completed before it was invoked. Keep the running maximum of completed
      // grants, advancing it as invocations pass completion times.
      List<Event> byCompletion = new ArrayList<>(e.getValue());
      byCompletion.sort(Comparator.comparingLong(Event::timeMs));
      List<Event> byStart = new ArrayList<>(e.getValue());
      byStart.sort(Comparator.comparingLong(Event::startMs));
      int done = 0;
      Event maxDone = null;
      for (Event b : byStart) {
        while (done < byCompletion.size() && byCompletion.get(done).timeMs() < b.startMs()) {
          Event c = byCompletion.get(done++);
          if (maxDone == null || c.token() > maxDone.token()) {
            maxDone = c;
          }
        }
        if (maxDone != null && b.token() <= maxDone.token() && b != maxDone) {
          violations.add(
              String.format(
                  "tokens: lock %s: token %d was granted to %s (acquire invoked at %d) after token"
                      + " %d had been granted to %s at %d; tokens must increase",
                  name,
                  b.token(),
                  b.process(),
                  b.startMs(),
                  maxDone.token(),
                  maxDone.process(),
                  maxDone.timeMs()));
        }
      }
    }
  }

  private void checkReleases(List<Event> history, Map<String, List<Event>> grants) {
    for (Event r : history) {
      if (r.type() != Type.RELEASE_ACKED) {
        continue;
      }
      for (Event g : grants.getOrDefault(r.name(), List.of())) {
        if (g.startMs() > r.timeMs() && g.token() <= r.token()) {
          violations.add(
              String.format(
                  "lost release: lock %s: %s's release of token %d was acknowledged at %d, but %s's"
                      + " acquire invoked at %d was granted token %d, which is not higher",
                  r.name(),
                  r.process(),
                  r.token(),
                  r.timeMs(),
                  g.process(),
                  g.startMs(),
                  g.token()));
        }
      }
    }
  }

  /** Per (lock, token): the interval over which its holder provably held a valid lease. */
  private record Held(String name, long token, String process, long from, long to) {}

  private void checkOverlaps(List<Event> history, Map<String, List<Event>> grants) {
    Map<Long, Held> held = new HashMap<>();
    for (List<Event> l : grants.values()) {
      for (Event g : l) {
        held.putIfAbsent(
            key(g.name(), g.token()),
            new Held(g.name(), g.token(), g.process(), g.timeMs(), Long.MIN_VALUE));
      }
    }
    for (Event v : history) {
      if (v.type() == Type.VALID) {
        held.computeIfPresent(
            key(v.name(), v.token()),
            (k, h) ->
                v.process().equals(h.process()) && v.startMs() > h.to()
                    ? new Held(h.name(), h.token(), h.process(), h.from(), v.startMs())
                    : h);
      }
    }
    Map<String, List<Held>> perName = new TreeMap<>();
    for (Held h : held.values()) {
      if (h.to() > h.from()) {
        perName.computeIfAbsent(h.name(), k -> new ArrayList<>()).add(h);
      }
    }
    for (List<Held> l : perName.values()) {
      l.sort(Comparator.comparingLong(Held::from));
      for (int i = 0; i < l.size(); i++) {
        Held a = l.get(i);
        for (int j = i + 1; j < l.size() && l.get(j).from() < a.to(); j++) {
          Held b = l.get(j);
          if (!a.process().equals(b.process())) {
            violations.add(
                String.format(
                    "lost grant: lock %s: %s (token %d) and %s (token %d) both held a valid lease"
                        + " between %d and %d",
                    a.name(),
                    a.process(),
                    a.token(),
                    b.process(),
                    b.token(),
                    b.from(),
                    Math.min(a.to(), b.to())));
          }
        }
      }
    }
  }

  private void checkLiveness(List<Event> history, long endMs) {
    long lastHeal =
        history.stream()
            .filter(e -> e.type() == Type.FAULT_HEALED)
            .mapToLong(Event::timeMs)
            .max()
            .orElse(history.isEmpty() ? endMs : history.getFirst().timeMs());
    long firstGrant =
        history.stream()
            .filter(e -> e.type() == Type.GRANTED && e.timeMs() >= lastHeal)
            .mapToLong(Event::timeMs)
            .min()
            .orElse(Long.MAX_VALUE);
    long bound = livenessBound.toMillis();
    if (firstGrant == Long.MAX_VALUE) {
      if (endMs - lastHeal > bound) {
        violations.add(
            String.format(
                "liveness: no lock was granted in the %d ms from the last fault's heal at %d to the"
                    + " end of the run (bound %d ms)",
                endMs - lastHeal, lastHeal, bound));
      }
    } else if (firstGrant - lastHeal > bound) {
      violations.add(
          String.format(
              "liveness: the first grant after the last fault healed at %d came %d ms later (bound"
                  + " %d ms)",
              lastHeal, firstGrant - lastHeal, bound));
    }
  }

  private static Map<String, Long> unavailability(
      List<Event> history, Map<String, List<Event>> grants, long endMs) {
    Map<String, long[]> grantTimes = new HashMap<>();
    grants.forEach(
        (name, l) -> grantTimes.put(name, l.stream().mapToLong(Event::timeMs).sorted().toArray()));
    Map<String, Long> longest = new TreeMap<>();
    for (Event e : history) {
      if (e.type() != Type.GRANTED && e.type() != Type.ACQUIRE_FAILED) {
        continue;
      }
      long[] times = grantTimes.getOrDefault(e.name(), new long[0]);
      int i = java.util.Arrays.binarySearch(times, e.startMs());
      if (i < 0) {
        i = -i - 1;
      }
      long until = i < times.length ? times[i] : endMs;
      longest.merge(e.name(), Math.max(0, until - e.startMs()), Math::max);
    }
    return longest;
  }
}
