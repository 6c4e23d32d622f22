package io.ringmesh.node.internal.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.ringmesh.coord.LockClient;
import io.ringmesh.coord.RegistryEntry;
import io.ringmesh.coord.RegistrySnapshot;
import io.ringmesh.coord.ShardInfo;
import io.ringmesh.node.internal.runtime.NodeRuntime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code ringmesh cluster status}: the cluster as the coordinators see it. */
@Command(
    name = "cluster",
    mixinStandardHelpOptions = true,
    description = "Show the cluster as the coordinators see it.",
    subcommands = {ClusterCommand.Status.class})
final class ClusterCommand {

  @Command(
      name = "status",
      mixinStandardHelpOptions = true,
      description = {
        "Nodes (registered, so alive: a dead node leaves when its session expires), their roles"
            + " and admin addresses, the services and how many nodes serve each, and every shard's"
            + " Raft leader and replicas."
      })
  static final class Status implements Callable<Integer> {
    @Mixin LockCommand.Target target = new LockCommand.Target();

    @Option(names = "--json", description = "Print one JSON object instead of tables.")
    boolean json;

    @Override
    public Integer call() throws Exception {
      RegistrySnapshot registry;
      List<ShardInfo> shards;
      try (LockClient client = target.connect()) {
        registry = client.registry().snapshot();
        shards = client.shards();
      }
      List<Map<String, Object>> nodes = new ArrayList<>();
      Map<String, List<String>> services = new TreeMap<>();
      for (RegistryEntry e : registry.entries()) {
        if (e.service().equals(NodeRuntime.NODE_SERVICE)) {
          Map<String, Object> n = new LinkedHashMap<>();
          n.put("id", e.nodeId());
          n.put("roles", e.metadata().getOrDefault("roles", ""));
          n.put("address", e.host() + ":" + e.port());
          n.put("admin", e.metadata().getOrDefault("admin", ""));
          n.put("health", "alive");
          nodes.add(n);
        } else {
          services.computeIfAbsent(e.service(), k -> new ArrayList<>()).add(e.nodeId());
        }
      }
      List<Map<String, Object>> shardRows = new ArrayList<>();
      for (ShardInfo s : shards) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("shard", s.registry() ? "registry" : Integer.toString(s.shard()));
        r.put("leader", s.leader().orElse(null));
        r.put("replicas", s.replicas());
        shardRows.add(r);
      }
      if (json) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("registry_version", registry.version());
        out.put("nodes", nodes);
        out.put("services", services);
        out.put("shards", shardRows);
        System.out.println(new ObjectMapper().writeValueAsString(out));
        return 0;
      }
      System.out.printf("Nodes (%d)%n", nodes.size());
      System.out.printf("  %-16s %-22s %-22s %-22s %s%n", "id", "roles", "rpc", "admin", "health");
      for (Map<String, Object> n : nodes) {
        System.out.printf(
            "  %-16s %-22s %-22s %-22s %s%n",
            n.get("id"), n.get("roles"), n.get("address"), n.get("admin"), n.get("health"));
      }
      System.out.printf("%nServices (%d)%n", services.size());
      services.forEach(
          (s, ids) ->
              System.out.printf("  %-28s %d node(s): %s%n", s, ids.size(), String.join(", ", ids)));
      long leaderless = shards.stream().filter(s -> s.leader().isEmpty()).count();
      System.out.printf("%nShards (%d, %d without a leader)%n", shards.size(), leaderless);
      for (Map<String, Object> r : shardRows) {
        System.out.printf(
            "  %-9s leader %-10s replicas %s%n",
            r.get("shard"), r.get("leader") == null ? "NONE" : r.get("leader"), r.get("replicas"));
      }
      return 0;
    }
  }
}
