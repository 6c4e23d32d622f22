package io.ringmesh.coord.internal;

import io.ringmesh.coord.internal.Messages.AcquireReply;
import io.ringmesh.coord.internal.Messages.AcquireRequest;
import io.ringmesh.coord.internal.Messages.CloseSessionRequest;
import io.ringmesh.coord.internal.Messages.ClusterInfo;
import io.ringmesh.coord.internal.Messages.HeartbeatRequest;
import io.ringmesh.coord.internal.Messages.LockInfoReply;
import io.ringmesh.coord.internal.Messages.LockInfoRequest;
import io.ringmesh.coord.internal.Messages.OpenSessionRequest;
import io.ringmesh.coord.internal.Messages.ReleaseReply;
import io.ringmesh.coord.internal.Messages.ReleaseRequest;
import io.ringmesh.coord.internal.Messages.SessionReply;
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

  /** Reads who holds a lock, linearizably (Raft ReadIndex). */
  CompletableFuture<LockInfoReply> describe(LockInfoRequest request);
}
