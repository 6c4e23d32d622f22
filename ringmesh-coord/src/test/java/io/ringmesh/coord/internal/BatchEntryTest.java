package io.ringmesh.coord.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ringmesh.coord.internal.Command.Acquire;
import io.ringmesh.coord.internal.Command.Batch;
import io.ringmesh.coord.internal.Command.CloseSession;
import io.ringmesh.coord.internal.Command.OpenSession;
import io.ringmesh.coord.internal.Command.Release;
import io.ringmesh.coord.internal.Command.Withdraw;
import io.ringmesh.coord.internal.Command.WithdrawReason;
import io.ringmesh.coord.internal.Messages.AcquireMode;
import io.ringmesh.coord.internal.ShardState.Applied;
import io.ringmesh.coord.internal.ShardState.Completion;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Batch entries (group commit) applied to the state machine directly, through their encoding. */
@Timeout(60)
class BatchEntryTest {
  private final ShardState state = new ShardState();
  private long index;
  private long requestId;

  private final UUID a = new UUID(0, 1);
  private final UUID b = new UUID(0, 2);
  private final UUID c = new UUID(0, 3);

  private List<Applied> apply(Command entry) {
    return state.applyEntry(++index, Command.decode(entry.encode()));
  }

  private List<Applied> batch(Command... commands) {
    return apply(new Batch(List.of(commands)));
  }

  private void open(UUID... sessions) {
    for (UUID s : sessions) {
      apply(new OpenSession(s, 10_000));
    }
  }

  private Acquire acquire(UUID session, String name) {
    long id = ++requestId;
    return new Acquire(session, id, id, name, AcquireMode.WAIT, 0, false);
  }

  private Release release(UUID session, String name, long token) {
    long id = ++requestId;
    return new Release(session, id, id, name, token);
  }

  @Test
  void eachCommandOfABatchIsAppliedAsIfAloneAtTheBatchsIndex() {
    open(a, b);
    List<Applied> r = batch(acquire(a, "x"), acquire(b, "y"), acquire(b, "z"));
    assertThat(r).hasSize(3);
    assertThat(r)
        .allSatisfy(
            one -> {
              assertThat(one.result().status()).isEqualTo(Status.OK);
              assertThat(one.result().token()).isEqualTo(index);
            });
    assertThat(state.lock("x").holder()).isEqualTo(a);
    assertThat(state.lock("y").holder()).isEqualTo(b);

    // A release in a batch hands the lock to its head waiter in that batch's entry.
    batch(acquire(b, "x"));
    long xToken = state.lock("x").token();
    List<Applied> handOff =
        batch(release(a, "x", xToken), release(b, "y", r.get(1).result().token()));
    assertThat(handOff.get(0).completions())
        .singleElement()
        .satisfies(
            g -> {
              assertThat(g.session()).isEqualTo(b);
              assertThat(g.token()).isEqualTo(index);
            });
    assertThat(handOff.get(1).result().message()).isEqualTo("released");
  }

  @Test
  void oneCommandsErrorDoesNotFailTheOthers() {
    open(a, b);
    long x = batch(acquire(a, "x")).getFirst().result().token();
    List<Applied> r =
        batch(
            release(b, "x", x),
            acquire(a, "y"),
            new Acquire(a, ++requestId, requestId, "", AcquireMode.TRY, 0, false));
    assertThat(r.get(0).result().status()).isEqualTo(Status.PERMISSION_DENIED);
    assertThat(r.get(1).result().status()).isEqualTo(Status.OK);
    assertThat(r.get(2).result().status()).isEqualTo(Status.INVALID_ARGUMENT);
    assertThat(state.lock("x").holder()).isEqualTo(a);
    assertThat(state.lock("y").holder()).isEqualTo(a);
  }

  @Test
  void aRetryOfABatchedCommandGetsTheOriginalResult() {
    open(a, b);
    Acquire x = acquire(a, "x");
    Acquire y = acquire(b, "x2");
    List<Applied> first = batch(x, y);
    // Retried alone, and retried inside another batch: answered, not applied again.
    assertThat(apply(x).getFirst().result()).isEqualTo(first.get(0).result());
    List<Applied> again = batch(acquire(a, "other"), y);
    assertThat(again.get(1).result()).isEqualTo(first.get(1).result());
    assertThat(state.lock("x2").token()).isEqualTo(first.get(1).result().token());
  }

  @Test
  void aSecondCommandOnANameInABatchIsRefusedAndNotRecorded() {
    open(a, b);
    long token = batch(acquire(a, "x")).getFirst().result().token();
    // The leader never builds this batch; should one arrive, the acquire is refused
    // deterministically, even though here it alone would grant x.
    Acquire next = acquire(b, "x");
    List<Applied> r = batch(release(a, "x", token), next);
    long shared = index;
    assertThat(r.get(0).result().message()).isEqualTo("released");
    assertThat(r.get(1).result().status()).isEqualTo(Status.UNAVAILABLE);
    assertThat(r.get(1).result().message())
        .contains("already carries a command on lock 'x'")
        .contains("retry");
    assertThat(state.lock("x").holder()).as("the refused acquire was not applied").isNull();
    // Not recorded either: its retry is applied, in its own entry, with a larger token.
    Applied retried = apply(next).getFirst();
    assertThat(retried.result().token()).isEqualTo(index).isGreaterThan(shared);
  }

  @Test
  void twoGrantsOfOneNameNeverShareAnIndex_cancelRacingAHandOff() {
    open(a, b, c);
    long token = batch(acquire(a, "x")).getFirst().result().token();
    Acquire bWaits = acquire(b, "x");
    batch(bWaits);
    batch(acquire(c, "x"));
    // a's release grants b; b's caller has given up, and its cancel would release that grant and
    // grant c in the same entry: b and c would hold the same token.
    List<Applied> r =
        batch(
            release(a, "x", token),
            new Withdraw(b, bWaits.requestId(), "x", WithdrawReason.CANCEL));
    long handOff = index;
    assertThat(r.get(0).completions()).extracting(Completion::session).containsExactly(b);
    assertThat(r.get(1).result().status()).isEqualTo(Status.UNAVAILABLE);
    assertThat(state.lock("x").holder()).isEqualTo(b);
    List<Applied> cancel = apply(new Withdraw(b, bWaits.requestId(), "x", WithdrawReason.CANCEL));
    assertThat(cancel.getFirst().completions())
        .singleElement()
        .satisfies(
            g -> {
              assertThat(g.session()).isEqualTo(c);
              assertThat(g.token()).isGreaterThan(handOff);
            });
  }

  /**
   * Random batches over three sessions and three locks, with two commands on one name as often as
   * not: every grant's token is its entry's index, and per lock the grants' tokens strictly
   * increase.
   */
  @Test
  void grantsOfALockStrictlyIncreaseWhateverTheBatches() {
    for (long seed = 1; seed <= 20; seed++) {
      ShardState s = new ShardState();
      Random random = new Random(seed);
      UUID[] sessions = {a, b, c};
      String[] names = {"x", "y", "z"};
      long at = 0;
      long id = 0;
      for (UUID session : sessions) {
        s.applyEntry(++at, new OpenSession(session, 10_000));
      }
      Map<String, Long> lastGrant = new HashMap<>();
      Map<String, Long> lastAcquire = new HashMap<>();
      int refused = 0;
      for (int step = 0; step < 2_000; step++) {
        List<Command> commands = new ArrayList<>();
        int n = 1 + random.nextInt(4);
        for (int k = 0; k < n; k++) {
          String name = names[random.nextInt(3)];
          UUID holder = s.lock(name).holder();
          // Half the time the holder acts, so that releases and cancels of grants happen.
          UUID session =
              holder != null && random.nextBoolean() ? holder : sessions[random.nextInt(3)];
          String key = session + "/" + name;
          int kind = random.nextInt(5);
          id++;
          Command command =
              switch (kind) {
                case 0, 1 -> {
                  lastAcquire.put(key, id);
                  yield new Acquire(
                      session,
                      id,
                      id,
                      name,
                      random.nextInt(4) == 0 ? AcquireMode.TRY : AcquireMode.WAIT,
                      0,
                      false);
                }
                case 2 -> new Release(session, id, id, name, s.lock(name).token());
                default ->
                    new Withdraw(
                        session,
                        lastAcquire.getOrDefault(key, id),
                        name,
                        random.nextInt(4) == 0 ? WithdrawReason.TIMEOUT : WithdrawReason.CANCEL);
              };
          commands.add(command);
        }
        long entry = ++at;
        List<Applied> applied = s.applyEntry(entry, Command.decode(new Batch(commands).encode()));
        Map<String, Integer> grantsHere = new HashMap<>();
        for (int k = 0; k < applied.size(); k++) {
          Applied one = applied.get(k);
          if (one.result().status() == Status.UNAVAILABLE) {
            refused++;
          }
          if (one.result().status() == Status.OK
              && !one.result().queued()
              && one.result().token() == entry
              && commands.get(k) instanceof Acquire acq) {
            grantsHere.merge(acq.name(), 1, Integer::sum);
          }
          for (Completion g : one.completions()) {
            if (g.status() == Status.OK) {
              assertThat(g.token()).isEqualTo(entry);
              grantsHere.merge(g.name(), 1, Integer::sum);
            }
          }
        }
        for (Map.Entry<String, Integer> g : grantsHere.entrySet()) {
          assertThat(g.getValue())
              .as("grants of '%s' in entry %d (seed %d)", g.getKey(), entry, seed)
              .isEqualTo(1);
          Long previous = lastGrant.put(g.getKey(), entry);
          assertThat(previous == null || previous < entry).isTrue();
        }
        for (String name : names) {
          if (s.lock(name).holder() != null) {
            assertThat(s.lock(name).token()).isEqualTo(lastGrant.get(name));
          }
        }
      }
      assertThat(refused).as("the batches did put two commands on one name").isPositive();
      assertThat(lastGrant).as("locks were granted").isNotEmpty();
    }
  }

  @Test
  void aBatchRoundTripsAndRefusesWhatMayNotBeBatched() {
    Batch batch =
        new Batch(
            List.of(
                acquire(a, "x"),
                release(b, "y", 9),
                new Withdraw(c, 4, "z", WithdrawReason.TIMEOUT)));
    assertThat(Command.decode(batch.encode())).isEqualTo(batch);
    assertThatThrownBy(() -> new Batch(List.of(acquire(a, "x"), new CloseSession(a))))
        .hasMessageContaining("only Acquire, Release and Withdraw commands, not CloseSession");
    assertThatThrownBy(() -> new Batch(List.of(batch))).hasMessageContaining("not Batch");
    assertThatThrownBy(() -> new Batch(List.of())).hasMessageContaining("1 to 64 commands, not 0");
    // A nested batch written by hand is refused on decode too.
    byte[] inner = batch.encode();
    byte[] nested = new byte[2 + 4 + 4 + inner.length];
    java.nio.ByteBuffer.wrap(nested)
        .put((byte) 1)
        .put((byte) 9)
        .putInt(1)
        .putInt(inner.length)
        .put(inner);
    assertThatThrownBy(() -> Command.decode(nested)).hasMessageContaining("not Batch");
    assertThatThrownBy(() -> state.apply(1, batch)).hasMessageContaining("applyEntry");
  }

  @Test
  void singleCommandsKeepTheirEncoding() {
    // Logs written before batches existed must still load: a Release as version 1 wrote it.
    Release r = new Release(a, 7, 7, "x", 42);
    assertThat(HexFormat.of().formatHex(r.encode()))
        .isEqualTo(
            "0103"
                + "0000000000000000"
                + "0000000000000001"
                + "0000000000000007"
                + "0000000000000007"
                + "00000001"
                + "78"
                + "000000000000002a");
    assertThat(state.applyEntry(1, new OpenSession(a, 10_000))).hasSize(1);
  }
}
