package io.ringmesh.coord.internal;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * The request and reply records of {@link CoordinatorService}. Every field is a record, enum,
 * primitive, {@code String}, {@code UUID}, {@code List} or {@code Optional}, so that the RPC codec
 * can carry them without reflection surprises. Every reply carries a {@link Status}, a message that
 * says what was wrong and what to do, and, on {@link Status#NOT_LEADER}, a leader hint.
 */
public final class Messages {
  private Messages() {}

  /** How an acquire behaves when the lock is held. */
  public enum AcquireMode {
    /** Answer {@link Status#LOCKED} at once. */
    TRY,
    /** Join the FIFO queue; the call stays open until granted, timed out or withdrawn. */
    WAIT
  }

  /**
   * Fixed facts of the cluster a client needs to route: the shard count and its identity; and the
   * id of the coordinator that answered, so that a client can map leader hints to endpoints; and
   * the RPC endpoints of the coordinators it knows of ({@code id=host:port}, empty until a
   * membership change recorded them), so that a client learns of a coordinator added after it
   * started. Old peers ignore the last component, and send none.
   */
  public record ClusterInfo(
      String clusterId, int shards, String coordinatorId, List<String> coordinators) {
    /** Copies the list. */
    public ClusterInfo {
      coordinators = coordinators == null ? List.of() : List.copyOf(coordinators);
    }
  }

  /** The outcome of a session call on one shard. */
  public record ShardOutcome(
      int shard, Status status, String message, Optional<String> leaderHint) {}

  /**
   * Opens {@code session} on each of {@code shards}; idempotent per (session, shard).
   *
   * @param ttlMillis the session's time to live, in [1 s, 1 h]
   */
  public record OpenSessionRequest(UUID session, long ttlMillis, List<Integer> shards) {}

  /** Keeps {@code session} alive on each of {@code shards}; not a log entry. */
  public record HeartbeatRequest(UUID session, List<Integer> shards) {}

  /**
   * Ends {@code session} on each of {@code shards}: its locks are released, its waits withdrawn.
   */
  public record CloseSessionRequest(UUID session, List<Integer> shards) {}

  /** Per-shard outcomes of an open, heartbeat or close, in request order. */
  public record SessionReply(List<ShardOutcome> shards) {}

  /**
   * Asks for the lock {@code name}.
   *
   * @param requestId unique and increasing per session; a retry reuses it
   * @param oldestPendingId the smallest request id the client still awaits a reply for; the shard
   *     forgets results of older requests
   * @param waitTimeoutMillis for {@link AcquireMode#WAIT}: how long to wait, 0 for no limit
   * @param reentrant whether a holder's re-acquire counts up instead of failing
   */
  public record AcquireRequest(
      UUID session,
      long requestId,
      long oldestPendingId,
      String name,
      AcquireMode mode,
      long waitTimeoutMillis,
      boolean reentrant) {}

  /**
   * The outcome of an acquire; when the status is OK, {@code fencingToken} is the index of the
   * granting entry and {@code ticket} the index of the entry that queued the request (equal for an
   * immediate grant). Grants of one lock follow ticket order: that is what FIFO means.
   */
  public record AcquireReply(
      Status status, String message, Optional<String> leaderHint, long fencingToken, long ticket) {}

  /** Releases the lock {@code name} held with {@code fencingToken}. */
  public record ReleaseRequest(
      UUID session, long requestId, long oldestPendingId, String name, long fencingToken) {}

  /** The outcome of a release, or of a withdrawal. */
  public record ReleaseReply(Status status, String message, Optional<String> leaderHint) {}

  /**
   * Withdraws the wait of acquire request {@code requestId} on lock {@code name}: its waiter leaves
   * the queue, or the grant it got, which its caller never saw, is released.
   */
  public record WithdrawRequest(UUID session, long requestId, String name) {}

  /** A linearizable read of the lock {@code name}. */
  public record LockInfoRequest(String name) {}

  /**
   * Who holds {@code name}: when {@code held}, the holder's session and the fencing token of the
   * grant; and how many sessions wait.
   */
  public record LockInfoReply(
      Status status,
      String message,
      Optional<String> leaderHint,
      boolean held,
      Optional<UUID> holder,
      long fencingToken,
      int waiters) {}

  // ---- registry ----

  /**
   * One service instance in the registry: {@code nodeId} serves {@code service} at {@code
   * host:port} with a routing {@code weight}, a free-form {@code version} and {@code metadata}.
   * {@link Validation#checkEntry} says what a valid one is.
   */
  public record ServiceEntry(
      String service,
      String nodeId,
      String host,
      int port,
      double weight,
      String version,
      Map<String, String> metadata) {}

  /** Registers {@code entry} under {@code session}, replacing any entry of the same node. */
  public record RegisterRequest(
      UUID session, long requestId, long oldestPendingId, ServiceEntry entry) {}

  /** Removes the entry of {@code nodeId} in {@code service}, if {@code session} owns it. */
  public record DeregisterRequest(
      UUID session, long requestId, long oldestPendingId, String service, String nodeId) {}

  /** The outcome of a register or deregister; {@code changed} says whether the registry moved. */
  public record RegistryWriteReply(
      Status status, String message, Optional<String> leaderHint, boolean changed) {}

  /**
   * Reads the registry: every entry, or only {@code service}'s when present. With {@code
   * knownVersion} >= 0 it is a watch: the reply waits until the registry's version differs from it,
   * or {@code maxWaitMillis} passes (then it carries the current, unchanged registry).
   */
  public record RegistryRequest(Optional<String> service, long knownVersion, long maxWaitMillis) {}

  /** The registry at {@code version} (the log index of its last change). */
  public record RegistryReply(
      Status status,
      String message,
      Optional<String> leaderHint,
      long version,
      List<ServiceEntry> entries) {}

  // ---- listings for operators ----

  /** Lists up to {@code limit} locks of {@code shard}, held or waited for, in name order. */
  public record ListLocksRequest(int shard, int limit) {}

  /** One lock as listed: its holder and grant token if held, and its waiter count. */
  public record LockEntry(String name, Optional<UUID> holder, long fencingToken, int waiters) {}

  /** The locks of one shard; {@code total} counts them all, even beyond the limit. */
  public record ListLocksReply(
      Status status,
      String message,
      Optional<String> leaderHint,
      List<LockEntry> locks,
      int total) {}

  /**
   * One Raft group as a coordinator sees it: a lock shard, or the registry ({@code registry} true,
   * numbered after the last shard); its leader if known, and its replicas.
   */
  public record GroupInfo(
      int shard, boolean registry, Optional<String> leader, List<String> replicas) {}

  /** Every group of the cluster, in shard order, the registry last. */
  public record GroupsReply(Status status, String message, List<GroupInfo> groups) {}
}
