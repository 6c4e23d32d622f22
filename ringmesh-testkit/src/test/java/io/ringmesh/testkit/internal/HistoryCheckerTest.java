package io.ringmesh.testkit.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.ringmesh.testkit.internal.Event.Type;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class HistoryCheckerTest {
  private static final Duration BOUND = Duration.ofSeconds(10);

  /** A history under construction; completions take their invoke time as the start. */
  private static final class History {
    final List<Event> events = new ArrayList<>();

    History grant(String client, String name, long token, long invoked, long granted) {
      events.add(Event.at(invoked, client, Type.ACQUIRE_INVOKED, name, 0));
      events.add(new Event(granted, invoked, client, Type.GRANTED, name, token, ""));
      return this;
    }

    History valid(String client, String name, long token, long at) {
      events.add(new Event(at + 1, at, client, Type.VALID, name, token, ""));
      return this;
    }

    History write(String client, String name, long token, long at) {
      events.add(Event.at(at, client, Type.WRITE_INVOKED, name, token));
      events.add(Event.at(at + 1, client, Type.WRITE_ACCEPTED, name, token));
      events.add(new Event(at + 2, at, client, Type.WRITE_ACKED, name, token, ""));
      return this;
    }

    History release(String client, String name, long token, long invoked, long acked) {
      events.add(Event.at(invoked, client, Type.RELEASE_INVOKED, name, token));
      events.add(new Event(acked, invoked, client, Type.RELEASE_ACKED, name, token, ""));
      return this;
    }

    History heal(long at) {
      events.add(Event.at(at, "driver", Type.FAULT_HEALED, "c1", 0));
      return this;
    }

    HistoryChecker.Result check(long end) {
      return new HistoryChecker(BOUND).check(events, end);
    }
  }

  @Test
  void aCleanHistoryHasNoViolations() {
    HistoryChecker.Result r =
        new History()
            .grant("client-1", "lock-a", 10, 0, 5)
            .valid("client-1", "lock-a", 10, 6)
            .write("client-1", "lock-a", 10, 7)
            .release("client-1", "lock-a", 10, 20, 25)
            .grant("client-2", "lock-a", 14, 8, 26)
            .write("client-2", "lock-a", 14, 30)
            .check(40);
    assertThat(r.violations()).isEmpty();
    assertThat(r.grants()).isEqualTo(2);
    assertThat(r.operations()).isEqualTo(5);
    // client-2 invoked at 8 and nobody was granted lock-a until 26
    assertThat(r.unavailableMsByLock()).containsEntry("lock-a", 18L);
  }

  @Test
  void anAcceptedWriteWithALowerTokenAfterAHigherOneIsAMutualExclusionViolation() {
    HistoryChecker.Result r =
        new History()
            .grant("client-1", "lock-a", 10, 0, 5)
            .grant("client-2", "lock-a", 14, 6, 20)
            .write("client-2", "lock-a", 14, 21)
            .write("client-1", "lock-a", 10, 30)
            .check(40);
    assertThat(r.violations())
        .singleElement()
        .asString()
        .contains("mutual exclusion", "lock lock-a", "token 10", "higher token 14", "client-1");
  }

  @Test
  void aWriteWithATokenGrantedToAnotherClientIsAMutualExclusionViolation() {
    HistoryChecker.Result r =
        new History()
            .grant("client-1", "lock-b", 7, 0, 5)
            .write("client-2", "lock-b", 7, 10)
            .check(20);
    assertThat(r.violations())
        .singleElement()
        .asString()
        .contains("lock lock-b", "token 7 was granted to client-1", "from client-2");
  }

  @Test
  void aTokenGrantedTwiceIsATokenViolation() {
    HistoryChecker.Result r =
        new History()
            .grant("client-1", "lock-a", 9, 0, 5)
            .grant("client-2", "lock-a", 9, 1, 6)
            .check(20);
    assertThat(r.violations())
        .anySatisfy(
            v -> assertThat(v).contains("tokens", "lock lock-a", "token 9 was granted twice"));
  }

  @Test
  void aLaterGrantWithALowerTokenIsATokenViolation() {
    HistoryChecker.Result r =
        new History()
            .grant("client-1", "lock-c", 12, 0, 5)
            .release("client-1", "lock-c", 12, 6, 7)
            .grant("client-2", "lock-c", 11, 8, 9)
            .check(20);
    assertThat(r.violations())
        .anySatisfy(
            v ->
                assertThat(v)
                    .contains("tokens", "lock lock-c", "token 11", "token 12", "must increase"));
  }

  @Test
  void overlappingGrantsAreNotOrderedByRealTime() {
    // The second acquire was invoked before the first grant completed: either order is legal.
    HistoryChecker.Result r =
        new History()
            .grant("client-1", "lock-c", 12, 0, 5)
            .grant("client-2", "lock-c", 11, 1, 9)
            .check(20);
    assertThat(r.violations()).isEmpty();
  }

  @Test
  void aGrantAtOrBelowAnAcknowledgedReleaseIsALostRelease() {
    HistoryChecker.Result r =
        new History()
            .grant("client-1", "lock-d", 30, 0, 5)
            .release("client-1", "lock-d", 30, 6, 10)
            .grant("client-2", "lock-d", 29, 11, 12)
            .check(20);
    assertThat(r.violations())
        .anySatisfy(
            v ->
                assertThat(v)
                    .contains("lost release", "lock lock-d", "release of token 30", "token 29"));
  }

  @Test
  void twoClientsHoldingValidLeasesAtOnceIsALostGrant() {
    HistoryChecker.Result r =
        new History()
            .grant("client-1", "lock-e", 40, 0, 5)
            .valid("client-1", "lock-e", 40, 50)
            .grant("client-2", "lock-e", 44, 6, 20)
            .valid("client-2", "lock-e", 44, 30)
            .check(60);
    assertThat(r.violations())
        .singleElement()
        .asString()
        .contains("lost grant", "lock lock-e", "client-1 (token 40)", "client-2 (token 44)");
  }

  @Test
  void aPausedHolderWhoseLeaseLapsedIsNotALostGrant() {
    // client-1 last saw its lease valid at 10; client-2 got the lock at 20 and client-1's late
    // write with token 40 was rejected (no WRITE_ACCEPTED): nothing is violated.
    HistoryChecker.Result r =
        new History()
            .grant("client-1", "lock-e", 40, 0, 5)
            .valid("client-1", "lock-e", 40, 10)
            .grant("client-2", "lock-e", 44, 6, 20)
            .valid("client-2", "lock-e", 44, 30)
            .write("client-2", "lock-e", 44, 31)
            .check(60);
    assertThat(r.violations()).isEmpty();
  }

  @Test
  void noGrantWithinTheBoundAfterTheLastHealIsALivenessViolation() {
    HistoryChecker.Result r =
        new History().grant("client-1", "lock-a", 3, 0, 5).heal(1_000).check(20_000);
    assertThat(r.violations())
        .singleElement()
        .asString()
        .contains("liveness", "heal at 1000", "bound 10000 ms");
  }

  @Test
  void aLateFirstGrantAfterTheLastHealIsALivenessViolation() {
    HistoryChecker.Result r =
        new History().heal(1_000).grant("client-1", "lock-a", 3, 1_500, 12_500).check(20_000);
    assertThat(r.violations())
        .singleElement()
        .asString()
        .contains("liveness", "came 11500 ms later");
  }

  @Property(tries = 200)
  void aSequentialHistoryOfOneLockIsAlwaysClean(
      @ForAll @IntRange(min = 1, max = 40) int holders,
      @ForAll @IntRange(min = 1, max = 5) int gap) {
    History h = new History();
    long t = 0;
    long token = 1;
    for (int i = 0; i < holders; i++) {
      String client = "client-" + (i % 3);
      h.grant(client, "lock-a", token, t, t + 1)
          .valid(client, "lock-a", token, t + 2)
          .write(client, "lock-a", token, t + 3)
          .release(client, "lock-a", token, t + 6, t + 7);
      t += 7 + gap;
      token += gap;
    }
    assertThat(h.check(t).violations()).isEmpty();
  }
}
