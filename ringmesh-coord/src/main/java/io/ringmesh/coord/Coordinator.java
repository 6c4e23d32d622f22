package io.ringmesh.coord;

import io.ringmesh.coord.internal.ClusterMetadata;
import io.ringmesh.coord.internal.CoordinatorAdmin;
import io.ringmesh.coord.internal.CoordinatorService;
import io.ringmesh.coord.internal.LeaderBalancer;
import io.ringmesh.coord.internal.LocalCoordinatorService;
import io.ringmesh.coord.internal.Membership;
import io.ringmesh.coord.internal.Messages.ClusterInfo;
import io.ringmesh.coord.internal.OffloadingCoordinatorService;
import io.ringmesh.coord.internal.Placement;
import io.ringmesh.coord.internal.ShardService;
import io.ringmesh.rpc.RpcServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A lock-service coordinator: one Apache Ratis server hosting the Raft groups of the lock shards it
 * replicates, and the service that lock clients call.
 *
 * <p>The embedded default is one coordinator that hosts every shard, all in one one-peer group
 * ({@link Builder#groups}), with its data under {@code ./data}. The same code runs a 3- or
 * 5-coordinator ensemble: give every coordinator the same {@link Builder#peers peer list} and its
 * own {@link Builder#self id}; each shard is then its own group, replicated on the first {@link
 * Builder#replicas R} coordinators of the ring's preference list for the shard.
 *
 * <p>Besides the shards, every cluster has one more group, the service registry, numbered after the
 * last shard and placed on coordinators the same way (see {@link Registry}).
 *
 * <p>The Raft log is on disk and synced before an entry counts as written; automatic snapshots
 * bound it. A coordinator restarted on the same data directory recovers every session, held lock,
 * waiter and token, then expires the sessions that no longer heartbeat.
 *
 * <p>Thread-safe. {@link #close()} stops it; a closed coordinator cannot be restarted (start a new
 * one on the same directory).
 */
public final class Coordinator implements AutoCloseable {
  /** The default number of shards of a new cluster. */
  public static final int DEFAULT_SHARDS = 16;

  private static final Logger LOG = LoggerFactory.getLogger(Coordinator.class);

  private final Path dataDirectory;
  private final ClusterMetadata metadata;
  private final TimeSource time;
  private final Duration sessionCheckInterval;
  private final List<ShardService> shards;

  /** Each group's service once, in group order: shards that share a group share its service. */
  private final List<ShardService> groupServices;

  /** Completes its futures on Ratis' threads; served over RPC. */
  private final CoordinatorService service;

  /** {@link #service} for in-process clients: completes on {@link #executor}. */
  private final CoordinatorService inProcessService;

  private final ExecutorService executor;
  private final RaftServer server;
  private final String selfId;
  private final String raftAddress;
  private final int replicas;
  private final CoordinatorAdmin admin = new Admin();

  /** The membership record; replaced (under {@code this}) by {@link Admin#updateMembership}. */
  private volatile Membership membership;

  /**
   * Group commit's default where shards share Raft groups: one entry in flight, lone operations
   * pipelined (decision 0010).
   */
  private static final int SHARED_GROUP_COMMIT = 1;

  private volatile @Nullable RpcServer rpcServer;
  private volatile boolean closed;
  private volatile TimeSource.@Nullable Cancellable sweepTimer;
  private volatile TimeSource.@Nullable Cancellable balanceTimer;

  /** How often the leader balancer looks at the groups this coordinator leads. */
  private static final Duration BALANCE_INTERVAL = Duration.ofSeconds(1);

  private final boolean balanceLeaders;

  /** Decides leadership hand-backs. */
  private final LeaderBalancer balancer;

  /** Transfers wait this long for the preferred replica to win (writes are refused meanwhile). */
  private final long transferTimeoutMillis;

  private Coordinator(
      Builder b,
      ClusterMetadata metadata,
      List<ShardService> shards,
      Membership membership,
      String raftAddress,
      int replicas,
      ExecutorService executor,
      RaftServer server) {
    this.dataDirectory = b.dataDirectory;
    this.metadata = metadata;
    this.time = b.time;
    this.sessionCheckInterval = b.sessionCheckInterval;
    this.shards = shards;
    this.groupServices = shards.stream().distinct().toList();
    this.executor = executor;
    this.server = server;
    this.selfId = b.self;
    this.membership = membership;
    this.raftAddress = raftAddress;
    this.replicas = replicas;
    this.service =
        new LocalCoordinatorService(
            () ->
                new ClusterInfo(
                    metadata.clusterName(),
                    metadata.shards(),
                    b.self,
                    this.membership.endpoints().entrySet().stream()
                        .map(e -> e.getKey() + "=" + e.getValue())
                        .toList()),
            new Placement(metadata.shards()),
            shards,
            group -> Placement.replicas(group, this.membership.ids(), replicas));
    this.inProcessService = new OffloadingCoordinatorService(service, executor);
    Duration max = Builder.electionMax(b.electionTimeoutMax);
    // A replica must answer and keep up for five election timeouts (at least 2 s), and a new
    // leader lead as long, before leadership moves; then a group waits 30 s between transfers,
    // doubling after failures up to 5 minutes (LeaderBalancer).
    Duration settleFor = b.balanceSettle;
    long settle =
        settleFor != null
            ? settleFor.toNanos()
            : Math.max(Duration.ofSeconds(2).toNanos(), max.multipliedBy(5).toNanos());
    this.balanceLeaders = b.balanceLeaders;
    this.balancer =
        new LeaderBalancer(
            settle,
            max.toMillis(),
            Duration.ofSeconds(30).toNanos(),
            Duration.ofMinutes(5).toNanos());
    // A transfer normally ends within one election round; while it is pending Ratis refuses the
    // group's writes, so a transfer whose StartLeaderElection was lost costs this long.
    this.transferTimeoutMillis = Math.max(1_000, max.toMillis());
  }

  /** A builder with the embedded defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /** The number of shards, fixed when the cluster was created. */
  public int shards() {
    return metadata.shards();
  }

  /** The cluster's name. */
  public String clusterName() {
    return metadata.clusterName();
  }

  /** This coordinator's id in the peer list. */
  public String id() {
    return selfId;
  }

  /** The shards this coordinator leads now (ready to serve), in shard order. */
  public List<Integer> ledShards() {
    List<Integer> led = new ArrayList<>();
    for (int i = 0; i < metadata.shards(); i++) {
      if (shards.get(i).isReadyLeader()) {
        led.add(i);
      }
    }
    return led;
  }

  /** How many Raft groups carry the lock shards, fixed when the cluster was created. */
  public int groups() {
    return metadata.groups();
  }

  /** Whether this coordinator leads the registry group now (and is ready to serve it). */
  public boolean leadsRegistry() {
    return shards.get(metadata.shards()).isReadyLeader();
  }

  /** The data directory. */
  public Path dataDirectory() {
    return dataDirectory;
  }

  /**
   * The port lock clients reach this coordinator on over ringmesh-rpc ({@link
   * LockClient.Builder#connect}), or -1 if it serves in-process clients only ({@link
   * Builder#rpcPort} not set).
   */
  public int rpcPort() {
    RpcServer s = rpcServer;
    return s == null ? -1 : s.port();
  }

  /**
   * The service in-process lock clients call: {@link #service}'s futures, completed on the executor
   * instead of Ratis' threads. Clients in other processes reach {@link #service} itself over RPC.
   */
  CoordinatorService service() {
    return inProcessService;
  }

  /** The ids of the coordinators this one knows as the ensemble's members, in peer-list order. */
  public List<String> members() {
    return membership.ids();
  }

  /**
   * The membership service {@code coord add|remove} calls; see {@link MembershipChange}. Records a
   * new membership durably; the Raft groups are changed through Ratis, not here.
   */
  private final class Admin implements CoordinatorAdmin {
    @Override
    public MembershipInfo membership() {
      Membership m = Coordinator.this.membership;
      Map<String, String> peers = new LinkedHashMap<>(m.peers());
      if (peers.containsKey(selfId)) {
        peers.put(selfId, raftAddress); // as bound: the configured port may have been 0
      }
      return new MembershipInfo(
          metadata.clusterName(),
          metadata.shards(),
          replicas,
          selfId,
          raftAddress,
          m.epoch(),
          Membership.format(peers),
          Membership.format(m.pending()),
          Membership.format(m.endpoints()),
          m.joining(),
          metadata.groups());
    }

    @Override
    public MembershipInfo updateMembership(MembershipUpdate u) {
      if (!u.clusterName().equals(metadata.clusterName())) {
        throw new IllegalArgumentException(
            "coordinator "
                + selfId
                + " belongs to cluster '"
                + metadata.clusterName()
                + "', not '"
                + u.clusterName()
                + "'");
      }
      synchronized (Coordinator.this) {
        Membership m = Coordinator.this.membership;
        if (u.epoch() > m.epoch()) {
          Map<String, String> peers = Membership.parse(u.peers());
          Membership next =
              new Membership(
                  u.epoch(),
                  peers,
                  Membership.parse(u.pending()),
                  Membership.parse(u.endpoints()),
                  m.joining() && !peers.containsKey(selfId));
          try {
            next.store(dataDirectory);
          } catch (IOException e) {
            throw new java.io.UncheckedIOException(
                "coordinator "
                    + selfId
                    + " could not record the membership in "
                    + dataDirectory.resolve(Membership.FILE).toAbsolutePath(),
                e);
          }
          Coordinator.this.membership = next;
          LOG.info("coordinator {}: membership epoch {}: {}", selfId, u.epoch(), u.peers());
        }
      }
      return membership();
    }
  }

  /** Stops serving: open calls end with UNAVAILABLE, then the Ratis server shuts down. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    TimeSource.Cancellable t = sweepTimer;
    if (t != null) {
      t.cancel();
    }
    TimeSource.Cancellable b = balanceTimer;
    if (b != null) {
      b.cancel();
    }
    RpcServer rpc = rpcServer;
    if (rpc != null) {
      rpc.shutdown(); // GOAWAY: no new calls; open waits end below, with UNAVAILABLE
    }
    groupServices.forEach(ShardService::close);
    if (rpc != null) {
      rpc.close();
    }
    try {
      server.close();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("closing the Ratis server of " + selfId, e);
    } finally {
      executor.shutdown();
      try {
        executor.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /**
   * Every {@link #BALANCE_INTERVAL}, offers each group this coordinator leads to the {@link
   * LeaderBalancer}, and starts at most one transfer per run, so hand-backs after a coordinator
   * returns go one group at a time. Only in an ensemble with no membership change in progress.
   */
  private void scheduleBalance() {
    if (closed || !balanceLeaders) {
      return;
    }
    balanceTimer =
        time.schedule(
            BALANCE_INTERVAL,
            () -> {
              if (closed) {
                return;
              }
              try {
                balanceOnce();
              } catch (RuntimeException e) {
                LOG.warn("leader balancing failed on {}; trying again next round", selfId, e);
              }
              scheduleBalance();
            });
  }

  private void balanceOnce() {
    Membership m = membership;
    List<String> ids = m.ids();
    if (ids.size() < 2 || !m.pending().isEmpty()) {
      return;
    }
    List<String> preferredLeaders =
        Placement.preferredLeaders(metadata.shards() + 1, ids, Math.min(replicas, ids.size()));
    boolean started = false;
    for (ShardService group : groupServices) {
      int g = group.shard();
      if (g >= preferredLeaders.size()) {
        continue;
      }
      Optional<LeaderBalancer.View> view = group.leadership(selfId, preferredLeaders.get(g));
      if (view.isEmpty()) {
        balancer.notLeading(g);
        continue;
      }
      if (started) {
        continue;
      }
      Optional<String> to = balancer.decide(time.nanoTime(), view.get());
      if (to.isPresent()) {
        started = true;
        LOG.info(
            "moving the leadership of {} to its preferred coordinator {}", group.label(), to.get());
        group
            .transferLeadership(to.get(), transferTimeoutMillis)
            .whenComplete(
                (outcome, error) -> {
                  boolean ok = error == null && outcome == ShardService.TransferOutcome.MOVED;
                  balancer.transferEnded(g, time.nanoTime(), ok);
                  if (outcome == ShardService.TransferOutcome.STUCK) {
                    LOG.warn(
                        "{}: the transfer to {} failed in a way that leaves Ratis refusing the"
                            + " group's writes; {} steps down so that the group elects a leader",
                        group.label(),
                        to.get(),
                        selfId);
                    group.stepDown();
                  } else if (!ok) {
                    LOG.info(
                        "{} stays led by {}: the transfer to {} did not complete; retried later",
                        group.label(),
                        selfId,
                        to.get());
                  }
                });
      }
    }
  }

  private void scheduleSweep() {
    if (closed) {
      return;
    }
    sweepTimer =
        time.schedule(
            sessionCheckInterval,
            () -> {
              if (closed) {
                return;
              }
              for (ShardService s : groupServices) {
                s.sweep();
              }
              scheduleSweep();
            });
  }

  /**
   * Configures and starts a {@link Coordinator}. Every setting fails fast with a message naming it.
   * Not thread-safe.
   */
  public static final class Builder {
    private Path dataDirectory = Path.of("data");
    private String clusterName = "ringmesh";
    private int shards;
    private int groups;
    private String peers = "coord-0=127.0.0.1:0";
    private String self = "coord-0";
    private int replicas = 3;
    private TimeSource time = TimeSource.system();
    private Duration sessionCheckInterval = Duration.ofMillis(100);
    private long snapshotThreshold = 10_000;
    private int groupCommit = -1; // unset: chosen by the group layout
    private boolean balanceLeaders = true;
    private @Nullable Duration balanceSettle;
    private Duration startTimeout = Duration.ofSeconds(60);
    private int rpcPort = -1;
    private String rpcBindAddress = "127.0.0.1";
    private @Nullable Duration electionTimeoutMin;
    private @Nullable Duration electionTimeoutMax;
    private boolean join;

    private Builder() {}

    /**
     * Starts this coordinator to join a running ensemble: its Ratis server and RPC port start, but
     * it creates no groups; {@code coord add} ({@link MembershipChange#add}) then places on it the
     * groups whose preference list now includes it, and they catch up from their leaders. Give it
     * the ensemble's peer list with itself added. Ignored on a data directory that has already been
     * added. Default false: a new cluster's coordinators create their groups.
     */
    public Builder join(boolean join) {
      this.join = join;
      return this;
    }

    /**
     * Serves lock clients over ringmesh-rpc on {@code port} (0 picks a free one; see {@link
     * Coordinator#rpcPort()}). Not set, the coordinator serves only clients in its own process.
     */
    public Builder rpcPort(int port) {
      if (port < 0 || port > 65_535) {
        throw new IllegalArgumentException("rpcPort must be in [0, 65535], was " + port);
      }
      this.rpcPort = port;
      return this;
    }

    /**
     * Raft's election timeout range (Ratis' defaults when not set, 150-300 ms in Ratis 3.2). A
     * follower that hears nothing from its leader for a random time in the range starts an
     * election: a shorter range fails over faster, a longer one holds up better on an overloaded
     * machine, where a starved leader's heartbeats arrive late.
     */
    public Builder electionTimeout(Duration min, Duration max) {
      if (min.isNegative() || min.isZero() || max.compareTo(min) <= 0) {
        throw new IllegalArgumentException(
            "electionTimeout needs 0 < min < max, was " + min + " to " + max);
      }
      this.electionTimeoutMin = min;
      this.electionTimeoutMax = max;
      return this;
    }

    /**
     * The address the RPC port binds to; default {@code 127.0.0.1}, so a coordinator is reachable
     * from other hosts only when asked ({@code 0.0.0.0} for every interface).
     */
    public Builder rpcBindAddress(String address) {
      if (address.isBlank()) {
        throw new IllegalArgumentException("rpcBindAddress must not be blank");
      }
      this.rpcBindAddress = address;
      return this;
    }

    /** Where the Raft logs, snapshots and cluster metadata live; default {@code ./data}. */
    public Builder dataDirectory(Path dir) {
      this.dataDirectory = dir;
      return this;
    }

    /** The cluster's name, part of every shard's group id; default {@code ringmesh}. */
    public Builder clusterName(String name) {
      if (name.isBlank()) {
        throw new IllegalArgumentException("clusterName must not be blank");
      }
      this.clusterName = name;
      return this;
    }

    /**
     * The shard count of a new cluster (default 16). An existing data directory keeps the count it
     * was created with, and refuses to start if a different one is set here.
     */
    public Builder shards(int shards) {
      if (shards < 1 || shards > 4096) {
        throw new IllegalArgumentException("shards must be in [1, 4096], was " + shards);
      }
      this.shards = shards;
      return this;
    }

    /**
     * How many Raft groups carry the lock shards of a new cluster, in [1, shards]; shard {@code s}
     * is in group {@code s % groups}. Default: 1 for a single coordinator (the embedded default),
     * one group per shard for an ensemble, so that shard leaders spread over the coordinators.
     * Fewer groups share each log's syncs and threads among more locks: decision 0010. Fixed at
     * creation, like the shard count, because fencing tokens are the group's log indexes; an
     * existing data directory refuses a different value.
     */
    public Builder groups(int groups) {
      if (groups < 1 || groups > 4096) {
        throw new IllegalArgumentException(
            "groups must be in [1, 4096] and at most the shard count, was " + groups);
      }
      this.groups = groups;
      return this;
    }

    /**
     * The coordinators of the ensemble, as {@code id=host:port,...}, where the address is the Ratis
     * port. Default {@code coord-0=127.0.0.1:0}: one coordinator on a free loopback port.
     */
    public Builder peers(String peers) {
      parsePeers(peers); // fail fast
      this.peers = peers;
      return this;
    }

    /** This coordinator's id in {@link #peers}; default {@code coord-0}. */
    public Builder self(String id) {
      this.self = id;
      return this;
    }

    /** How many coordinators replicate each shard (default 3, at most the ensemble size). */
    public Builder replicas(int replicas) {
      if (replicas < 1) {
        throw new IllegalArgumentException("replicas must be at least 1, was " + replicas);
      }
      this.replicas = replicas;
      return this;
    }

    /** The clock of session expiry and wait timeouts; default {@link TimeSource#system()}. */
    public Builder timeSource(TimeSource time) {
      this.time = time;
      return this;
    }

    /** How often the leader looks for expired sessions; default 100 ms. */
    public Builder sessionCheckInterval(Duration interval) {
      if (interval.isNegative() || interval.isZero()) {
        throw new IllegalArgumentException(
            "sessionCheckInterval must be positive, was " + interval);
      }
      this.sessionCheckInterval = interval;
      return this;
    }

    /**
     * For tests on a fake clock: whether the leader balancer runs, and how long a preferred replica
     * must stay healthy before leadership moves to it (null: the default, five election timeouts
     * and at least 2 s).
     */
    Builder leaderBalancing(boolean on, @Nullable Duration settle) {
      this.balanceLeaders = on;
      this.balanceSettle = settle;
      return this;
    }

    /** Log entries between automatic snapshots of a shard; default 10,000. */
    public Builder snapshotThreshold(long entries) {
      if (entries < 1) {
        throw new IllegalArgumentException("snapshotThreshold must be positive, was " + entries);
      }
      this.snapshotThreshold = entries;
      return this;
    }

    /**
     * Group commit: with N &gt; 0, each Raft group keeps at most N log entries in flight and the
     * lock operations that arrive meanwhile share its next entry (one sync and one pass through
     * Ratis' threads for all of them); while the entries in flight are single operations, a lone
     * arrival goes at once beside them (up to 2N), so light load is not held back. With 0, every
     * operation is its own entry, proposed at once. Default: 1 when the shards share groups (a lone
     * coordinator's default, where all operations meet in one group: +10 to 20% throughput,
     * decision 0010), 0 (off) with one group per shard, where a group sees too few operations at a
     * time to batch (decision 0009). Turn it on in an ensemble only once every coordinator runs a
     * version that has it: an older version cannot read a batch entry.
     */
    public Builder groupCommit(int entriesInFlight) {
      if (entriesInFlight < 0) {
        throw new IllegalArgumentException(
            "groupCommit must be 0 (off) or the entries in flight per shard, was "
                + entriesInFlight);
      }
      this.groupCommit = entriesInFlight;
      return this;
    }

    /** How long {@link #start()} waits for every local shard to elect a leader; default 60 s. */
    public Builder startTimeout(Duration timeout) {
      this.startTimeout = timeout;
      return this;
    }

    /**
     * Starts the coordinator: creates or checks the data directory, starts Ratis, creates the shard
     * groups a new cluster lacks, and waits until the local shards have leaders.
     *
     * @throws IOException naming the file or setting at fault, if the data directory was created
     *     with other settings, a snapshot or log is damaged, or Ratis cannot start
     */
    public Coordinator start() throws IOException {
      Map<String, String> peerAddresses = parsePeers(peers);
      if (!peerAddresses.containsKey(self)) {
        throw new IllegalArgumentException(
            "self id '" + self + "' is not in the peer list " + peerAddresses.keySet());
      }
      Files.createDirectories(dataDirectory);
      ClusterMetadata metadata =
          ClusterMetadata.loadOrCreate(
              dataDirectory,
              clusterName,
              shards,
              DEFAULT_SHARDS,
              groups,
              // One coordinator gains nothing from a group per shard (its leaders cannot spread)
              // and pays each group's threads and syncs per entry: see decision 0010.
              peerAddresses.size() == 1 && !join ? 1 : Integer.MAX_VALUE);
      Membership recorded = Membership.load(dataDirectory);
      if (recorded != null && !recorded.joining()) {
        peerAddresses = recordedPeers(recorded, peerAddresses);
      }
      // A coordinator creates groups only on the first start of its data directory: once the
      // membership is recorded, a group missing here was moved away by coord add|remove (or
      // never was here), and re-creating it with a stale member list would start a rival group.
      boolean joining = recorded != null ? recorded.joining() : join;
      boolean mayCreateGroups = recorded == null && !joining;
      Map<String, String> configured = new LinkedHashMap<>(peerAddresses);
      List<String> ids = List.copyOf(peerAddresses.keySet());
      int r = Math.min(replicas, ids.size());

      ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
      List<ShardService> services = new ArrayList<>();
      Map<RaftGroupId, ShardService> byGroup = new LinkedHashMap<>();
      Map<Integer, List<String>> hosted = new LinkedHashMap<>();
      // Groups 0..S-1 are the lock shards; group S is the registry, placed like a shard S would
      // be, so that a new coordinator set spreads it like the rest.
      // With fewer lock groups than shards, shard s is served by group s % groups: its slot in
      // the list holds that group's service.
      for (int i = 0; i <= metadata.shards(); i++) {
        if (!metadata.isGroup(i)) {
          services.add(services.get(metadata.groupOf(i)));
          continue;
        }
        RaftGroupId gid = RaftGroupId.valueOf(metadata.groupUuid(i));
        ShardService s =
            new ShardService(
                i,
                gid,
                time,
                executor,
                groupCommit >= 0
                    ? groupCommit
                    : metadata.groups() < metadata.shards() && i < metadata.shards()
                        ? SHARED_GROUP_COMMIT // lock groups only: registry commands never batch
                        : ShardService.DEFAULT_GROUP_COMMIT,
                leaderWait(electionTimeoutMax),
                groupLabel(i, metadata));
        services.add(s);
        byGroup.put(gid, s);
        List<String> replicaIds = Placement.replicas(i, ids, r);
        if (replicaIds.contains(self) && !joining) {
          hosted.put(i, replicaIds);
        }
      }

      String selfAddress = peerAddresses.get(self);
      RaftProperties properties = ratisProperties(selfAddress);
      RaftServer server;
      try {
        server =
            RaftServer.newBuilder()
                .setServerId(RaftPeerId.valueOf(self))
                .setProperties(properties)
                .setStateMachineRegistry(
                    gid -> {
                      ShardService s = byGroup.get(gid);
                      if (s == null) {
                        throw new IllegalStateException(
                            "group "
                                + gid
                                + " in "
                                + dataDirectory.toAbsolutePath()
                                + " is not a shard of cluster '"
                                + metadata.clusterName()
                                + "'");
                      }
                      return s.newStateMachine();
                    })
                .setOption(RaftStorage.StartupOption.RECOVER)
                .build();
        server.start();
      } catch (IOException | RuntimeException e) {
        executor.shutdownNow();
        throw new IOException(
            "coordinator "
                + self
                + " failed to start from data directory "
                + dataDirectory.toAbsolutePath()
                + ": "
                + causeChain(e)
                + failingShard(causeChain(e), byGroup),
            e);
      }
      Coordinator coordinator = null;
      try {
        int port = server.getServerRpc().getInetSocketAddress().getPort();
        String host = selfAddress.substring(0, selfAddress.lastIndexOf(':'));
        String bound = host + ":" + port;
        peerAddresses.put(self, bound);
        byGroup.values().forEach(s -> s.attach(server));
        if (mayCreateGroups) {
          createMissingGroups(server, properties, metadata, hosted, peerAddresses);
        }
        Membership membership =
            recorded != null
                ? recorded
                : new Membership(0, configured, Map.of(), Map.of(), joining);
        coordinator =
            new Coordinator(this, metadata, services, membership, bound, r, executor, server);
        coordinator.scheduleSweep();
        coordinator.scheduleBalance();
        awaitLeaders(services, hosted);
        if (recorded == null) {
          membership.store(dataDirectory); // after the groups exist: a failed start re-creates
        }
        if (rpcPort >= 0) {
          coordinator.rpcServer = startRpc(coordinator.service, coordinator.admin);
        }
        return coordinator;
      } catch (IOException | RuntimeException e) {
        if (coordinator != null) {
          coordinator.close();
        } else {
          byGroup.values().forEach(ShardService::close);
          server.close();
          executor.shutdownNow();
        }
        throw e;
      }
    }

    private RpcServer startRpc(CoordinatorService service, CoordinatorAdmin admin)
        throws IOException {
      try {
        return RpcServer.builder()
            .bindAddress(rpcBindAddress)
            .port(rpcPort)
            .service(CoordinatorService.class, service)
            .service(CoordinatorAdmin.class, admin)
            // Handlers only validate and hand off to Ratis or the in-memory session table; they
            // never block, so they run on the I/O thread.
            .directExecution()
            .shutdownGracePeriod(Duration.ofSeconds(2))
            .build()
            .start();
      } catch (IllegalStateException e) {
        throw new IOException(
            "coordinator "
                + self
                + " could not serve lock clients on "
                + rpcBindAddress
                + ":"
                + rpcPort
                + " ("
                + e.getMessage()
                + "); pick a free port with rpcPort(...)",
            e);
      }
    }

    /**
     * The recorded peers, with this coordinator's address as configured now (its port may be 0, or
     * moved); refuses to start a coordinator that a membership change removed.
     */
    private Map<String, String> recordedPeers(Membership recorded, Map<String, String> given)
        throws IOException {
      if (!recorded.peers().containsKey(self)) {
        throw new IOException(
            "coordinator "
                + self
                + " was removed from the ensemble: its membership record "
                + dataDirectory.resolve(Membership.FILE).toAbsolutePath()
                + " (epoch "
                + recorded.epoch()
                + ") lists "
                + recorded.ids()
                + ". To add it again, start it with an empty data directory and --join, then run"
                + " 'bin/ringmesh coord add "
                + self
                + "'");
      }
      if (!recorded.peers().keySet().equals(given.keySet())) {
        LOG.warn(
            "coordinator {}: the peer list given ({}) differs from the membership recorded by"
                + " coord add|remove (epoch {}: {}); using the recorded one",
            self,
            given.keySet(),
            recorded.epoch(),
            recorded.ids());
      }
      Map<String, String> peers = new LinkedHashMap<>(recorded.peers());
      peers.put(self, given.get(self));
      return peers;
    }

    /**
     * How long a request that meets an election on a coordinator waits there for it to end
     * (ShardService parks it until a leader is known): four election timeouts, at least a second.
     * Elections on a loaded two-core host took up to 3.6 s (EnsembleFailoverTest under eight busy
     * loops), so one park does not always cover one; the client's retry then parks again, with a
     * back-off that stays short because few attempts fail.
     */
    static Duration leaderWait(@Nullable Duration electionTimeoutMax) {
      Duration four = electionMax(electionTimeoutMax).multipliedBy(4);
      return four.compareTo(Duration.ofSeconds(1)) > 0 ? four : Duration.ofSeconds(1);
    }

    static Duration electionMax(@Nullable Duration electionTimeoutMax) {
      return electionTimeoutMax != null
          ? electionTimeoutMax
          : Duration.ofMillis(
              RaftServerConfigKeys.Rpc.TIMEOUT_MAX_DEFAULT.toLong(TimeUnit.MILLISECONDS));
    }

    /**
     * How long a leader that lost its majority's heartbeats sits out elections: about one election,
     * not Ratis' 10 s.
     *
     * <p>Ratis makes such a leader skip its own candidacy for the wait time (it is probably cut
     * off, and pre-vote keeps it from disrupting anyway). With the leader priorities we used to set
     * that skip turned into a stall: the stepped-down replica was the group's preferred leader, so
     * it also rejected every lower-priority candidate whose log equaled its own (since replaced by
     * LeaderBalancer). Even without the veto, a long skip keeps a group leaderless when the
     * stepped-down replica holds entries the others lack, so only it can win. With one coordinator
     * of three down, a stall of the last follower past the election timeout (a GC pause, or CPU
     * starvation on a loaded host) made the preferred leader step down, and then nobody could win
     * for 10 s: longer than a session's TTL and grace, so held leases were lost
     * (EnsembleFailoverTest, load 10; the members' logs show "Skipping leader election since it
     * stepped down recently" on one side and "reject PRE_VOTE ... our priority 1 > candidate's
     * priority 0" on the other, for the whole 10 s). The same value is Ratis' threshold for
     * stepping leaders down after a JVM pause, which is right for a pause that long: the other
     * replicas have held an election by then.
     */
    static Duration stepDownWait(@Nullable Duration electionTimeoutMax) {
      Duration twice = electionMax(electionTimeoutMax).multipliedBy(2);
      return twice.compareTo(Duration.ofSeconds(1)) > 0 ? twice : Duration.ofSeconds(1);
    }

    private RaftProperties ratisProperties(String selfAddress) {
      RaftProperties p = new RaftProperties();
      RaftServerConfigKeys.setStorageDir(p, List.of(dataDirectory.resolve("ratis").toFile()));
      int colon = selfAddress.lastIndexOf(':');
      String host = selfAddress.substring(0, colon);
      GrpcConfigKeys.Server.setHost(p, host);
      GrpcConfigKeys.Server.setPort(p, Integer.parseInt(selfAddress.substring(colon + 1)));
      // Durability: entries are synced before they count as written, and a damaged log stops the
      // start instead of being truncated.
      RaftServerConfigKeys.Log.setUseMemory(p, false);
      RaftServerConfigKeys.Log.setUnsafeFlushEnabled(p, false);
      RaftServerConfigKeys.Log.setAsyncFlushEnabled(p, false);
      RaftServerConfigKeys.Log.setCorruptionPolicy(
          p, RaftServerConfigKeys.Log.CorruptionPolicy.EXCEPTION);
      // Small segments, few of them cached. Ratis keeps every entry of the open segment in memory
      // (and up to segment.cache.num.max closed ones): with 8 MB segments that was every entry
      // since the start at the lock benchmark's rate, some 60,000 per shard, promoted to the old
      // generation and walked by each lookup of the segment's last record.
      RaftServerConfigKeys.Log.setSegmentSizeMax(p, SizeInBytes.valueOf("1MB"));
      RaftServerConfigKeys.Log.setPreallocatedSize(p, SizeInBytes.valueOf("1MB"));
      RaftServerConfigKeys.Log.setSegmentCacheNumMax(p, 2);
      RaftServerConfigKeys.Log.setPurgeUptoSnapshotIndex(p, true);
      // No commit-index metadata entries: with them on (Ratis' default) the leader appends one more
      // entry to the log after each commit it makes, so the log worker writes, and often syncs,
      // again for every lock operation. They only let a restarted replica apply its log before any
      // leader is elected; an entry is synced before it counts either way, and a restarted shard
      // serves nothing until its leader has committed an entry of its term, which commits the
      // whole log before it.
      RaftServerConfigKeys.Log.setLogMetadataEnabled(p, false);
      // Not async flush: Ratis 3.2.2 advances the flush index to the log's last written index when
      // the force completes (SegmentedRaftLogWorker.asyncFlushOutStream), which covers entries
      // written after that force began, and does so even when the force failed.
      // Entries would count before they are on disk.
      // Snapshots bound the log (Ratis has them off by default).
      RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(p, true);
      RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(p, snapshotThreshold);
      RaftServerConfigKeys.Snapshot.setRetentionFileNum(p, 2);
      Duration min = electionTimeoutMin;
      Duration max = electionTimeoutMax;
      if (min != null && max != null) {
        RaftServerConfigKeys.Rpc.setTimeoutMin(
            p, TimeDuration.valueOf(min.toMillis(), TimeUnit.MILLISECONDS));
        RaftServerConfigKeys.Rpc.setTimeoutMax(
            p, TimeDuration.valueOf(max.toMillis(), TimeUnit.MILLISECONDS));
      }
      RaftServerConfigKeys.LeaderElection.setLeaderStepDownWaitTime(
          p, TimeDuration.valueOf(stepDownWait(max).toMillis(), TimeUnit.MILLISECONDS));
      // Ratis closes the whole Raft server after a JVM pause of over a minute (its default
      // close.threshold): the process would go on answering RPCs and serve nothing until
      // restarted. Raft needs no such rule, as a replica that wakes from any pause learns the
      // current term from its peers and carries on as a follower; so no pause closes it
      // (EnsembleElectionTest.aCoordinatorPausedForOverAMinuteRejoinsEveryGroup).
      RaftServerConfigKeys.setCloseThreshold(p, TimeDuration.valueOf(365, TimeUnit.DAYS));
      // A short retry cache. Ratis keeps every write's reply there for this long so that a Ratis
      // client re-sending the same call id gets the first answer. Lock operations never reach Ratis
      // that way: ShardService submits each one once, under a call id of its own, and a client's
      // retry is a new call that the state machine's own duplicate table answers (ShardState). So
      // the cache only held garbage: with the default 60 s it kept some 480,000 replies alive under
      // bench lock (8,000 entries/s), which young collections copied and promoted (pauses of 60-430
      // ms in 20 s of JFR). Pending requests do not depend on it: a leader that steps down fails
      // them through its pending-request table.
      RaftServerConfigKeys.RetryCache.setExpiryTime(p, TimeDuration.valueOf(1, TimeUnit.SECONDS));
      // holder() must be linearizable: ReadIndex, not the default read option.
      RaftServerConfigKeys.Read.setOption(p, RaftServerConfigKeys.Read.Option.LINEARIZABLE);
      return p;
    }

    /**
     * Adds the groups of a new cluster on each of their replicas, through a Ratis client whose
     * retries are bounded (Ratis' default policy retries forever).
     */
    private void createMissingGroups(
        RaftServer server,
        RaftProperties properties,
        ClusterMetadata metadata,
        Map<Integer, List<String>> hosted,
        Map<String, String> addresses)
        throws IOException {
      List<String> ids = List.copyOf(addresses.keySet());
      Set<RaftGroupId> existing = new HashSet<>();
      server.getGroupIds().forEach(existing::add);
      for (Map.Entry<Integer, List<String>> e : hosted.entrySet()) {
        RaftGroupId gid = RaftGroupId.valueOf(metadata.groupUuid(e.getKey()));
        if (existing.contains(gid)) {
          continue;
        }
        // Every replica has the same Ratis priority: priorities would also decide elections,
        // and stall them while the preferred leader is away or just back (LeaderBalancer). The
        // leader balancer moves leadership to the preferred replica once it is healthy.
        List<RaftPeer> members = new ArrayList<>();
        for (String id : e.getValue()) {
          members.add(RaftPeer.newBuilder().setId(id).setAddress(addresses.get(id)).build());
        }
        RaftGroup group = RaftGroup.valueOf(gid, members);
        try (RaftClient client =
            RaftClient.newBuilder()
                .setProperties(properties)
                .setRaftGroup(group)
                .setRetryPolicy(
                    RetryPolicies.retryUpToMaximumCountWithFixedSleep(
                        10, TimeDuration.valueOf(200, TimeUnit.MILLISECONDS)))
                .build()) {
          for (RaftPeer member : members) {
            if (member.getId().toString().equals(self)) {
              RaftClientReply reply;
              try {
                reply = client.getGroupManagementApi(member.getId()).add(group);
              } catch (org.apache.ratis.protocol.exceptions.AlreadyExistsException retried) {
                continue; // a retry of an add that had worked (the first reply came too late)
              }
              boolean added = false;
              for (RaftGroupId g : server.getGroupIds()) {
                added |= g.equals(gid);
              }
              if (!reply.isSuccess() && !added) {
                throw new IOException(
                    "could not create the group of shard " + e.getKey() + ": " + reply);
              }
            }
          }
        }
      }
    }

    private void awaitLeaders(List<ShardService> services, Map<Integer, List<String>> hosted)
        throws IOException {
      List<CompletableFuture<Void>> ready = new ArrayList<>();
      for (Map.Entry<Integer, List<String>> e : hosted.entrySet()) {
        if (e.getValue().equals(List.of(self))) {
          ready.add(services.get(e.getKey()).firstReady());
        }
      }
      try {
        CompletableFuture.allOf(ready.toArray(CompletableFuture<?>[]::new))
            .get(startTimeout.toMillis(), TimeUnit.MILLISECONDS);
      } catch (TimeoutException e) {
        throw new IOException(
            "the local shards of coordinator "
                + self
                + " elected no leader within startTimeout "
                + startTimeout,
            e);
      } catch (ExecutionException e) {
        throw new IOException("waiting for shard leaders: " + causeChain(e), e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while waiting for shard leaders", e);
      }
    }

    /**
     * Ratis names a failing group but not its files; this names the shard, its log directory and
     * the files in it, so that an operator knows what to inspect or restore.
     */
    private String failingShard(String message, Map<RaftGroupId, ShardService> byGroup) {
      for (Map.Entry<RaftGroupId, ShardService> e : byGroup.entrySet()) {
        if (message.contains(e.getKey().toString())) {
          Path current =
              dataDirectory
                  .resolve("ratis")
                  .resolve(e.getKey().getUuid().toString())
                  .resolve("current")
                  .toAbsolutePath();
          List<String> files = new ArrayList<>();
          try (java.util.stream.Stream<Path> list = Files.list(current)) {
            list.map(f -> f.getFileName().toString()).sorted().forEach(files::add);
          } catch (IOException ignored) {
            // the directory itself is unreadable; naming it is all we can do
          }
          return ". It is "
              + e.getValue().label()
              + ", whose Raft log is in "
              + current
              + " (files: "
              + String.join(", ", files)
              + "); restore that directory from a backup, or rebuild it from its other"
              + " replicas";
        }
      }
      return "";
    }
  }

  /**
   * What messages call group {@code group}: "shard 3" where each shard is its own group, "the
   * registry", or for a group of several shards "lock group 0 (all 16 shards)" or "lock group 1
   * (shards 1, 5, 9, 13)".
   */
  static String groupLabel(int group, ClusterMetadata m) {
    if (group == m.shards()) {
      return "the registry";
    }
    if (m.groups() == m.shards()) {
      return "shard " + group;
    }
    if (m.groups() == 1) {
      return "lock group 0 (all " + m.shards() + " shards)";
    }
    List<String> shards = new ArrayList<>();
    for (int s = group; s < m.shards(); s += m.groups()) {
      shards.add(String.valueOf(s));
    }
    return "lock group " + group + " (shards " + String.join(", ", shards) + ")";
  }

  /** Parses {@code id=host:port,...}; messages name the bad entry. */
  static Map<String, String> parsePeers(String peers) {
    Map<String, String> parsed = new LinkedHashMap<>();
    for (String entry : peers.split(",")) {
      String e = entry.trim();
      int eq = e.indexOf('=');
      int colon = e.lastIndexOf(':');
      if (eq <= 0 || colon < eq + 2 || colon == e.length() - 1) {
        throw new IllegalArgumentException(
            "peer '" + e + "' in '" + peers + "' is not of the form id=host:port");
      }
      String id = e.substring(0, eq);
      try {
        int port = Integer.parseInt(e.substring(colon + 1));
        if (port < 0 || port > 65535) {
          throw new NumberFormatException();
        }
      } catch (NumberFormatException x) {
        throw new IllegalArgumentException(
            "peer '" + e + "' has port '" + e.substring(colon + 1) + "'; expected 0 to 65535");
      }
      if (parsed.put(id, e.substring(eq + 1)) != null) {
        throw new IllegalArgumentException("peer id '" + id + "' appears twice in '" + peers + "'");
      }
    }
    return parsed;
  }

  private static String causeChain(Throwable t) {
    StringBuilder b = new StringBuilder();
    Set<Throwable> seen = new HashSet<>();
    for (Throwable c = t; c != null && seen.add(c); c = c.getCause()) {
      if (c.getMessage() != null && (b.isEmpty() || !b.toString().contains(c.getMessage()))) {
        if (!b.isEmpty()) {
          b.append(" <- ");
        }
        b.append(c.getMessage());
      }
    }
    return b.isEmpty() ? t.toString() : b.toString();
  }
}
