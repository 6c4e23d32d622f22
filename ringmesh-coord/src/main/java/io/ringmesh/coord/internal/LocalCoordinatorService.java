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
import io.ringmesh.coord.internal.Messages.ShardOutcome;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiFunction;

/**
 * {@link CoordinatorService} of one coordinator process: validates requests, routes each to the
 * {@link ShardService} of its shard, and answers NOT_LEADER for shards led elsewhere. Thread-safe.
 */
public final class LocalCoordinatorService implements CoordinatorService {
  private final ClusterInfo info;
  private final Placement placement;
  private final List<ShardService> shards;

  public LocalCoordinatorService(ClusterInfo info, Placement placement, List<ShardService> shards) {
    this.info = info;
    this.placement = placement;
    this.shards = List.copyOf(shards);
  }

  @Override
  public ClusterInfo clusterInfo() {
    return info;
  }

  @Override
  public CompletableFuture<SessionReply> openSession(OpenSessionRequest r) {
    Optional<String> badTtl = Validation.checkTtlMillis(r.ttlMillis());
    return forEachShard(
        r.shards(),
        (shard, service) ->
            badTtl.isPresent()
                ? done(shard, Status.INVALID_ARGUMENT, badTtl.get())
                : service.openSession(r.session(), r.ttlMillis()));
  }

  @Override
  public CompletableFuture<SessionReply> heartbeat(HeartbeatRequest r) {
    return forEachShard(
        r.shards(),
        (shard, service) -> CompletableFuture.completedFuture(service.heartbeat(r.session())));
  }

  @Override
  public CompletableFuture<SessionReply> closeSession(CloseSessionRequest r) {
    return forEachShard(r.shards(), (shard, service) -> service.closeSession(r.session()));
  }

  @Override
  public CompletableFuture<AcquireReply> acquire(AcquireRequest r) {
    Optional<String> bad =
        Validation.checkName(r.name()).or(() -> Validation.checkWaitMillis(r.waitTimeoutMillis()));
    if (bad.isPresent()) {
      return CompletableFuture.completedFuture(
          new AcquireReply(Status.INVALID_ARGUMENT, bad.get(), Optional.empty(), 0, 0));
    }
    return shardOf(r.name()).acquire(r);
  }

  @Override
  public CompletableFuture<ReleaseReply> release(ReleaseRequest r) {
    Optional<String> bad = Validation.checkName(r.name());
    if (bad.isPresent()) {
      return CompletableFuture.completedFuture(
          new ReleaseReply(Status.INVALID_ARGUMENT, bad.get(), Optional.empty()));
    }
    return shardOf(r.name()).release(r);
  }

  @Override
  public CompletableFuture<LockInfoReply> describe(LockInfoRequest r) {
    Optional<String> bad = Validation.checkName(r.name());
    if (bad.isPresent()) {
      return CompletableFuture.completedFuture(
          new LockInfoReply(
              Status.INVALID_ARGUMENT, bad.get(), Optional.empty(), false, Optional.empty(), 0, 0));
    }
    return shardOf(r.name()).describe(r.name());
  }

  private ShardService shardOf(String name) {
    return shards.get(placement.shardOf(name));
  }

  private CompletableFuture<SessionReply> forEachShard(
      List<Integer> shardIds,
      BiFunction<Integer, ShardService, CompletableFuture<ShardOutcome>> call) {
    if (shardIds.isEmpty()) {
      return CompletableFuture.completedFuture(new SessionReply(List.of()));
    }
    List<CompletableFuture<ShardOutcome>> outcomes = new ArrayList<>(shardIds.size());
    for (int shard : shardIds) {
      outcomes.add(
          shard < 0 || shard >= shards.size()
              ? done(
                  shard,
                  Status.INVALID_ARGUMENT,
                  "shard " + shard + " does not exist; the cluster has " + shards.size())
              : call.apply(shard, shards.get(shard)));
    }
    return CompletableFuture.allOf(outcomes.toArray(CompletableFuture<?>[]::new))
        .thenApply(v -> new SessionReply(outcomes.stream().map(CompletableFuture::join).toList()));
  }

  private static CompletableFuture<ShardOutcome> done(int shard, Status status, String message) {
    return CompletableFuture.completedFuture(
        new ShardOutcome(shard, status, message, Optional.empty()));
  }
}
