package io.ringmesh.coord.internal;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * The coordinator set as one coordinator last recorded it: an epoch, the committed peers (id to
 * Raft address), the peers a change in progress is moving to, and the coordinators' RPC endpoints
 * for clients. Stored as {@code membership.properties} in the data directory; written when a
 * coordinator first bootstraps its groups or joins, and by {@code coord add|remove}. Immutable.
 *
 * <p>Each Raft group's own configuration lives in its log; this record is what the coordinator
 * needs besides: the peer list to place groups and answer clients, and whether it may create groups
 * (never once the record exists, so a restart cannot resurrect a group moved away).
 *
 * @param epoch increases with every recorded change
 * @param peers the committed coordinator set, id to Raft {@code host:port}, in peer-list order
 * @param pending the set a change in progress moves to, empty when none is
 * @param endpoints coordinator id to RPC {@code host:port}, as far as known
 * @param joining whether this coordinator was started to join and has not been added yet
 */
public record Membership(
    long epoch,
    Map<String, String> peers,
    Map<String, String> pending,
    Map<String, String> endpoints,
    boolean joining) {
  /** The file name inside the data directory. */
  public static final String FILE = "membership.properties";

  private static final int FORMAT = 1;

  /** Copies the maps, keeping their order. */
  public Membership {
    peers = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(peers));
    pending = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(pending));
    endpoints = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(endpoints));
  }

  /** The committed coordinator ids, in peer-list order. */
  public List<String> ids() {
    return List.copyOf(peers.keySet());
  }

  /** {@code id=host:port,...} of a peer map. */
  public static String format(Map<String, String> peers) {
    StringBuilder b = new StringBuilder();
    peers.forEach(
        (id, addr) -> b.append(b.isEmpty() ? "" : ",").append(id).append('=').append(addr));
    return b.toString();
  }

  /** Parses {@code id=host:port,...}; the empty string is the empty map. */
  public static Map<String, String> parse(String text) {
    Map<String, String> out = new LinkedHashMap<>();
    if (text.isBlank()) {
      return out;
    }
    for (String entry : text.split(",")) {
      int eq = entry.indexOf('=');
      if (eq <= 0 || eq == entry.length() - 1) {
        throw new IllegalArgumentException("'" + entry + "' in '" + text + "' is not id=host:port");
      }
      out.put(entry.substring(0, eq).strip(), entry.substring(eq + 1).strip());
    }
    return out;
  }

  /** The record in {@code dataDir}, or null if there is none (a directory from before 0008). */
  public static @org.jspecify.annotations.Nullable Membership load(Path dataDir)
      throws IOException {
    Path file = dataDir.resolve(FILE);
    if (!Files.exists(file)) {
      return null;
    }
    Properties p = new Properties();
    try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      p.load(in);
    }
    try {
      if (!String.valueOf(FORMAT).equals(p.getProperty("format"))) {
        throw new IllegalArgumentException("unknown format " + p.getProperty("format"));
      }
      return new Membership(
          Long.parseLong(p.getProperty("epoch", "").strip()),
          parse(p.getProperty("peers", "")),
          parse(p.getProperty("pending", "")),
          parse(p.getProperty("endpoints", "")),
          Boolean.parseBoolean(p.getProperty("joining", "false")));
    } catch (IllegalArgumentException e) {
      throw new IOException(
          file.toAbsolutePath()
              + " is damaged ("
              + e.getMessage()
              + "); restore it from another coordinator's copy, with this coordinator's"
              + " joining=false",
          e);
    }
  }

  /** Writes the record to {@code dataDir} atomically, synced. */
  public void store(Path dataDir) throws IOException {
    Properties p = new Properties();
    p.setProperty("format", String.valueOf(FORMAT));
    p.setProperty("epoch", String.valueOf(epoch));
    p.setProperty("peers", format(peers));
    p.setProperty("pending", format(pending));
    p.setProperty("endpoints", format(endpoints));
    p.setProperty("joining", String.valueOf(joining));
    Path tmp = dataDir.resolve(FILE + ".tmp");
    try (Writer out = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
      p.store(
          out, "Ringmesh coordinator membership: written by the coordinator and coord add|remove");
    }
    try (java.nio.channels.FileChannel c =
        java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.WRITE)) {
      c.force(true);
    }
    Files.move(
        tmp,
        dataDir.resolve(FILE),
        StandardCopyOption.ATOMIC_MOVE,
        StandardCopyOption.REPLACE_EXISTING);
  }
}
