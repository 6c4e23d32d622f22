package io.ringmesh.coord.internal;

import io.ringmesh.coord.internal.Messages.AcquireReply;
import io.ringmesh.coord.internal.Messages.AcquireRequest;
import io.ringmesh.coord.internal.Messages.CloseSessionRequest;
import io.ringmesh.coord.internal.Messages.ClusterInfo;
import io.ringmesh.coord.internal.Messages.DeregisterRequest;
import io.ringmesh.coord.internal.Messages.GroupInfo;
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
import io.ringmesh.coord.internal.Messages.ShardOutcome;
import io.ringmesh.coord.internal.Messages.WithdrawRequest;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiFunction;
import java.util.function.IntFunction;
import java.util.function.Supplier;

/**
 * {@link CoordinatorService} of one coordinator process: validates requests, routes each to the
 * {@link ShardService} of its shard (or of the registry group), and answers NOT_LEADER for groups
 * led elsewhere. Thread-safe.
 */
public final class LocalCoordinatorService implements CoordinatorService {
  private final Supplier<ClusterInfo> clusterInfo;
  private final ClusterInfo info;
  private final Placement placement;
  private final List<ShardService> shards;
  private final IntFunction<List<String>> placedReplicas;

  /** Whether some group carries several shards (its service then fills several slots). */
  private final boolean sharedGroups;

  /**
   * @param clusterInfo the cluster's facts; asked on every call, since the coordinators it lists
   *     change with the membership
   * @param shards the service of each shard's group, in shard order, then the registry's; shards
   *     that share a group share its service
   * @param placedReplicas the replica ids of a group by the current membership's placement, for
   *     groups not hosted here (a hosted group reports its Raft configuration)
   */
  public LocalCoordinatorService(
      Supplier<ClusterInfo> clusterInfo,
      Placement placement,
      List<ShardService> shards,
      IntFunction<List<String>> placedReplicas) {
    ClusterInfo first = clusterInfo.get();
    if (shards.size() != first.shards() + 1) {
      throw new IllegalArgumentException(
          "expected "
              + (first.shards() + 1)
              + " group services (the shards and the registry), got "
              + shards.size());
    }
    this.clusterInfo = clusterInfo;
    this.info = first;
    this.placement = placement;
    this.shards = List.copyOf(shards);
    this.placedReplicas = placedReplicas;
    this.sharedGroups = shards.stream().distinct().count() < shards.size();
  }

  @Override
  public ClusterInfo clusterInfo() {
    return clusterInfo.get();
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
  public CompletableFuture<ReleaseReply> withdraw(WithdrawRequest r) {
    Optional<String> bad = Validation.checkName(r.name());
    if (bad.isPresent()) {
      return CompletableFuture.completedFuture(
          new ReleaseReply(Status.INVALID_ARGUMENT, bad.get(), Optional.empty()));
    }
    return shardOf(r.name()).withdraw(r);
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

  @Override
  public CompletableFuture<RegistryWriteReply> register(RegisterRequest r) {
    Optional<String> bad = Validation.checkEntry(r.entry());
    if (bad.isPresent()) {
      return CompletableFuture.completedFuture(
          new RegistryWriteReply(Status.INVALID_ARGUMENT, bad.get(), Optional.empty(), false));
    }
    return registry().register(r);
  }

  @Override
  public CompletableFuture<RegistryWriteReply> deregister(DeregisterRequest r) {
    Optional<String> bad = Validation.checkRegistryKey(r.service(), r.nodeId());
    if (bad.isPresent()) {
      return CompletableFuture.completedFuture(
          new RegistryWriteReply(Status.INVALID_ARGUMENT, bad.get(), Optional.empty(), false));
    }
    return registry().deregister(r);
  }

  @Override
  public CompletableFuture<RegistryReply> registry(RegistryRequest r) {
    if (r.knownVersion() >= 0 && r.maxWaitMillis() < 0) {
      return CompletableFuture.completedFuture(
          new RegistryReply(
              Status.INVALID_ARGUMENT,
              "maxWait must not be negative, was " + r.maxWaitMillis() + " ms",
              Optional.empty(),
              0,
              List.of()));
    }
    return registry().registry(r);
  }

  @Override
  public CompletableFuture<ListLocksReply> listLocks(ListLocksRequest r) {
    if (r.shard() < 0 || r.shard() >= info.shards() || r.limit() < 0) {
      return CompletableFuture.completedFuture(
          new ListLocksReply(
              Status.INVALID_ARGUMENT,
              "shard must be in [0, "
                  + info.shards()
                  + ") and limit not negative; was shard "
                  + r.shard()
                  + ", limit "
                  + r.limit(),
              Optional.empty(),
              List.of(),
              0));
    }
    ShardService service = shards.get(r.shard());
    return sharedGroups
        ? service.listLocks(r.limit(), r.shard(), info.shards())
        : service.listLocks(r.limit());
  }

  @Override
  public CompletableFuture<GroupsReply> groups() {
    List<GroupInfo> groups = new ArrayList<>(shards.size());
    for (int i = 0; i < shards.size(); i++) {
      ShardService s = shards.get(i);
      groups.add(
          new GroupInfo(
              i,
              i == info.shards(),
              s.leaderId(),
              s.replicaIds().orElseGet(() -> placedReplicas.apply(s.shard()))));
    }
    return CompletableFuture.completedFuture(new GroupsReply(Status.OK, "ok", groups));
  }

  private ShardService registry() {
    return shards.get(info.shards());
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
    // Shards that share a group share its session table: one call per group, its outcome
    // reported for each of them.
    Map<ShardService, CompletableFuture<ShardOutcome>> byGroup = new IdentityHashMap<>();
    for (int shard : shardIds) {
      if (shard < 0 || shard >= shards.size()) {
        outcomes.add(
            done(
                shard,
                Status.INVALID_ARGUMENT,
                "group "
                    + shard
                    + " does not exist; the cluster has "
                    + info.shards()
                    + " shards and the registry (group "
                    + info.shards()
                    + ")"));
        continue;
      }
      ShardService service = shards.get(shard);
      CompletableFuture<ShardOutcome> first = byGroup.get(service);
      if (first == null) {
        first = call.apply(shard, service);
        byGroup.put(service, first);
      }
      outcomes.add(
          sharedGroups
              ? first.thenApply(
                  o -> new ShardOutcome(shard, o.status(), o.message(), o.leaderHint()))
              : first);
    }
    return CompletableFuture.allOf(outcomes.toArray(CompletableFuture<?>[]::new))
        .thenApply(v -> new SessionReply(outcomes.stream().map(CompletableFuture::join).toList()));
  }

  private static CompletableFuture<ShardOutcome> done(int shard, Status status, String message) {
    return CompletableFuture.completedFuture(
        new ShardOutcome(shard, status, message, Optional.empty()));
  }
}
