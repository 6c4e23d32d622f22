package io.ringmesh.coord;

import io.ringmesh.coord.internal.ClusterMetadata;
import io.ringmesh.coord.internal.CoordinatorAdmin;
import io.ringmesh.coord.internal.CoordinatorAdmin.MembershipInfo;
import io.ringmesh.coord.internal.CoordinatorAdmin.MembershipUpdate;
import io.ringmesh.coord.internal.Membership;
import io.ringmesh.coord.internal.Placement;
import io.ringmesh.coord.internal.RemoteCoordinatorService;
import io.ringmesh.rpc.CallOptions;
import io.ringmesh.rpc.Endpoint;
import io.ringmesh.rpc.RpcClient;
import io.ringmesh.rpc.RpcException;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.protocol.GroupInfoReply;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.SetConfigurationRequest;
import org.apache.ratis.protocol.exceptions.AlreadyExistsException;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.util.TimeDuration;
import org.jspecify.annotations.Nullable;

/**
 * Adds a coordinator to a running ensemble or removes one ({@code bin/ringmesh coord add|remove}):
 * re-places, through Ratis membership changes, exactly the groups (lock shards and the registry)
 * whose replica set the ring's preference list changes, so their logs, locks and fencing tokens
 * continue; records the new membership on every coordinator; and reports each step to a progress
 * listener.
 *
 * <p>Not thread-safe; run one change at a time per ensemble. A change interrupted part-way leaves
 * every group on a valid configuration (old or new) and is finished by running it again.
 */
public final class MembershipChange implements AutoCloseable {
  /*
   * Design (docs/decisions/0008-coordinator-membership.md).
   *
   * Placement is a pure function of the coordinator set: group g lives on the first R distinct
   * coordinators of the preference list of "shard-g" (rendezvous hashing). Adding or removing a
   * coordinator changes that set only for the groups whose top R it enters or leaves, so only
   * those are touched; a group is compared by its actual Raft configuration with its target, not
   * by the old placement, which also makes a re-run skip the groups a failed run already moved.
   *
   * Each group changes by Ratis' setConfiguration, which is Raft's joint consensus (Ongaro and
   * Ousterhout 2014, §6; thesis §4.3): the leader first replicates the log (or a snapshot) to the
   * new member as a non-voting staging peer until it has caught up, then commits C_old,new, in
   * which every decision needs a majority of both sets, then C_new. Each group swaps at most one
   * member per change (R of n to R of n±1 moves one replica), so this is also the single-server
   * change of thesis §4.1, but joint consensus keeps it safe if a leader fails mid-way. The new
   * member is started empty (RaftGroup with no peers) as Ratis prescribes, so it cannot campaign
   * with a guessed configuration; the member that left is removed from its server afterwards.
   * Nothing is copied around the log: the state machine, its sessions, queues and the log index
   * that is the fencing token move inside Raft, so the next grant's token is higher.
   *
   * Leaders: every group's preferred leader is {@link Placement#preferredLeaders} over the new
   * membership, the same rule each coordinator's leader balancer applies. A moved group's
   * leadership is transferred there at the end of its move; an untouched group whose preferred
   * leader changed with the membership is moved later by the balancer of its leader, once the
   * change is recorded (at most one transfer per coordinator per second). Replicas all have the
   * same Ratis priority (see LeaderBalancer for why).
   *
   * The membership record (peers, RPC endpoints) is written to every coordinator twice: before
   * the first group moves, with the target as "pending" and every endpoint, so that clients
   * learn the new coordinator's endpoint before it leads anything; and after the last group, as
   * committed. A coordinator never creates groups once it has a record, so a restart with a stale
   * peer list cannot resurrect a group that moved away.
   */

  private final RpcClient rpc;
  private final List<Endpoint> endpoints;
  private final Duration callTimeout;
  private final Duration groupTimeout;
  private final Consumer<String> progress;

  private MembershipChange(Builder b, List<Endpoint> endpoints) {
    this.rpc = RpcClient.builder().build();
    this.endpoints = endpoints;
    this.callTimeout = b.callTimeout;
    this.groupTimeout = b.groupTimeout;
    this.progress = b.progress;
  }

  /** A builder; {@link Builder#connect} is required. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The outcome of a change.
   *
   * @param coordinator the id added or removed
   * @param members the ensemble after the change, in peer-list order
   * @param moved the groups whose replicas changed (the registry is numbered after the last shard)
   * @param unchanged the groups left alone
   * @param epoch the membership epoch recorded
   */
  public record Result(
      String coordinator,
      List<String> members,
      List<Integer> moved,
      List<Integer> unchanged,
      long epoch) {
    /** Copies the lists. */
    public Result {
      members = List.copyOf(members);
      moved = List.copyOf(moved);
      unchanged = List.copyOf(unchanged);
    }
  }

  /**
   * Adds coordinator {@code id}, which must be running with {@link Coordinator.Builder#join} and be
   * among the endpoints this change connects to.
   *
   * @throws MembershipException naming what was wrong and what to do; {@link
   *     MembershipException#badRequest()} for an unknown or existing id
   */
  public Result add(String id) {
    return change(id, true);
  }

  /**
   * Removes coordinator {@code id}; it may be down. Every other coordinator must answer.
   *
   * @throws MembershipException naming what was wrong and what to do; {@link
   *     MembershipException#badRequest()} for an unknown id, or if fewer coordinators than replicas
   *     per group would be left
   */
  public Result remove(String id) {
    return change(id, false);
  }

  @Override
  public void close() {
    rpc.close();
  }

  // ---- the change ----

  private record Answer(Endpoint endpoint, MembershipInfo info) {}

  private Result change(String id, boolean adding) {
    if (id.isBlank() || id.contains(",") || id.contains("=")) {
      throw new MembershipException(
          true, "'" + id + "' is not a coordinator id; give the id alone, e.g. c4");
    }
    Map<String, Answer> answers = new LinkedHashMap<>();
    Map<Endpoint, String> failures = new LinkedHashMap<>();
    survey(answers, failures);
    if (answers.isEmpty()) {
      throw new MembershipException(
          false,
          "no coordinator answered ("
              + describe(failures)
              + "); check that --coordinators lists the coordinators' RPC endpoints and that they"
              + " run");
    }
    Answer reference = null;
    for (Answer a : answers.values()) {
      if (!a.info().joining()
          && (reference == null || a.info().epoch() > reference.info().epoch())) {
        reference = a;
      }
    }
    if (reference == null) {
      throw new MembershipException(
          false,
          "only joining coordinators answered ("
              + answers.keySet()
              + "); list the running ensemble's RPC endpoints in --coordinators too");
    }
    MembershipInfo ref = reference.info();
    if (ref.groupCount() != ref.shards()) {
      // Its groups would all move together and keep one leader: not an ensemble worth having.
      throw new MembershipException(
          true,
          "cluster '"
              + ref.clusterName()
              + "' carries its "
              + ref.shards()
              + " shards in "
              + ref.groupCount()
              + " Raft group(s) (the single-coordinator layout), and coord add|remove moves whole"
              + " groups, so its load could not spread. The group count is fixed when a cluster is"
              + " created: create the ensemble with every coordinator in --peers from the start,"
              + " or a lone coordinator with --groups equal to the shard count, on a new data"
              + " directory");
    }
    for (Answer a : answers.values()) {
      MembershipInfo i = a.info();
      if (!i.clusterName().equals(ref.clusterName())
          || i.shards() != ref.shards()
          || i.groupCount() != ref.groupCount()) {
        throw new MembershipException(
            true,
            "coordinator "
                + i.coordinatorId()
                + " at "
                + a.endpoint()
                + " belongs to cluster '"
                + i.clusterName()
                + "' with "
                + i.shards()
                + " shards in "
                + i.groupCount()
                + " group(s), but "
                + ref.coordinatorId()
                + " to '"
                + ref.clusterName()
                + "' with "
                + ref.shards()
                + " in "
                + ref.groupCount()
                + "; start "
                + i.coordinatorId()
                + " with the ensemble's cluster name, shard count and group count (and an empty"
                + " data directory)");
      }
    }
    Map<String, String> oldPeers = Membership.parse(ref.peers());
    List<String> oldIds = List.copyOf(oldPeers.keySet());
    int replicas = ref.replicas();
    Map<String, String> inProgress = Membership.parse(ref.pending());
    // Undoing the unfinished change: removing the coordinator it was adding, or adding back the
    // one it was removing. The target is then the committed set.
    boolean undo =
        !inProgress.isEmpty()
            && (adding
                ? oldPeers.containsKey(id) && !inProgress.containsKey(id)
                : inProgress.containsKey(id) && !oldPeers.containsKey(id));
    Set<String> resumed = new LinkedHashSet<>(oldPeers.keySet());
    if (adding) {
      resumed.add(id);
    } else {
      resumed.remove(id);
    }
    if (!inProgress.isEmpty() && !undo && !inProgress.keySet().equals(resumed)) {
      throw new MembershipException(
          true,
          "another change is in progress: "
              + describe(oldPeers, inProgress)
              + " (epoch "
              + ref.epoch()
              + ", as recorded by "
              + ref.coordinatorId()
              + "); one change at a time: finish it by running it again ('"
              + command(oldPeers, inProgress, false)
              + "') or undo it ('"
              + command(oldPeers, inProgress, true)
              + "'), then "
              + (adding ? "add " : "remove ")
              + id);
    }
    Map<String, String> newPeers = new LinkedHashMap<>(oldPeers); // an undo's target
    if (!undo && adding) {
      if (oldPeers.containsKey(id)) {
        throw new MembershipException(
            true,
            "coordinator '"
                + id
                + "' is already a member of the ensemble "
                + oldIds
                + "; nothing to add");
      }
      Answer joiner = answers.get(id);
      if (joiner == null) {
        throw new MembershipException(
            true,
            "no coordinator with id '"
                + id
                + "' answered at "
                + endpoints
                + (failures.isEmpty() ? "" : " (" + describe(failures) + ")")
                + "; start it with 'bin/ringmesh coordinator --join --self "
                + id
                + " --peers <the ensemble's peers with "
                + id
                + "=host:raftPort added>' and list its RPC endpoint in --coordinators");
      }
      newPeers.put(id, joiner.info().raftAddress());
    } else if (!undo) {
      if (!oldPeers.containsKey(id)) {
        throw new MembershipException(
            true, "unknown coordinator id '" + id + "': the ensemble is " + oldIds);
      }
      if (oldIds.size() - 1 < Math.min(replicas, oldIds.size())) {
        throw new MembershipException(
            true,
            "removing '"
                + id
                + "' would leave "
                + (oldIds.size() - 1)
                + " coordinator(s) for "
                + replicas
                + " replicas per group, below the replication the ensemble was started with; add"
                + " a coordinator first");
      }
      newPeers.remove(id);
    }
    List<String> newIds = List.copyOf(newPeers.keySet());
    for (String member : newIds) {
      if (!answers.containsKey(member)) {
        throw new MembershipException(
            false,
            "coordinator "
                + member
                + " did not answer"
                + (failures.isEmpty() ? "" : " (" + describe(failures) + ")")
                + "; a membership change needs every coordinator but the one removed: start it,"
                + " or list its RPC endpoint in --coordinators");
      }
    }

    Map<String, String> rpcEndpoints = new LinkedHashMap<>();
    for (Answer a : answers.values()) {
      rpcEndpoints.putAll(Membership.parse(a.info().endpoints()));
    }
    answers.forEach((cid, a) -> rpcEndpoints.put(cid, a.endpoint().toString()));
    Map<String, String> allPeers = new LinkedHashMap<>(oldPeers);
    allPeers.putAll(newPeers);
    allPeers.putAll(inProgress); // an undone addition's groups may already include it
    long epoch = 0;
    for (Answer a : answers.values()) {
      epoch = Math.max(epoch, a.info().epoch());
    }
    progress.accept(
        (undo
                ? "undoing the unfinished change (" + describe(oldPeers, inProgress) + "): "
                : (adding ? "adding " : "removing ") + id + ": ")
            + oldIds
            + " -> "
            + newIds
            + ", "
            + (ref.shards() + 1)
            + " groups, "
            + replicas
            + " replicas each\n");
    long begun = ++epoch;
    List<MembershipInfo> recorded =
        record(
            answers,
            new MembershipUpdate(
                ref.clusterName(),
                begun,
                Membership.format(oldPeers),
                Membership.format(newPeers),
                Membership.format(rpcEndpoints)));
    // Two operators who surveyed before either recorded both arrive here with the same epoch; a
    // coordinator keeps the first record of an epoch, so the one that lost learns it from the
    // views returned and stops before moving anything.
    for (MembershipInfo after : recorded) {
      Map<String, String> theirs = Membership.parse(after.pending());
      if (after.epoch() != begun || !theirs.equals(newPeers)) {
        throw new MembershipException(
            false,
            "another membership change started at the same time: coordinator "
                + after.coordinatorId()
                + " records "
                + (theirs.isEmpty()
                    ? "no change in progress"
                    : describe(Membership.parse(after.peers()), theirs))
                + " at epoch "
                + after.epoch()
                + ", not this change; no group was moved. Let the other change finish, then see"
                + " 'bin/ringmesh cluster status' and run this one again (it is refused, naming"
                + " how to finish or undo it, while a change is recorded as in progress)");
      }
    }

    List<Integer> moved = new ArrayList<>();
    List<Integer> unchanged = new ArrayList<>();
    RaftProperties properties = new RaftProperties();
    RaftClientConfigKeys.Rpc.setRequestTimeout(
        properties, TimeDuration.valueOf(groupTimeout.toMillis(), TimeUnit.MILLISECONDS));
    int groups = ref.shards() + 1;
    int r = Math.min(replicas, newIds.size());
    List<String> preferredLeaders = Placement.preferredLeaders(groups, newIds, r);
    List<RaftGroup> confs = new ArrayList<>();
    List<List<String>> targets = new ArrayList<>();
    for (int g = 0; g < groups; g++) {
      RaftGroup conf =
          currentConf(g, ref.clusterName(), groups, allPeers, answers.keySet(), properties);
      List<String> target = Placement.replicas(g, newIds, r);
      confs.add(conf);
      targets.add(target);
      if (ids(conf).equals(new HashSet<>(target))) {
        unchanged.add(g);
      } else {
        moved.add(g);
      }
    }
    for (int g : moved) {
      String preferred = preferredLeaders.get(g);
      move(
          g,
          groups,
          confs.get(g),
          targets.get(g),
          preferred,
          allPeers,
          answers.keySet(),
          properties);
    }
    Map<String, String> keptEndpoints = new LinkedHashMap<>();
    for (String member : newIds) {
      String e = rpcEndpoints.get(member);
      if (e != null) {
        keptEndpoints.put(member, e);
      }
    }
    record(
        answers,
        new MembershipUpdate(
            ref.clusterName(),
            ++epoch,
            Membership.format(newPeers),
            "",
            Membership.format(keptEndpoints)));
    progress.accept(
        "done: "
            + moved.size()
            + " group(s) moved, "
            + unchanged.size()
            + " unchanged; membership "
            + newIds
            + " recorded on "
            + answers.size()
            + " coordinator(s) (epoch "
            + epoch
            + ")\n");
    return new Result(id, newIds, moved, unchanged, epoch);
  }

  /** Asks every endpoint for its view; one entry per coordinator id. */
  private void survey(Map<String, Answer> answers, Map<Endpoint, String> failures) {
    CallOptions options = CallOptions.DEFAULT.withTimeout(callTimeout);
    for (Endpoint e : endpoints) {
      try {
        MembershipInfo info = rpc.proxy(CoordinatorAdmin.class, e, options).membership();
        answers.putIfAbsent(info.coordinatorId(), new Answer(e, info));
      } catch (RpcException failed) {
        failures.put(e, failed.getMessage());
      }
    }
  }

  /**
   * {@code adding c3} or {@code removing c1}: what a change from {@code from} to {@code to} does.
   */
  private static String describe(Map<String, String> from, Map<String, String> to) {
    List<String> parts = new ArrayList<>();
    to.keySet().stream().filter(k -> !from.containsKey(k)).forEach(k -> parts.add("adding " + k));
    from.keySet().stream().filter(k -> !to.containsKey(k)).forEach(k -> parts.add("removing " + k));
    return parts.isEmpty() ? "moving groups to " + to.keySet() : String.join(" and ", parts);
  }

  /**
   * The command that finishes (or, with {@code undo}, reverses) a change from one set to another.
   */
  private static String command(Map<String, String> from, Map<String, String> to, boolean undo) {
    for (String k : to.keySet()) {
      if (!from.containsKey(k)) {
        return "bin/ringmesh coord " + (undo ? "remove " : "add ") + k;
      }
    }
    for (String k : from.keySet()) {
      if (!to.containsKey(k)) {
        return "bin/ringmesh coord " + (undo ? "add " : "remove ") + k;
      }
    }
    return "bin/ringmesh cluster status";
  }

  /** Records {@code update} on every coordinator that answered; returns their views after it. */
  private List<MembershipInfo> record(Map<String, Answer> answers, MembershipUpdate update) {
    CallOptions options = CallOptions.DEFAULT.withTimeout(callTimeout);
    List<MembershipInfo> views = new ArrayList<>();
    for (Answer a : answers.values()) {
      try {
        views.add(
            rpc.proxy(CoordinatorAdmin.class, a.endpoint(), options).updateMembership(update));
      } catch (RpcException failed) {
        throw new MembershipException(
            "could not record the membership on coordinator "
                + a.info().coordinatorId()
                + " at "
                + a.endpoint()
                + " ("
                + failed.getMessage()
                + "); check it and run the same command again",
            failed);
      }
    }
    return views;
  }

  /**
   * The group's configuration as a replica reports it, with priorities; asks only coordinators that
   * answered the survey (a dead one would cost the client's retries per group).
   */
  private RaftGroup currentConf(
      int g,
      String cluster,
      int groups,
      Map<String, String> allPeers,
      Set<String> reachable,
      RaftProperties properties) {
    RaftGroupId gid = groupId(cluster, groups, g);
    StringBuilder why = new StringBuilder();
    try (RaftClient client = adminClient(gid, allPeers, properties)) {
      for (String peer : allPeers.keySet()) {
        if (!reachable.contains(peer)) {
          continue;
        }
        try {
          GroupInfoReply info = client.getGroupManagementApi(RaftPeerId.valueOf(peer)).info(gid);
          if (info.isSuccess() && !info.getGroup().getPeers().isEmpty()) {
            return info.getGroup();
          }
        } catch (IOException | RuntimeException notHere) {
          // Ratis' gRPC client throws unchecked exceptions for a group a server does not host
          why.append(why.isEmpty() ? "" : "; ").append(peer).append(": ").append(notHere);
        }
      }
    } catch (IOException e) {
      why.append(e.getMessage());
    }
    throw new MembershipException(
        false,
        label(g, groups)
            + ": no coordinator reported its configuration ("
            + why
            + "); check that the coordinators run, then run the same command again");
  }

  private void move(
      int g,
      int groups,
      RaftGroup conf,
      List<String> target,
      String preferred,
      Map<String, String> allPeers,
      Set<String> reachable,
      RaftProperties properties) {
    String label = label(g, groups);
    Set<String> current = ids(conf);
    List<String> added = target.stream().filter(p -> !current.contains(p)).toList();
    List<String> removed = current.stream().filter(p -> !target.contains(p)).toList();
    RaftGroupId gid = conf.getGroupId();
    progress.accept(
        label
            + ": "
            + (added.isEmpty() ? "" : "adding " + String.join(",", added) + " ...")
            + (added.isEmpty() ? "replicas " + target + " ..." : ""));
    try (RaftClient admin = adminClient(gid, allPeers, properties);
        RaftClient group = client(conf, properties)) {
      for (String peer : added) {
        try {
          RaftClientReply reply =
              admin
                  .getGroupManagementApi(RaftPeerId.valueOf(peer))
                  .add(RaftGroup.valueOf(gid, List.of()));
          if (!reply.isSuccess()) {
            throw failed(label, "adding the group on " + peer, String.valueOf(reply));
          }
        } catch (AlreadyExistsException again) {
          // a re-run, or a retry whose first attempt worked: the empty member is there
        }
      }
      List<RaftPeer> next = new ArrayList<>();
      for (String peer : target) {
        next.add(RaftPeer.newBuilder().setId(peer).setAddress(allPeers.get(peer)).build());
      }
      RaftClientReply reply =
          group
              .admin()
              .setConfiguration(
                  SetConfigurationRequest.Arguments.newBuilder()
                      .setServersInNewConf(next)
                      .setMode(SetConfigurationRequest.Mode.SET_UNCONDITIONALLY)
                      .build());
      if (!reply.isSuccess()) {
        throw failed(label, "changing the configuration", String.valueOf(reply.getException()));
      }
      progress.accept(added.isEmpty() ? " configured" : " caught up");
      for (String peer : removed) {
        if (!reachable.contains(peer)) {
          progress.accept(
              " ... "
                  + peer
                  + " did not answer at --coordinators (down, or not listed), so its copy stays;"
                  + " delete its data directory rather than restart it");
          continue;
        }
        try {
          admin.getGroupManagementApi(RaftPeerId.valueOf(peer)).remove(gid, true, false);
          progress.accept(" ... removed " + peer);
        } catch (IOException | RuntimeException gone) {
          progress.accept(
              " ... "
                  + peer
                  + " did not answer; delete the group's directory "
                  + gid.getUuid()
                  + " under its data directory's ratis/");
        }
      }
      try (RaftClient after = client(RaftGroup.valueOf(gid, next), properties)) {
        progress.accept(" ... " + lead(after, preferred) + "\n");
      }
    } catch (MembershipException e) {
      throw e;
    } catch (IOException | RuntimeException e) {
      StringBuilder why = new StringBuilder(String.valueOf(e.getMessage()));
      for (Throwable c = e.getCause(); c != null && c != c.getCause(); c = c.getCause()) {
        why.append(" <- ").append(c.getMessage());
      }
      throw failed(label, "talking to its replicas", why.toString());
    }
  }

  /**
   * Transfers leadership to {@code preferred}; says who leads. Best effort: the leader balancer
   * tries again later.
   */
  private String lead(RaftClient group, String preferred) {
    try {
      RaftClientReply reply =
          group.admin().transferLeadership(RaftPeerId.valueOf(preferred), groupTimeout.toMillis());
      if (reply.isSuccess()) {
        return "led by " + preferred;
      }
      return "leadership stays ("
          + reply.getException()
          + "); the leader balancer moves it to "
          + preferred
          + " later";
    } catch (IOException | RuntimeException e) {
      return "leadership stays ("
          + e.getMessage()
          + "); the leader balancer moves it to "
          + preferred
          + " later";
    }
  }

  private MembershipException failed(String label, String step, String why) {
    return new MembershipException(
        false,
        label
            + ": "
            + step
            + " failed ("
            + why
            + "); the group still runs on a valid configuration. Check the coordinators, then run"
            + " the same command again to finish the change");
  }

  private RaftClient adminClient(
      RaftGroupId gid, Map<String, String> allPeers, RaftProperties properties) {
    List<RaftPeer> peers = new ArrayList<>();
    allPeers.forEach(
        (id, addr) -> peers.add(RaftPeer.newBuilder().setId(id).setAddress(addr).build()));
    return client(RaftGroup.valueOf(gid, peers), properties);
  }

  /**
   * A Ratis client whose retries (leader changes, a leader not ready yet) last about {@link
   * Builder#groupTimeout}: Ratis' default policy retries forever.
   */
  private RaftClient client(RaftGroup group, RaftProperties properties) {
    return RaftClient.newBuilder()
        .setProperties(properties)
        .setRaftGroup(group)
        .setRetryPolicy(
            RetryPolicies.retryUpToMaximumCountWithFixedSleep(
                (int) Math.max(10, groupTimeout.toMillis() / 500),
                TimeDuration.valueOf(500, TimeUnit.MILLISECONDS)))
        .build();
  }

  private static Set<String> ids(RaftGroup conf) {
    Set<String> ids = new LinkedHashSet<>();
    for (RaftPeer p : conf.getPeers()) {
      ids.add(p.getId().toString());
    }
    return ids;
  }

  /** The group ids the coordinators use ({@link ClusterMetadata#groupUuid}). */
  private static RaftGroupId groupId(String cluster, int groups, int g) {
    return RaftGroupId.valueOf(new ClusterMetadata(cluster, groups - 1).groupUuid(g));
  }

  private static String label(int g, int groups) {
    return g == groups - 1 ? "registry" : "shard " + g;
  }

  private static String describe(Map<Endpoint, String> failures) {
    StringBuilder b = new StringBuilder();
    failures.forEach(
        (e, why) -> b.append(b.isEmpty() ? "" : "; ").append(e).append(": ").append(why));
    return b.toString();
  }

  /** Configures a {@link MembershipChange}. Not thread-safe. */
  public static final class Builder {
    private @Nullable String coordinators;
    private Duration callTimeout = Duration.ofSeconds(5);
    private Duration groupTimeout = Duration.ofSeconds(30);
    private Consumer<String> progress = line -> {};

    private Builder() {}

    /**
     * The RPC endpoints ({@code host:port,...}) of the ensemble's coordinators and, for {@link
     * #add}, of the joining one. Required.
     */
    public Builder connect(String endpoints) {
      RemoteCoordinatorService.parseEndpoints(endpoints); // fail fast, naming the bad entry
      this.coordinators = endpoints;
      return this;
    }

    /** The deadline of each call to a coordinator's RPC port; default 5 s. */
    public Builder callTimeout(Duration timeout) {
      this.callTimeout = timeout;
      return this;
    }

    /** How long one group's configuration change may take, catch-up included; default 30 s. */
    public Builder groupTimeout(Duration timeout) {
      this.groupTimeout = timeout;
      return this;
    }

    /**
     * Receives progress text as it happens, e.g. {@code "shard 3: adding c3 ..."}, {@code " caught
     * up"}, {@code " ... removed c1"}, {@code " ... led by c3\n"}; each group's report ends with a
     * newline. Called on the thread running the change.
     */
    public Builder progress(Consumer<String> progress) {
      this.progress = progress;
      return this;
    }

    /** Builds the change; nothing is contacted until {@link #add} or {@link #remove}. */
    public MembershipChange build() {
      String c = coordinators;
      if (c == null) {
        throw new IllegalStateException("connect(endpoints) is required");
      }
      return new MembershipChange(this, RemoteCoordinatorService.parseEndpoints(c));
    }
  }
}
