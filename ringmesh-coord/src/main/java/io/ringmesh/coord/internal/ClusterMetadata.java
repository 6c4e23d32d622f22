package io.ringmesh.coord.internal;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Properties;
import java.util.UUID;

/**
 * The facts a data directory is created with and must keep: the cluster's name, its shard count and
 * how many Raft groups carry the shards. Tokens and lock placement depend on all three (a token is
 * a log index of the group that carries the lock's shard), so a coordinator refuses to start on a
 * data directory created with other values. Stored as {@code cluster.properties}.
 *
 * <p>Group indexes: {@code 0 .. groups-1} are the lock groups, and shard {@code s} is carried by
 * group {@code s % groups}; the registry is group {@link #shards()} (not {@code groups}), so that a
 * cluster whose every shard has its own group ({@code groups == shards}, every ensemble so far)
 * numbers its groups exactly as before there were fewer groups than shards.
 */
public record ClusterMetadata(String clusterName, int shards, int groups) {

  public ClusterMetadata {
    if (shards < 1 || groups < 1 || groups > shards) {
      throw new IllegalArgumentException(
          "groups must be in [1, shards] and shards at least 1; was shards="
              + shards
              + ", groups="
              + groups);
    }
  }

  /** A cluster whose every shard is its own Raft group. */
  public ClusterMetadata(String clusterName, int shards) {
    this(clusterName, shards, shards);
  }

  /** The group that carries {@code shard} (or the registry, for {@code shard == shards()}). */
  public int groupOf(int shard) {
    return shard == shards ? shards : shard % groups;
  }

  /** Whether {@code index} (in {@code [0, shards]}) names a Raft group, not a shard of one. */
  public boolean isGroup(int index) {
    return index < groups || index == shards;
  }

  /** The file name inside the data directory. */
  public static final String FILE = "cluster.properties";

  private static final int FORMAT = 1;

  /**
   * The Raft group id of group {@code group} (see the class comment for the numbering): a
   * name-based UUID, the same on every coordinator. A group that carries one shard is named after
   * it; one that carries several is named by its index and the group count.
   */
  public UUID groupUuid(int group) {
    if (!isGroup(group)) {
      throw new IllegalArgumentException(
          "group " + group + " does not exist: " + groups + " lock groups and the registry");
    }
    String name =
        group == shards
            ? "registry"
            : groups == shards ? Placement.shardKey(group) : "group-" + group + "-of-" + groups;
    return UUID.nameUUIDFromBytes(
        ("ringmesh/" + clusterName + "/" + name).getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Loads the metadata of {@code dataDir}, or creates it from the requested values if the directory
   * is new.
   *
   * @param requestedShards the shard count asked for, or 0 for "whatever the directory has, else
   *     {@code defaultShards}"
   * @param requestedGroups the lock group count asked for, or 0 for "whatever the directory has,
   *     else {@code defaultGroups}"; a default larger than the shard count means one per shard
   * @throws IOException naming the file and the setting, if the directory was created with other
   *     values or the file is damaged
   */
  public static ClusterMetadata loadOrCreate(
      Path dataDir,
      String clusterName,
      int requestedShards,
      int defaultShards,
      int requestedGroups,
      int defaultGroups)
      throws IOException {
    Path file = dataDir.resolve(FILE);
    if (!Files.exists(file)) {
      int shards = requestedShards > 0 ? requestedShards : defaultShards;
      int groups = requestedGroups > 0 ? requestedGroups : Math.min(defaultGroups, shards);
      if (groups > shards) {
        throw new IllegalArgumentException(
            "groups="
                + groups
                + " is more than shards="
                + shards
                + "; a group carries whole shards");
      }
      ClusterMetadata created = new ClusterMetadata(clusterName, shards, groups);
      created.store(file);
      return created;
    }
    Properties p = new Properties();
    try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      p.load(in);
    }
    String format = p.getProperty("format");
    String name = p.getProperty("cluster.name");
    String shardText = p.getProperty("shards");
    String routing = p.getProperty("shard.routing");
    if (!String.valueOf(FORMAT).equals(format) || name == null || shardText == null) {
      throw new IOException(
          file.toAbsolutePath()
              + " is damaged or of an unknown format (format="
              + format
              + "); it must hold format="
              + FORMAT
              + ", cluster.name and shards");
    }
    int shards;
    try {
      shards = Integer.parseInt(shardText.trim());
    } catch (NumberFormatException e) {
      throw new IOException(file.toAbsolutePath() + ": shards='" + shardText + "' is not a number");
    }
    if (!Placement.SHARD_ROUTING.name().equals(routing)) {
      throw new IOException(
          file.toAbsolutePath()
              + ": shard.routing="
              + routing
              + " but this code routes lock names with "
              + Placement.SHARD_ROUTING);
    }
    if (!name.equals(clusterName)) {
      throw new IOException(
          "data directory "
              + dataDir.toAbsolutePath()
              + " belongs to cluster '"
              + name
              + "', not '"
              + clusterName
              + "' (see "
              + file.toAbsolutePath()
              + "); use that cluster name or another data directory");
    }
    if (requestedShards > 0 && requestedShards != shards) {
      throw new IOException(
          "data directory "
              + dataDir.toAbsolutePath()
              + " was created with "
              + shards
              + " shards, but "
              + requestedShards
              + " were requested. The shard count is fixed when a cluster is created, because"
              + " lock placement and fencing tokens depend on it: start with shards="
              + shards
              + ", or use a new data directory for a new cluster");
    }
    // Written since lock groups could carry several shards; a file without it is older, from
    // when every shard was its own group.
    String groupText = p.getProperty("groups");
    int groups;
    try {
      groups = groupText == null ? shards : Integer.parseInt(groupText.trim());
    } catch (NumberFormatException e) {
      throw new IOException(file.toAbsolutePath() + ": groups='" + groupText + "' is not a number");
    }
    if (groups < 1 || groups > shards) {
      throw new IOException(
          file.toAbsolutePath() + ": groups=" + groups + " must be in [1, shards=" + shards + "]");
    }
    if (requestedGroups > 0 && requestedGroups != groups) {
      throw new IOException(
          "data directory "
              + dataDir.toAbsolutePath()
              + " was created with its "
              + shards
              + " shards in "
              + groups
              + " Raft group(s), but "
              + requestedGroups
              + " were requested. The group count is fixed when a cluster is created, because"
              + " fencing tokens are log indexes of the group that carries a lock: start with"
              + " groups="
              + groups
              + ", or use a new data directory for a new cluster");
    }
    return new ClusterMetadata(name, shards, groups);
  }

  private void store(Path file) throws IOException {
    Files.createDirectories(file.getParent());
    Properties p = new Properties();
    p.setProperty("format", String.valueOf(FORMAT));
    p.setProperty("cluster.name", clusterName);
    p.setProperty("shards", String.valueOf(shards));
    p.setProperty("groups", String.valueOf(groups));
    p.setProperty("shard.routing", Placement.SHARD_ROUTING.name());
    Path tmp = file.resolveSibling(FILE + ".tmp");
    try (Writer out = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
      p.store(out, "Ringmesh cluster metadata: fixed at creation; do not edit");
    }
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }
}
