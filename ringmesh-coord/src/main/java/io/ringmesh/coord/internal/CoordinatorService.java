package io.ringmesh.coord.internal;

import io.ringmesh.coord.internal.Messages.AcquireReply;
import io.ringmesh.coord.internal.Messages.AcquireRequest;
import io.ringmesh.coord.internal.Messages.CloseSessionRequest;
import io.ringmesh.coord.internal.Messages.ClusterInfo;
import io.ringmesh.coord.internal.Messages.DeregisterRequest;
import io.ringmesh.coord.internal.Messages.GroupsReply;
import io.ringmesh.coord.internal.Messages.HeartbeatRequest;
import io.ringmesh.coord.internal.Messages.ListLocksReply;
import io.ringmesh.coord.internal.Messages.ListLocksRequest;
import io.ringmesh.coord.internal.Messages.LockInfoReply;
import io.ringmesh.coord.internal.Messages.LockInfoRequest;
import io.ringmesh.coord.internal.Messages.OpenSessionRequest;
import io.ringmesh.coord.internal.Messages.RegisterRequest;
import io.ringmesh.coord.internal.Messages.RegistryReply;
import io.ringmesh.coord.internal.Messages.RegistryRequest;
import io.ringmesh.coord.internal.Messages.RegistryWriteReply;
import io.ringmesh.coord.internal.Messages.ReleaseReply;
import io.ringmesh.coord.internal.Messages.ReleaseRequest;
import io.ringmesh.coord.internal.Messages.SessionReply;
import io.ringmesh.coord.internal.Messages.WithdrawRequest;
import java.util.concurrent.CompletableFuture;

/**
 * What a coordinator offers a lock client: the wire-facing contract of the lock service.
 *
 * <p>Payloads are records of plain values ({@link Messages}); outcomes are a {@link Status} inside
 * each reply, never an exception, so that an implementation reached over RPC behaves like one in
 * the same process. A returned future never completes exceptionally except by cancellation.
 *
 * <p>{@link #acquire} with {@link Messages.AcquireMode#WAIT} is an open call: its future completes
 * when the shard's state machine grants the lock, the wait times out, or the session ends. It holds
 * no thread while it waits. Cancelling that future withdraws the request: a waiter leaves the
 * queue, and a grant the caller never saw is released.
 *
 * <p>Requests carry (session, requestId); a retry with the same pair is answered with the original
 * result, so callers retry {@link Status#retryable()} outcomes with the same ids. Implementations
 * are thread-safe.
 *
 * <p>The registry is one more Raft group, numbered {@code clusterInfo().shards()}: session calls
 * name it like a shard (a session opened there owns the entries it registers), and the registry
 * calls below go to its leader.
 */
public interface CoordinatorService {

  /** The shard count and cluster id, fixed when the cluster was created. */
  ClusterInfo clusterInfo();

  /** Opens a session on the given shards. Each open is a log entry. */
  CompletableFuture<SessionReply> openSession(OpenSessionRequest request);

  /** Renews a session on the given shards. Kept in the leaders' memory, never logged. */
  CompletableFuture<SessionReply> heartbeat(HeartbeatRequest request);

  /** Closes a session on the given shards, releasing its locks and withdrawing its waits. */
  CompletableFuture<SessionReply> closeSession(CloseSessionRequest request);

  /** Acquires a lock, or waits for it in FIFO order. */
  CompletableFuture<AcquireReply> acquire(AcquireRequest request);

  /** Releases a lock; the next waiter is granted in the same log entry. */
  CompletableFuture<ReleaseReply> release(ReleaseRequest request);

  /**
   * Withdraws a waiting acquire whose caller gave up while no call of it was open to cancel (its
   * coordinator failed, or it was between retries). Idempotent; OK when there was nothing to
   * withdraw.
   */
  CompletableFuture<ReleaseReply> withdraw(WithdrawRequest request);

  /** Reads who holds a lock, linearizably (Raft ReadIndex). */
  CompletableFuture<LockInfoReply> describe(LockInfoRequest request);

  /** Registers a service instance under a session opened on the registry group. */
  CompletableFuture<RegistryWriteReply> register(RegisterRequest request);

  /** Removes a service instance the session registered. */
  CompletableFuture<RegistryWriteReply> deregister(DeregisterRequest request);

  /**
   * Reads the registry linearizably; or, with a known version, an open call that answers when the
   * version differs from it or the maximum wait passes.
   */
  CompletableFuture<RegistryReply> registry(RegistryRequest request);

  /** Lists up to a limit of one shard's locks, linearizably. */
  CompletableFuture<ListLocksReply> listLocks(ListLocksRequest request);

  /** Every group's replicas, and its leader as far as this coordinator knows. */
  CompletableFuture<GroupsReply> groups();
}
