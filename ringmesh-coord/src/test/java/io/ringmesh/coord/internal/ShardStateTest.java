package io.ringmesh.coord.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ringmesh.coord.internal.Command.Acquire;
import io.ringmesh.coord.internal.Command.CloseSession;
import io.ringmesh.coord.internal.Command.Deregister;
import io.ringmesh.coord.internal.Command.ExpireSession;
import io.ringmesh.coord.internal.Command.OpenSession;
import io.ringmesh.coord.internal.Command.Register;
import io.ringmesh.coord.internal.Command.Release;
import io.ringmesh.coord.internal.Command.Withdraw;
import io.ringmesh.coord.internal.Command.WithdrawReason;
import io.ringmesh.coord.internal.Messages.AcquireMode;
import io.ringmesh.coord.internal.Messages.ServiceEntry;
import io.ringmesh.coord.internal.ShardState.Applied;
import io.ringmesh.coord.internal.ShardState.Completion;
import io.ringmesh.coord.internal.ShardState.LockView;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The state machine driven directly, one log index per command, without Ratis. */
@org.junit.jupiter.api.Timeout(60)
class ShardStateTest {
  private final ShardState state = new ShardState();
  private long index;
  private long requestId;

  private final UUID a = new UUID(0, 1);
  private final UUID b = new UUID(0, 2);
  private final UUID c = new UUID(0, 3);

  private Applied apply(Command command) {
    // Every command goes through its encoding, as it would through the log.
    return state.apply(++index, Command.decode(command.encode()));
  }

  private Applied open(UUID session) {
    return apply(new OpenSession(session, 10_000));
  }

  private Acquire acquire(UUID session, String name, AcquireMode mode) {
    long id = ++requestId;
    return new Acquire(session, id, id, name, mode, 0, false);
  }

  private Applied waitFor(UUID session, String name) {
    return apply(acquire(session, name, AcquireMode.WAIT));
  }

  private Applied release(UUID session, String name, long token) {
    long id = ++requestId;
    return apply(new Release(session, id, id, name, token));
  }

  /** The per-shard listing against a walk of every lock, for each of {@code shards}. */
  private void assertListingMatchesAWalk(
      int shards, java.util.function.ToIntFunction<String> shardOf) {
    List<String> all = state.locks(Integer.MAX_VALUE).stream().map(LockView::name).toList();
    for (int s = 0; s < shards; s++) {
      int shard = s;
      List<String> expected = all.stream().filter(n -> shardOf.applyAsInt(n) == shard).toList();
      LockStateMachine.LocksView listed = state.locks(Integer.MAX_VALUE, shard, shards, shardOf);
      assertThat(listed.locks())
          .extracting(LockView::name)
          .as("shard %d", shard)
          .isEqualTo(expected);
      assertThat(listed.total()).isEqualTo(expected.size());
      LockStateMachine.LocksView firstTwo = state.locks(2, shard, shards, shardOf);
      assertThat(firstTwo.locks())
          .extracting(LockView::name)
          .isEqualTo(expected.subList(0, Math.min(2, expected.size())));
      assertThat(firstTwo.total()).as("the total counts past the limit").isEqualTo(expected.size());
    }
  }

  @Test
  void aPerShardListingFollowsLocksThatComeAndGoAfterItsFirstUse() {
    int shards = 3;
    java.util.function.ToIntFunction<String> shardOf = n -> Math.floorMod(n.hashCode(), shards);
    open(a);
    open(b);
    Map<String, Long> tokens = new java.util.HashMap<>();
    for (int i = 0; i < 12; i++) {
      tokens.put("n" + i, waitFor(a, "n" + i).result().token());
    }
    assertListingMatchesAWalk(shards, shardOf);
    // Released locks leave the listing, new ones join it, a lock handed to its waiter stays.
    for (int i = 0; i < 6; i++) {
      release(a, "n" + i, tokens.get("n" + i));
    }
    waitFor(b, "n7");
    release(a, "n7", tokens.get("n7"));
    for (int i = 0; i < 5; i++) {
      waitFor(b, "m" + i);
    }
    assertThat(state.lock("n7").holder()).isEqualTo(b);
    assertListingMatchesAWalk(shards, shardOf);
    // A closed session's locks leave it too.
    apply(new CloseSession(b));
    assertListingMatchesAWalk(shards, shardOf);
    assertThat(state.locks(Integer.MAX_VALUE))
        .extracting(LockView::name)
        .containsExactly("n10", "n11", "n6", "n8", "n9");
  }

  @Test
  void aFreeLockIsGrantedWithTheLogIndexAsToken() {
    open(a);
    Applied r = waitFor(a, "x");
    assertThat(r.result().status()).isEqualTo(Status.OK);
    assertThat(r.result().token()).isEqualTo(index);
    assertThat(state.lock("x").holder()).isEqualTo(a);
  }

  @Test
  void waitersAreGrantedInFifoOrderInTheReleasingEntry() {
    open(a);
    open(b);
    open(c);
    long token = waitFor(a, "x").result().token();
    assertThat(waitFor(b, "x").result().queued()).isTrue();
    assertThat(waitFor(c, "x").result().queued()).isTrue();
    assertThat(state.waiters("x")).containsExactly(b, c);

    Applied released = release(a, "x", token);
    assertThat(released.completions())
        .singleElement()
        .satisfies(
            g -> {
              assertThat(g.session()).isEqualTo(b);
              assertThat(g.status()).isEqualTo(Status.OK);
              assertThat(g.token()).isEqualTo(index); // the release entry's index
            });
    assertThat(state.waiters("x")).containsExactly(c); // only the head was woken
    Applied next = release(b, "x", index);
    assertThat(next.completions()).extracting(Completion::session).containsExactly(c);
    assertThat(next.completions().get(0).token())
        .isGreaterThan(released.completions().get(0).token());
  }

  @Test
  void tryAcquireOfAHeldLockIsLockedAndDoesNotQueue() {
    open(a);
    open(b);
    waitFor(a, "x");
    Applied r = apply(acquire(b, "x", AcquireMode.TRY));
    assertThat(r.result().status()).isEqualTo(Status.LOCKED);
    assertThat(state.waiters("x")).isEmpty();
  }

  @Test
  void theHoldersReacquireFailsFastUnlessReentrant() {
    open(a);
    long token = waitFor(a, "x").result().token();
    Applied again = waitFor(a, "x");
    assertThat(again.result().status()).isEqualTo(Status.ALREADY_HELD);
    assertThat(again.result().message()).contains("already holds lock 'x' (token " + token + ")");
    long id = ++requestId;
    Applied reentrant = apply(new Acquire(a, id, id, "x", AcquireMode.WAIT, 0, true));
    assertThat(reentrant.result().token()).isEqualTo(token);
    release(a, "x", token);
    assertThat(state.lock("x").holder()).as("one of two holds is left").isEqualTo(a);
    release(a, "x", token);
    assertThat(state.lock("x").holder()).isNull();
  }

  @Test
  void releaseByANonHolderIsPermissionDeniedAndChangesNothing() {
    open(a);
    open(b);
    long token = waitFor(a, "x").result().token();
    waitFor(b, "x");
    Applied denied = release(b, "x", token);
    assertThat(denied.result().status()).isEqualTo(Status.PERMISSION_DENIED);
    assertThat(denied.result().message())
        .contains("held with token " + token + " by another session");
    assertThat(denied.completions()).isEmpty();
    assertThat(state.lock("x").holder()).isEqualTo(a);
    assertThat(state.waiters("x")).containsExactly(b);
    Applied wrongToken = release(a, "x", token + 1);
    assertThat(wrongToken.result().status()).isEqualTo(Status.PERMISSION_DENIED);
  }

  @Test
  void expiryReleasesEveryLockDropsEveryWaitAndGrantsTheNextWaiters() {
    open(a);
    open(b);
    open(c);
    waitFor(a, "x");
    waitFor(a, "y");
    waitFor(b, "z");
    waitFor(b, "x");
    waitFor(c, "x");
    waitFor(a, "z"); // a also waits for z, behind b
    Applied expired = apply(new ExpireSession(a));
    assertThat(expired.result().status()).isEqualTo(Status.OK);
    assertThat(expired.completions())
        .extracting(Completion::session, Completion::name, Completion::status)
        .containsExactlyInAnyOrder(
            org.assertj.core.groups.Tuple.tuple(a, "z", Status.SESSION_EXPIRED),
            org.assertj.core.groups.Tuple.tuple(b, "x", Status.OK));
    assertThat(state.lock("x").holder()).isEqualTo(b);
    assertThat(state.lock("x").token()).isEqualTo(index);
    assertThat(state.lock("y").holder()).isNull();
    assertThat(state.waiters("z")).isEmpty();
    assertThat(state.waiters("x")).containsExactly(c);
    assertThat(state.hasSession(a)).isFalse();
    assertThat(waitFor(a, "q").result().status()).isEqualTo(Status.SESSION_EXPIRED);
    assertThat(apply(new ExpireSession(a)).result().status())
        .as("a second expiry of the same session is harmless")
        .isEqualTo(Status.SESSION_EXPIRED);
  }

  @Test
  void closeSessionEndsWaitsAsCancelled() {
    open(a);
    open(b);
    waitFor(a, "x");
    waitFor(b, "x");
    Applied closed = apply(new CloseSession(b));
    assertThat(closed.completions())
        .singleElement()
        .satisfies(cc -> assertThat(cc.status()).isEqualTo(Status.CANCELLED));
    assertThat(state.waiters("x")).isEmpty();
  }

  @Test
  void aDuplicateRequestIsAnsweredWithTheOriginalResultAndNotAppliedTwice() {
    open(a);
    open(b);
    Acquire first = acquire(a, "x", AcquireMode.WAIT);
    Applied original = apply(first);
    Applied retried = apply(first);
    assertThat(retried.result()).isEqualTo(original.result());
    Acquire queued = acquire(b, "x", AcquireMode.WAIT);
    apply(queued);
    assertThat(apply(queued).result().queued()).as("a retried waiter keeps its place").isTrue();
    assertThat(state.waiters("x")).containsExactly(b);
    Release rel = new Release(a, ++requestId, requestId, "x", original.result().token());
    Applied released = apply(rel);
    long grantedAt = index;
    Applied releasedAgain = apply(rel);
    assertThat(releasedAgain.result()).isEqualTo(released.result());
    assertThat(releasedAgain.completions()).isEmpty();
    assertThat(state.lock("x").holder()).isEqualTo(b);
    assertThat(apply(queued).result().token())
        .as("the retry now sees its grant")
        .isEqualTo(grantedAt);
  }

  @Test
  void requestsBelowTheOldestPendingIdAreForgottenAndRefused() {
    open(a);
    apply(new Acquire(a, 1, 1, "x", AcquireMode.TRY, 0, false));
    apply(new Acquire(a, 5, 5, "y", AcquireMode.TRY, 0, false)); // client saw the reply to 1
    Applied late = apply(new Acquire(a, 1, 1, "x", AcquireMode.TRY, 0, false));
    assertThat(late.result().status()).isEqualTo(Status.INVALID_ARGUMENT);
    assertThat(late.result().message()).contains("older than the oldest request");
    Applied bad = apply(new Acquire(a, 9, 10, "z", AcquireMode.TRY, 0, false));
    assertThat(bad.result().message())
        .contains("oldest pending request id 10 is above request id 9");
  }

  @Test
  void aTimeoutRemovesTheWaiterButLosesToAnEarlierGrant() {
    open(a);
    open(b);
    long token = waitFor(a, "x").result().token();
    Acquire wait = new Acquire(b, ++requestId, requestId, "x", AcquireMode.WAIT, 2_000, false);
    apply(wait);
    Applied timedOut = apply(new Withdraw(b, wait.requestId(), "x", WithdrawReason.TIMEOUT));
    assertThat(timedOut.completions())
        .singleElement()
        .satisfies(
            t -> {
              assertThat(t.status()).isEqualTo(Status.DEADLINE_EXCEEDED);
              assertThat(t.message()).contains("waited 2000 ms for lock 'x'");
            });
    assertThat(state.waiters("x")).isEmpty();
    assertThat(apply(wait).result().status())
        .as("a retry learns the timeout")
        .isEqualTo(Status.DEADLINE_EXCEEDED);

    Acquire again = acquire(b, "x", AcquireMode.WAIT);
    apply(again);
    release(a, "x", token);
    apply(new Withdraw(b, again.requestId(), "x", WithdrawReason.TIMEOUT));
    assertThat(state.lock("x").holder()).as("the grant won the race").isEqualTo(b);
  }

  @Test
  void aCancelReleasesAGrantItsCallerNeverSaw() {
    open(a);
    open(b);
    Acquire granted = acquire(a, "x", AcquireMode.WAIT);
    apply(granted);
    waitFor(b, "x");
    Applied cancelled = apply(new Withdraw(a, granted.requestId(), "x", WithdrawReason.CANCEL));
    assertThat(cancelled.completions()).extracting(Completion::session).containsExactly(b);
    assertThat(state.lock("x").holder()).isEqualTo(b);
  }

  @Test
  void aCancelOfAReentrantGrantItsCallerNeverSawDropsThatHoldOnce() {
    open(a);
    open(b);
    Acquire outer = new Acquire(a, ++requestId, requestId, "x", AcquireMode.WAIT, 0, true);
    long token = apply(outer).result().token();
    Acquire inner = new Acquire(a, ++requestId, requestId, "x", AcquireMode.WAIT, 0, true);
    assertThat(apply(inner).result().token()).isEqualTo(token);
    waitFor(b, "x");

    Withdraw cancel = new Withdraw(a, inner.requestId(), "x", WithdrawReason.CANCEL);
    assertThat(apply(cancel).completions()).as("the outer hold remains").isEmpty();
    assertThat(apply(cancel).completions()).as("a second cancel drops nothing more").isEmpty();
    assertThat(state.lock("x").holder()).isEqualTo(a);

    Applied released = release(a, "x", token);
    assertThat(released.completions())
        .as("one release now frees it for the waiter")
        .extracting(Completion::session)
        .containsExactly(b);
  }

  @Test
  void aCancelThatOvertakesItsAcquireKeepsTheAcquireFromQueueing() {
    open(a);
    open(b);
    long token = waitFor(a, "x").result().token();
    Acquire late = acquire(b, "x", AcquireMode.WAIT);
    Applied cancel = apply(new Withdraw(b, late.requestId(), "x", WithdrawReason.CANCEL));
    assertThat(cancel.result().message()).isEqualTo("withdrawn before it arrived");

    Applied arrived = apply(late);
    assertThat(arrived.result().status()).isEqualTo(Status.CANCELLED);
    assertThat(arrived.result().message())
        .contains("lock 'x' was withdrawn before the request reached the shard");
    assertThat(state.waiters("x")).as("the acquire did not queue").isEmpty();
    Applied released = release(a, "x", token);
    assertThat(released.completions()).as("nobody was granted the lock").isEmpty();
    assertThat(state.lock("x").holder()).as("the lock is free").isNull();

    // Also for a lock the shard has never seen, and the record is the acquire's, not the cancel's.
    Acquire elsewhere = acquire(b, "y", AcquireMode.WAIT);
    apply(new Withdraw(b, elsewhere.requestId(), "y", WithdrawReason.CANCEL));
    assertThat(apply(elsewhere).result().status()).isEqualTo(Status.CANCELLED);
    assertThat(state.lock("y").holder()).isNull();
  }

  @Test
  void aLateCancelOrTimeoutLeavesAnAnsweredAcquireAlone() {
    open(a);
    Acquire granted = acquire(a, "x", AcquireMode.WAIT);
    long token = apply(granted).result().token();
    // The client still awaits the acquire's answer, so the release keeps it as its oldest pending.
    apply(new Release(a, ++requestId, granted.requestId(), "x", token));
    assertThat(
            apply(new Withdraw(a, granted.requestId(), "x", WithdrawReason.CANCEL))
                .result()
                .message())
        .isEqualTo("nothing to withdraw");
    assertThat(apply(granted).result().status())
        .as("a retry still learns the grant")
        .isEqualTo(Status.OK);

    Acquire timedOut = acquire(a, "z", AcquireMode.WAIT);
    apply(new Withdraw(a, timedOut.requestId(), "z", WithdrawReason.TIMEOUT));
    assertThat(apply(timedOut).result().status())
        .as("only a cancel leaves a record; a timeout is proposed for waiters the leader saw")
        .isEqualTo(Status.OK);
  }

  @Test
  void badInputIsRefusedWithMessagesNamingIt() {
    assertThat(apply(new OpenSession(a, 999)).result().message())
        .contains("session TTL PT0.999S is outside the allowed range [PT1S, PT1H]");
    open(a);
    assertThat(waitFor(a, "").result().message()).isEqualTo("lock name must not be empty");
    assertThat(waitFor(a, "n".repeat(1025)).result().message())
        .contains("1025 bytes in UTF-8; the limit is 1024");
    assertThatThrownBy(() -> Command.decode(new byte[] {9, 1}))
        .hasMessageContaining("command format version 9 is not supported");
    assertThatThrownBy(() -> Command.decode(new byte[] {1, 42}))
        .hasMessageContaining("unknown command tag 42");
    byte[] cut = new OpenSession(a, 5_000).encode();
    assertThatThrownBy(() -> Command.decode(java.util.Arrays.copyOf(cut, cut.length - 3)))
        .hasMessageContaining("command truncated");
  }

  @Test
  void aSnapshotRoundTripPreservesEverything() throws IOException {
    open(a);
    open(b);
    open(c);
    waitFor(a, "x");
    waitFor(b, "x");
    waitFor(c, "x");
    long id = ++requestId;
    apply(new Acquire(b, id, id, "y", AcquireMode.WAIT, 0, true));
    apply(new Acquire(b, ++requestId, requestId, "y", AcquireMode.WAIT, 0, true));
    apply(new Acquire(c, ++requestId, requestId, "z", AcquireMode.WAIT, 3_000, false));
    byte[] bytes = snapshot(state);
    ShardState copy = ShardState.readFrom(new DataInputStream(new ByteArrayInputStream(bytes)));
    assertThat(snapshot(copy)).isEqualTo(bytes);
    for (String name : List.of("x", "y", "z")) {
      assertThat(copy.lock(name)).isEqualTo(state.lock(name));
      assertThat(copy.waiters(name)).isEqualTo(state.waiters(name));
    }
    assertThat(copy.sessionTtls()).isEqualTo(state.sessionTtls());
    assertThat(copy.timedWaiters()).isEqualTo(state.timedWaiters());
    // The copy behaves the same: an expiry applied to both decides the same.
    Applied original = state.apply(++index, new ExpireSession(a));
    Applied restored = copy.apply(index, new ExpireSession(a));
    assertThat(restored).isEqualTo(original);
    assertThat(snapshot(copy)).isEqualTo(snapshot(state));
  }

  @Test
  void aDamagedSnapshotPayloadIsRefused() throws IOException {
    open(a);
    waitFor(a, "x");
    byte[] bytes = snapshot(state);
    bytes[0] ^= 1;
    assertThatThrownBy(
            () -> ShardState.readFrom(new DataInputStream(new ByteArrayInputStream(bytes))))
        .hasMessageContaining("not a Ringmesh lock table");
  }

  // ---- registry ----

  private static ServiceEntry entry(String service, String node, int port) {
    return new ServiceEntry(service, node, "10.0.0.1", port, 1.0, "1.2", Map.of("zone", "a"));
  }

  private Applied register(UUID session, ServiceEntry e) {
    long id = ++requestId;
    return apply(new Register(session, id, id, e));
  }

  private Applied deregister(UUID session, String service, String node) {
    long id = ++requestId;
    return apply(new Deregister(session, id, id, service, node));
  }

  @Test
  void registerListsTheEntryAndSetsTheVersionToItsLogIndex() {
    open(a);
    Applied r = register(a, entry("kv", "n1", 7000));
    assertThat(r.result().status()).isEqualTo(Status.OK);
    assertThat(state.registryVersion()).isEqualTo(index);
    register(a, entry("web", "n1", 8000));
    assertThat(state.registryEntries(null)).hasSize(2);
    assertThat(state.registryEntries("kv")).containsExactly(entry("kv", "n1", 7000));
    assertThat(state.registryEntries("k")).isEmpty();
  }

  @Test
  void reRegisteringTheSameEntryDoesNotMoveTheVersion() {
    open(a);
    register(a, entry("kv", "n1", 7000));
    long version = state.registryVersion();
    Applied again = register(a, entry("kv", "n1", 7000));
    assertThat(again.result().ticket()).isZero();
    assertThat(state.registryVersion()).isEqualTo(version);
    register(a, entry("kv", "n1", 7001));
    assertThat(state.registryVersion()).isEqualTo(index);
    assertThat(state.registryEntries("kv")).containsExactly(entry("kv", "n1", 7001));
  }

  @Test
  void deregisterRemovesOnlyTheOwnersEntry() {
    open(a);
    open(b);
    register(a, entry("kv", "n1", 7000));
    assertThat(deregister(b, "kv", "n1").result().ticket()).isZero();
    assertThat(state.registryEntries("kv")).hasSize(1);
    assertThat(deregister(a, "kv", "n1").result().ticket()).isEqualTo(1);
    assertThat(state.registryEntries("kv")).isEmpty();
    assertThat(state.registryVersion()).isEqualTo(index);
  }

  @Test
  void anExpiredSessionsEntriesGoAndTheVersionMoves() {
    open(a);
    open(b);
    register(a, entry("kv", "n1", 7000));
    register(a, entry("kv", "n2", 7000));
    register(b, entry("kv", "n3", 7000));
    apply(new ExpireSession(a));
    assertThat(state.registryVersion()).isEqualTo(index);
    assertThat(state.registryEntries("kv")).containsExactly(entry("kv", "n3", 7000));
  }

  @Test
  void aRestartedNodesNewEntrySurvivesTheExpiryOfItsOldSession() {
    open(a);
    register(a, entry("kv", "n1", 7000));
    open(b); // the node restarted: a new session registers the same node id
    register(b, entry("kv", "n1", 7002));
    assertThat(state.registryOwner("kv", "n1")).contains(b);
    long version = state.registryVersion();
    apply(new ExpireSession(a));
    assertThat(state.registryEntries("kv")).containsExactly(entry("kv", "n1", 7002));
    assertThat(state.registryVersion()).isEqualTo(version);
  }

  @Test
  void aBadEntryIsRefusedWithTheFieldNamed() {
    open(a);
    assertThat(register(a, entry("", "n1", 7000)).result().message()).contains("service");
    assertThat(register(a, entry("kv", "n1", 70000)).result().message()).contains("port");
    Applied weight = register(a, new ServiceEntry("kv", "n1", "h", 1, 0, "", Map.of()));
    assertThat(weight.result().status()).isEqualTo(Status.INVALID_ARGUMENT);
    assertThat(weight.result().message()).contains("weight");
    assertThat(state.registryVersion()).isZero();
  }

  @Test
  void theRegistryRoundTripsThroughASnapshot() throws IOException {
    open(a);
    open(b);
    register(a, entry("kv", "n1", 7000));
    register(b, entry("kv", "n2", 7000));
    byte[] bytes = snapshot(state);
    ShardState copy = ShardState.readFrom(new DataInputStream(new ByteArrayInputStream(bytes)));
    assertThat(copy.registryVersion()).isEqualTo(state.registryVersion());
    assertThat(copy.registryEntries(null)).isEqualTo(state.registryEntries(null));
    assertThat(snapshot(copy)).isEqualTo(bytes);
    // Ownership survived: expiring a in the copy removes exactly a's entry.
    copy.apply(++index, new ExpireSession(a));
    assertThat(copy.registryEntries(null)).containsExactly(entry("kv", "n2", 7000));
  }

  @Test
  void aFormat1SnapshotWithoutARegistryStillLoads() throws IOException {
    open(a);
    waitFor(a, "x");
    byte[] v2 = snapshot(state);
    // Format 1 is format 2 without the registry tail (version long + count int).
    byte[] v1 = java.util.Arrays.copyOf(v2, v2.length - 12);
    v1[7] = 1;
    ShardState copy = ShardState.readFrom(new DataInputStream(new ByteArrayInputStream(v1)));
    assertThat(copy.lock("x")).isEqualTo(state.lock("x"));
    assertThat(copy.registryVersion()).isZero();
  }

  private static byte[] snapshot(ShardState s) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (DataOutputStream data = new DataOutputStream(out)) {
      s.writeTo(data);
    }
    return out.toByteArray();
  }
}
