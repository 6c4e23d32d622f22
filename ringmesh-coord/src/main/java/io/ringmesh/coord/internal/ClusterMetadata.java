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
 * The facts a data directory is created with and must keep: the cluster's name and its shard count.
 * Tokens and lock placement depend on both, so a coordinator refuses to start on a data directory
 * created with other values. Stored as {@code cluster.properties}.
 */
public record ClusterMetadata(String clusterName, int shards) {
  /** The file name inside the data directory. */
  public static final String FILE = "cluster.properties";

  private static final int FORMAT = 1;

  /** The Raft group id of {@code shard}: a name-based UUID, the same on every coordinator. */
  public UUID shardGroupUuid(int shard) {
    return UUID.nameUUIDFromBytes(
        ("ringmesh/" + clusterName + "/" + Placement.shardKey(shard))
            .getBytes(StandardCharsets.UTF_8));
  }

  /**
   * The Raft group id of group {@code group}: a lock shard below {@link #shards()}, the registry at
   * {@code shards()}. The registry's id is name-based like the shards', under its own name.
   */
  public UUID groupUuid(int group) {
    if (group == shards) {
      return UUID.nameUUIDFromBytes(
          ("ringmesh/" + clusterName + "/registry").getBytes(StandardCharsets.UTF_8));
    }
    return shardGroupUuid(group);
  }

  /**
   * Loads the metadata of {@code dataDir}, or creates it from the requested values if the directory
   * is new.
   *
   * @param requestedShards the shard count asked for, or 0 for "whatever the directory has, else
   *     {@code defaultShards}"
   * @throws IOException naming the file and the setting, if the directory was created with other
   *     values or the file is damaged
   */
  public static ClusterMetadata loadOrCreate(
      Path dataDir, String clusterName, int requestedShards, int defaultShards) throws IOException {
    Path file = dataDir.resolve(FILE);
    if (!Files.exists(file)) {
      ClusterMetadata created =
          new ClusterMetadata(clusterName, requestedShards > 0 ? requestedShards : defaultShards);
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
    return new ClusterMetadata(name, shards);
  }

  private void store(Path file) throws IOException {
    Files.createDirectories(file.getParent());
    Properties p = new Properties();
    p.setProperty("format", String.valueOf(FORMAT));
    p.setProperty("cluster.name", clusterName);
    p.setProperty("shards", String.valueOf(shards));
    p.setProperty("shard.routing", Placement.SHARD_ROUTING.name());
    Path tmp = file.resolveSibling(FILE + ".tmp");
    try (Writer out = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
      p.store(out, "Ringmesh cluster metadata: fixed at creation; do not edit");
    }
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }
}
