package io.ringmesh.coord.internal;

import io.ringmesh.coord.LockException;
import io.ringmesh.coord.internal.Messages.AcquireMode;
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
import io.ringmesh.rpc.CallOptions;
import io.ringmesh.rpc.Endpoint;
import io.ringmesh.rpc.RpcClient;
import io.ringmesh.rpc.RpcException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * {@link CoordinatorService} reached over ringmesh-rpc: the client side of the lock service's
 * transport. Thread-safe.
 *
 * <p>Design. The seam's contract is that outcomes are statuses inside replies, never exceptions, so
 * that {@code ClientSession}'s retry logic is the same in-process and over the network. This class
 * keeps that contract: a transport failure (refused connection, lost connection, per-attempt
 * deadline, shed load) becomes a reply with {@link Status#UNAVAILABLE}, which the session retries
 * with the same (session, requestId) pair, so the shard's table of applied requests turns a retry
 * after a lost reply into the original answer instead of a second grant. The next attempt goes to
 * the next coordinator in the list, so a client given every coordinator of an ensemble finds a live
 * one.
 *
 * <p>A waiting acquire is an open call: its RPC deadline is {@link #OPEN_WAIT_LIMIT}, because the
 * shard enforces the wait timeout itself and answers {@link Status#DEADLINE_EXCEEDED} (one proxy
 * serves every wait, and the timeout is the shard's clock, the one tests drive). A coordinator that
 * dies ends the call through the connection's close or its keepalive. Cancelling the returned
 * future cancels the call, and the server cancels the handler's future, which withdraws the waiter.
 */
public final class RemoteCoordinatorService implements CoordinatorService, AutoCloseable {
  /** The RPC deadline of a wait with no timeout of its own: long enough to be "forever". */
  static final Duration OPEN_WAIT_LIMIT = Duration.ofDays(30);

  private final RpcClient rpc;
  private final boolean ownsClient;
  private final List<Endpoint> endpoints;
  private final List<CoordinatorService> calls;
  private final List<CoordinatorService> openWaits;
  private final AtomicInteger current = new AtomicInteger();

  /**
   * @param rpc the RPC client to call through
   * @param ownsClient whether {@link #close()} closes {@code rpc}
   * @param endpoints the coordinators' RPC endpoints, tried in turn on transport failures
   * @param callTimeout the RPC deadline of each attempt of a call that does not wait
   */
  public RemoteCoordinatorService(
      RpcClient rpc, boolean ownsClient, List<Endpoint> endpoints, Duration callTimeout) {
    if (endpoints.isEmpty()) {
      throw new IllegalArgumentException("at least one coordinator endpoint is required");
    }
    this.rpc = rpc;
    this.ownsClient = ownsClient;
    this.endpoints = List.copyOf(endpoints);
    CallOptions options = CallOptions.DEFAULT.withTimeout(callTimeout);
    CallOptions waits = CallOptions.DEFAULT.withTimeout(OPEN_WAIT_LIMIT);
    List<CoordinatorService> c = new ArrayList<>();
    List<CoordinatorService> w = new ArrayList<>();
    for (Endpoint e : this.endpoints) {
      c.add(rpc.proxy(CoordinatorService.class, e, options));
      w.add(rpc.proxy(CoordinatorService.class, e, waits));
    }
    this.calls = List.copyOf(c);
    this.openWaits = List.copyOf(w);
  }

  /**
   * Parses {@code host:port[,host:port...]}.
   *
   * @throws IllegalArgumentException naming the entry that is not a valid endpoint
   */
  public static List<Endpoint> parseEndpoints(String text) {
    List<Endpoint> out = new ArrayList<>();
    for (String part : text.split(",", -1)) {
      String p = part.strip();
      if (p.isEmpty()) {
        throw new IllegalArgumentException(
            "empty entry in coordinator list '" + text + "'; expected host:port[,host:port...]");
      }
      try {
        out.add(Endpoint.parse(p));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "coordinator '" + p + "' in '" + text + "' is not host:port: " + e.getMessage(), e);
      }
    }
    return out;
  }

  /** The coordinators this service calls. */
  public List<Endpoint> endpoints() {
    return endpoints;
  }

  /**
   * Asks each coordinator in turn until one answers.
   *
   * @throws LockException UNAVAILABLE naming every coordinator tried and why it failed
   */
  @Override
  public ClusterInfo clusterInfo() {
    StringBuilder why = new StringBuilder();
    for (int i = 0; i < endpoints.size(); i++) {
      int k = Math.floorMod(current.get() + i, endpoints.size());
      try {
        ClusterInfo info = calls.get(k).clusterInfo();
        current.set(k);
        return info;
      } catch (RpcException e) {
        why.append(why.isEmpty() ? "" : "; ")
            .append(endpoints.get(k))
            .append(": ")
            .append(e.getMessage());
      }
    }
    throw new LockException(
        LockException.Code.UNAVAILABLE,
        "no coordinator answered ("
            + why
            + "); check that a coordinator is running there and reachable");
  }

  @Override
  public CompletableFuture<SessionReply> openSession(OpenSessionRequest r) {
    return call(s -> s.openSession(r), why -> sessionFailure(r.shards(), why));
  }

  @Override
  public CompletableFuture<SessionReply> heartbeat(HeartbeatRequest r) {
    return call(s -> s.heartbeat(r), why -> sessionFailure(r.shards(), why));
  }

  @Override
  public CompletableFuture<SessionReply> closeSession(CloseSessionRequest r) {
    return call(s -> s.closeSession(r), why -> sessionFailure(r.shards(), why));
  }

  @Override
  public CompletableFuture<AcquireReply> acquire(AcquireRequest r) {
    return call(
        s -> s.acquire(r),
        r.mode() == AcquireMode.WAIT,
        why -> new AcquireReply(Status.UNAVAILABLE, why, Optional.empty(), 0, 0));
  }

  @Override
  public CompletableFuture<ReleaseReply> release(ReleaseRequest r) {
    return call(
        s -> s.release(r), why -> new ReleaseReply(Status.UNAVAILABLE, why, Optional.empty()));
  }

  @Override
  public CompletableFuture<LockInfoReply> describe(LockInfoRequest r) {
    return call(
        s -> s.describe(r),
        why ->
            new LockInfoReply(
                Status.UNAVAILABLE, why, Optional.empty(), false, Optional.empty(), 0, 0));
  }

  /** Closes the RPC client if this service owns it. */
  @Override
  public void close() {
    if (ownsClient) {
      rpc.close();
    }
  }

  private <R> CompletableFuture<R> call(
      Function<CoordinatorService, CompletableFuture<R>> send, Function<String, R> failure) {
    return call(send, false, failure);
  }

  /**
   * Sends through the current coordinator's proxy; turns a transport failure into {@code
   * failure(why)} and moves on to the next coordinator; passes a cancel of the result on to the
   * call.
   */
  private <R> CompletableFuture<R> call(
      Function<CoordinatorService, CompletableFuture<R>> send,
      boolean openWait,
      Function<String, R> failure) {
    int k = current.get();
    Endpoint endpoint = endpoints.get(k);
    CompletableFuture<R> inFlight;
    try {
      inFlight = send.apply(openWait ? openWaits.get(k) : calls.get(k));
    } catch (RpcException e) {
      return CompletableFuture.completedFuture(failure.apply(describe(endpoint, k, e)));
    }
    CompletableFuture<R> out = new CompletableFuture<>();
    inFlight.whenComplete(
        (reply, error) -> {
          if (error == null) {
            out.complete(reply);
          } else {
            out.complete(failure.apply(describe(endpoint, k, unwrap(error))));
          }
        });
    out.whenComplete(
        (reply, error) -> {
          if (out.isCancelled()) {
            inFlight.cancel(false);
          }
        });
    return out;
  }

  private String describe(Endpoint endpoint, int index, Throwable error) {
    if (endpoints.size() > 1) {
      current.compareAndSet(index, (index + 1) % endpoints.size());
    }
    String what =
        error instanceof RpcException e ? e.status() + " " + e.getMessage() : String.valueOf(error);
    return "coordinator " + endpoint + " did not answer (" + what + "); the call is retried";
  }

  private static Throwable unwrap(Throwable t) {
    Throwable cur = t;
    while ((cur instanceof java.util.concurrent.CompletionException
            || cur instanceof java.util.concurrent.ExecutionException)
        && cur.getCause() != null) {
      cur = cur.getCause();
    }
    return cur;
  }

  private static SessionReply sessionFailure(List<Integer> shards, String why) {
    List<ShardOutcome> out = new ArrayList<>(shards.size());
    for (int shard : shards) {
      out.add(new ShardOutcome(shard, Status.UNAVAILABLE, why, Optional.empty()));
    }
    return new SessionReply(out);
  }
}
