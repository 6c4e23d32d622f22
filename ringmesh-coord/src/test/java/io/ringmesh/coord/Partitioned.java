package io.ringmesh.coord;

import io.ringmesh.coord.internal.CoordinatorService;
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

/** A service behind a partition: every call is sent and never answered. */
final class Partitioned implements CoordinatorService {
  private final ClusterInfo info;

  private Partitioned(ClusterInfo info) {
    this.info = info;
  }

  static CoordinatorService of(CoordinatorService reachable) {
    return new Partitioned(reachable.clusterInfo());
  }

  @Override
  public ClusterInfo clusterInfo() {
    return info;
  }

  @Override
  public CompletableFuture<SessionReply> openSession(OpenSessionRequest request) {
    return new CompletableFuture<>();
  }

  @Override
  public CompletableFuture<SessionReply> heartbeat(HeartbeatRequest request) {
    return new CompletableFuture<>();
  }

  @Override
  public CompletableFuture<SessionReply> closeSession(CloseSessionRequest request) {
    return new CompletableFuture<>();
  }

  @Override
  public CompletableFuture<AcquireReply> acquire(AcquireRequest request) {
    return new CompletableFuture<>();
  }

  @Override
  public CompletableFuture<ReleaseReply> release(ReleaseRequest request) {
    return new CompletableFuture<>();
  }

  @Override
  public CompletableFuture<ReleaseReply> withdraw(WithdrawRequest request) {
    return new CompletableFuture<>();
  }

  @Override
  public CompletableFuture<LockInfoReply> describe(LockInfoRequest request) {
    return new CompletableFuture<>();
  }

  @Override
  public CompletableFuture<RegistryWriteReply> register(RegisterRequest request) {
    return new CompletableFuture<>();
  }

  @Override
  public CompletableFuture<RegistryWriteReply> deregister(DeregisterRequest request) {
    return new CompletableFuture<>();
  }

  @Override
  public CompletableFuture<RegistryReply> registry(RegistryRequest request) {
    return new CompletableFuture<>();
  }

  @Override
  public CompletableFuture<ListLocksReply> listLocks(ListLocksRequest request) {
    return new CompletableFuture<>();
  }

  @Override
  public CompletableFuture<GroupsReply> groups() {
    return new CompletableFuture<>();
  }
}
