package io.ringmesh.coord;

import io.ringmesh.coord.internal.CoordinatorService;
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
  public CompletableFuture<LockInfoReply> describe(LockInfoRequest request) {
    return new CompletableFuture<>();
  }
}
