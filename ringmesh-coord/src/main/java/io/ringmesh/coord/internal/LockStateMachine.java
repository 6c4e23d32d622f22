package io.ringmesh.coord.internal;

import io.ringmesh.coord.internal.Messages.ServiceEntry;
import io.ringmesh.coord.internal.ShardState.Applied;
import io.ringmesh.coord.internal.ShardState.LockView;
import io.ringmesh.coord.internal.ShardState.Result;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.regex.Matcher;
import org.apache.ratis.io.MD5Hash;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftGroupMemberId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.SnapshotRetentionPolicy;
import org.apache.ratis.statemachine.StateMachineStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.statemachine.impl.SimpleStateMachineStorage;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;
import org.apache.ratis.util.MD5FileUtil;
import org.jspecify.annotations.Nullable;

/**
 * The Ratis state machine of one lock shard: decodes log entries into {@link Command}s, applies
 * them to a {@link ShardState}, and tells the shard's leader-side service what each entry decided.
 * The lock semantics and their reasoning live in {@link ShardState}.
 *
 * <p>Thread-safety: Ratis applies entries from one thread; reads ({@link #read}, {@link #query})
 * and snapshots come from others, so the state is guarded by one monitor.
 */
public final class LockStateMachine extends BaseStateMachine {

  /*
   * Ratis specifics.
   *
   * - applyTransaction never reads a clock and never throws for a bad request: the outcome of a
   *   request is part of the replicated state (its Result), so it is encoded in the reply message.
   *   Only an entry this code cannot decode is fatal, because skipping it would let replicas
   *   diverge.
   * - preAppendTransaction and startTransaction are not overridden: an exception there makes the
   *   leader step down, so validation happens in the service before a command is proposed.
   * - A Batch entry (group commit) is applied command by command by ShardState.applyEntry; the
   *   listener hears of each command with its own outcome, and the reply message carries each
   *   command's Result in order, so the leader answers every request as if it had had its own
   *   entry.
   * - Snapshot installation from a leader pauses the state machine, replaces the files, and calls
   *   reinitialize(). Entries at or below the loaded snapshot's index are ignored in apply, so an
   *   apply that races with a reload cannot be applied twice (RATIS-2245, HDDS-6732).
   * - Snapshots are single files in Ratis' SimpleStateMachineStorage layout
   *   ("snapshot.<term>_<index>" with an .md5 beside it), framed by SnapshotFile with a CRC32C.
   *   Loading never skips a damaged file silently: it fails start-up with the file's name.
   */

  /** What the leader-side service hears from its shard's state machine. */
  public interface Listener {
    /** An entry was applied; called on Ratis' apply thread, so it must not block. */
    void onApplied(Command command, Applied applied);

    /** The shard's leader changed (or this replica lost or gained leadership). */
    void onLeaderChanged();

    /** This replica leads and has applied its first entry of the term: it may serve. */
    void onLeaderReady();
  }

  private static final int SNAPSHOTS_RETAINED = 2;

  private final int shard;
  private final String label;
  private final Listener listener;
  private final SimpleStateMachineStorage storage = new SimpleStateMachineStorage();
  private final Object monitor = new Object();

  /** Guarded by {@link #monitor}. */
  private ShardState state = new ShardState();

  private volatile @Nullable File snapshotDir;

  /**
   * @param label names the group in error messages, e.g. "shard 3" or "lock group 0 (all 16
   *     shards)"
   */
  public LockStateMachine(int shard, String label, Listener listener) {
    this.shard = shard;
    this.label = label;
    this.listener = listener;
  }

  @Override
  public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage raftStorage)
      throws IOException {
    super.initialize(server, groupId, raftStorage);
    storage.init(raftStorage);
    snapshotDir = raftStorage.getStorageDir().getStateMachineDir();
    loadLatestSnapshot();
  }

  @Override
  public void reinitialize() throws IOException {
    loadLatestSnapshot();
  }

  @Override
  public StateMachineStorage getStateMachineStorage() {
    return storage;
  }

  private void loadLatestSnapshot() throws IOException {
    File dir = snapshotDir;
    Path latest = null;
    TermIndex latestIndex = null;
    if (dir != null && dir.isDirectory()) {
      try (DirectoryStream<Path> files = Files.newDirectoryStream(dir.toPath())) {
        for (Path file : files) {
          Matcher m = SimpleStateMachineStorage.SNAPSHOT_REGEX.matcher(file.getFileName() + "");
          if (m.matches()) {
            TermIndex ti =
                TermIndex.valueOf(Long.parseLong(m.group(1)), Long.parseLong(m.group(2)));
            if (latestIndex == null || ti.getIndex() > latestIndex.getIndex()) {
              latest = file;
              latestIndex = ti;
            }
          }
        }
      }
    }
    if (latest == null || latestIndex == null) {
      return;
    }
    MD5Hash md5 = null;
    if (Files.exists(Path.of(latest + MD5FileUtil.MD5_SUFFIX))) {
      md5 = MD5FileUtil.readStoredMd5ForFile(latest.toFile());
      try {
        MD5FileUtil.verifySavedMD5(latest.toFile(), md5);
      } catch (IOException e) {
        throw new IOException(
            "snapshot file "
                + latest.toAbsolutePath()
                + " of "
                + label
                + " is corrupt: it does not match its .md5 file ("
                + e.getMessage()
                + "). Refusing to start from it; restore it, or move it aside so that the shard"
                + " recovers from an older snapshot and the log",
            e);
      }
    }
    byte[] payload = SnapshotFile.read(latest);
    ShardState loaded;
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(payload))) {
      loaded = ShardState.readFrom(in);
    } catch (IOException e) {
      throw new IOException(
          "snapshot file " + latest.toAbsolutePath() + " is corrupt: " + e.getMessage(), e);
    }
    synchronized (monitor) {
      state = loaded;
      setLastAppliedTermIndex(latestIndex);
    }
    storage.updateLatestSnapshot(
        new SingleFileSnapshotInfo(new FileInfo(latest, md5), latestIndex));
  }

  @Override
  public long takeSnapshot() throws IOException {
    byte[] payload;
    TermIndex applied;
    synchronized (monitor) {
      applied = getLastAppliedTermIndex();
      if (applied == null || applied.getIndex() < 0) {
        return -1;
      }
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      try (DataOutputStream out = new DataOutputStream(bytes)) {
        state.writeTo(out);
      }
      payload = bytes.toByteArray();
    }
    File file = storage.getSnapshotFile(applied.getTerm(), applied.getIndex());
    SnapshotFile.write(file.toPath(), payload);
    MD5Hash md5 = MD5FileUtil.computeAndSaveMd5ForFile(file);
    storage.updateLatestSnapshot(
        new SingleFileSnapshotInfo(new FileInfo(file.toPath(), md5), applied));
    storage.cleanupOldSnapshots(
        new SnapshotRetentionPolicy() {
          @Override
          public int getNumSnapshotsRetained() {
            return SNAPSHOTS_RETAINED;
          }
        });
    return applied.getIndex();
  }

  @Override
  public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
    LogEntryProto entry = trx.getLogEntry();
    long index = entry.getIndex();
    Command command;
    List<Applied> applied;
    synchronized (monitor) {
      byte[] data = entry.getStateMachineLogEntry().getLogData().toByteArray();
      if (index <= getLastAppliedTermIndex().getIndex()) {
        // Already in the state (a snapshot loaded under us); applying it again would diverge.
        return CompletableFuture.completedFuture(Message.valueOf(alreadyApplied(index, data)));
      }
      try {
        command = Command.decode(data);
      } catch (IllegalArgumentException e) {
        throw new IllegalStateException(
            label
                + ": log entry "
                + index
                + " is not a lock command ("
                + e.getMessage()
                + "); refusing to apply further entries",
            e);
      }
      applied = state.applyEntry(index, command);
      updateLastAppliedTermIndex(entry.getTerm(), index);
    }
    if (command instanceof Command.Batch batch) {
      List<Result> results = new ArrayList<>(applied.size());
      for (int i = 0; i < applied.size(); i++) {
        listener.onApplied(batch.commands().get(i), applied.get(i));
        results.add(applied.get(i).result());
      }
      return CompletableFuture.completedFuture(Message.valueOf(encodeResults(results)));
    }
    listener.onApplied(command, applied.getFirst());
    return CompletableFuture.completedFuture(
        Message.valueOf(encodeResult(applied.getFirst().result())));
  }

  /** The reply to an entry that was already applied: one result per command it carries. */
  private static org.apache.ratis.thirdparty.com.google.protobuf.ByteString alreadyApplied(
      long index, byte[] data) {
    Result already = Result.of(Status.UNAVAILABLE, "entry " + index + " was already applied");
    try {
      if (Command.decode(data) instanceof Command.Batch batch) {
        return encodeResults(java.util.Collections.nCopies(batch.commands().size(), already));
      }
    } catch (IllegalArgumentException e) {
      // Not ours to judge: the entry is not applied either way.
    }
    return encodeResult(already);
  }

  @Override
  public void notifyTermIndexUpdated(long term, long index) {
    synchronized (monitor) {
      super.notifyTermIndexUpdated(term, index);
    }
  }

  /**
   * Answers a read-only query (after Ratis' ReadIndex, so linearizable). The request is a kind byte
   * and its argument, built by {@link #queryFor}, {@link #registryQuery} or {@link #locksQuery};
   * queries are never persisted, so their encoding may change between versions.
   */
  @Override
  public CompletableFuture<Message> query(Message request) {
    DataInputStream in = new DataInputStream(request.getContent().newInput());
    try {
      int kind = in.readByte();
      org.apache.ratis.thirdparty.com.google.protobuf.ByteString answer =
          switch (kind) {
            case QUERY_LOCK -> {
              String name = Command.readString(in);
              yield encodeLockView(read(s -> s.lock(name)));
            }
            case QUERY_REGISTRY -> {
              String service = in.readBoolean() ? Command.readString(in) : null;
              yield encodeRegistry(read(s -> registryView(s, service)));
            }
            case QUERY_LOCKS -> {
              int limit = in.readInt();
              yield encodeLocks(read(s -> new LocksView(s.locks(limit), s.lockCount())));
            }
            case QUERY_SHARD_LOCKS -> {
              int limit = in.readInt();
              int shard = in.readInt();
              Placement placement = placementOf(in.readInt());
              yield encodeLocks(
                  read(s -> s.locks(limit, shard, placement.shards(), placement::shardOf)));
            }
            default -> throw new IllegalArgumentException("unknown query kind " + kind);
          };
      return CompletableFuture.completedFuture(Message.valueOf(answer));
    } catch (IOException | RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  private static final int QUERY_LOCK = 1;
  private static final int QUERY_REGISTRY = 2;
  private static final int QUERY_LOCKS = 3;
  private static final int QUERY_SHARD_LOCKS = 4;

  /** The name placement of the last shard-filtered listing; rebuilt only if the count differs. */
  private volatile @Nullable Placement placement;

  private Placement placementOf(int shards) {
    Placement p = placement;
    if (p == null || p.shards() != shards) {
      p = new Placement(shards);
      placement = p;
    }
    return p;
  }

  /** The registry at one version, as a read sees it. */
  public record RegistryView(long version, List<ServiceEntry> entries) {}

  /** Up to a limit of a shard's locks, and how many it has. */
  public record LocksView(List<LockView> locks, int total) {}

  /** The registry (or one service of it) of {@code state}; call under {@link #read}. */
  public static RegistryView registryView(ShardState state, @Nullable String service) {
    return new RegistryView(state.registryVersion(), state.registryEntries(service));
  }

  @Override
  public void notifyLeaderChanged(RaftGroupMemberId member, RaftPeerId newLeader) {
    listener.onLeaderChanged();
  }

  @Override
  public void notifyLeaderReady() {
    listener.onLeaderReady();
  }

  /** Runs {@code reader} on the current state under the monitor; it must not keep references. */
  public <T> T read(Function<ShardState, T> reader) {
    synchronized (monitor) {
      return reader.apply(state);
    }
  }

  /** The shard this state machine serves. */
  public int shard() {
    return shard;
  }

  // ---- reply encodings (leader to its own service; never persisted) ----

  static org.apache.ratis.thirdparty.com.google.protobuf.ByteString encodeResult(Result r) {
    return bytes(out -> writeResult(out, r));
  }

  static Result decodeResult(Message message) {
    return parse(message, LockStateMachine::readResult);
  }

  private static void writeResult(DataOutputStream out, Result r) throws IOException {
    out.writeByte(r.status().ordinal());
    out.writeBoolean(r.queued());
    out.writeLong(r.token());
    out.writeLong(r.ticket());
    Command.writeString(out, r.message());
  }

  private static Result readResult(DataInputStream in) throws IOException {
    return new Result(
        Status.values()[in.readByte()],
        in.readBoolean(),
        in.readLong(),
        in.readLong(),
        Command.readString(in));
  }

  /** The reply to a batch entry: a count, then each command's result as {@link #encodeResult}. */
  static org.apache.ratis.thirdparty.com.google.protobuf.ByteString encodeResults(
      List<Result> results) {
    return bytes(
        out -> {
          out.writeInt(results.size());
          for (Result r : results) {
            writeResult(out, r);
          }
        });
  }

  static List<Result> decodeResults(Message message) {
    return parse(
        message,
        in -> {
          int n = in.readInt();
          List<Result> results = new ArrayList<>(n);
          for (int i = 0; i < n; i++) {
            results.add(readResult(in));
          }
          return results;
        });
  }

  static org.apache.ratis.thirdparty.com.google.protobuf.ByteString encodeLockView(LockView v) {
    return bytes(
        out -> {
          Command.writeString(out, v.name());
          out.writeBoolean(v.holder() != null);
          if (v.holder() != null) {
            Command.writeUuid(out, v.holder());
          }
          out.writeLong(v.holderRequestId());
          out.writeLong(v.token());
          out.writeInt(v.waiters());
        });
  }

  static LockView decodeLockView(Message message) {
    return parse(message, LockStateMachine::readLockView);
  }

  private static LockView readLockView(DataInputStream in) throws IOException {
    String name = Command.readString(in);
    UUID holder = in.readBoolean() ? Command.readUuid(in) : null;
    return new LockView(name, holder, in.readLong(), in.readLong(), in.readInt());
  }

  static Message queryFor(String name) {
    return Message.valueOf(
        bytes(
            out -> {
              out.writeByte(QUERY_LOCK);
              Command.writeString(out, name);
            }));
  }

  /** Up to {@code limit} locks of {@code shard} alone, in a group that carries several shards. */
  static Message shardLocksQuery(int limit, int shard, int shards) {
    return Message.valueOf(
        bytes(
            out -> {
              out.writeByte(QUERY_SHARD_LOCKS);
              out.writeInt(limit);
              out.writeInt(shard);
              out.writeInt(shards);
            }));
  }

  static Message registryQuery(@Nullable String service) {
    return Message.valueOf(
        bytes(
            out -> {
              out.writeByte(QUERY_REGISTRY);
              out.writeBoolean(service != null);
              if (service != null) {
                Command.writeString(out, service);
              }
            }));
  }

  static Message locksQuery(int limit) {
    return Message.valueOf(
        bytes(
            out -> {
              out.writeByte(QUERY_LOCKS);
              out.writeInt(limit);
            }));
  }

  static org.apache.ratis.thirdparty.com.google.protobuf.ByteString encodeRegistry(RegistryView v) {
    return bytes(
        out -> {
          out.writeLong(v.version());
          out.writeInt(v.entries().size());
          for (ServiceEntry e : v.entries()) {
            Command.writeEntry(out, e);
          }
        });
  }

  static RegistryView decodeRegistry(Message message) {
    return parse(
        message,
        in -> {
          long version = in.readLong();
          int n = in.readInt();
          List<ServiceEntry> entries = new ArrayList<>(n);
          for (int i = 0; i < n; i++) {
            entries.add(Command.readEntry(in));
          }
          return new RegistryView(version, List.copyOf(entries));
        });
  }

  static org.apache.ratis.thirdparty.com.google.protobuf.ByteString encodeLocks(LocksView v) {
    return bytes(
        out -> {
          out.writeInt(v.total());
          out.writeInt(v.locks().size());
          for (LockView l : v.locks()) {
            out.write(encodeLockView(l).toByteArray());
          }
        });
  }

  static LocksView decodeLocks(Message message) {
    return parse(
        message,
        in -> {
          int total = in.readInt();
          int n = in.readInt();
          List<LockView> locks = new ArrayList<>(n);
          for (int i = 0; i < n; i++) {
            locks.add(readLockView(in));
          }
          return new LocksView(List.copyOf(locks), total);
        });
  }

  private interface Writer {
    void write(DataOutputStream out) throws IOException;
  }

  private interface Reader<T> {
    T read(DataInputStream in) throws IOException;
  }

  private static org.apache.ratis.thirdparty.com.google.protobuf.ByteString bytes(Writer writer) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      writer.write(out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return org.apache.ratis.thirdparty.com.google.protobuf.ByteString.copyFrom(bytes.toByteArray());
  }

  private static <T> T parse(Message message, Reader<T> reader) {
    try (DataInputStream in = new DataInputStream(message.getContent().newInput())) {
      return reader.read(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Exposed for tests: the snapshot directory, once initialized. */
  Optional<File> snapshotDirectory() {
    return Optional.ofNullable(snapshotDir);
  }
}
