package io.ringmesh.coord.internal;

import io.ringmesh.coord.internal.Messages.AcquireMode;
import io.ringmesh.coord.internal.Messages.ServiceEntry;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * A state machine command: the payload of one Raft log entry of a lock shard or of the registry
 * group.
 *
 * <p>Encoding (big-endian, {@link DataOutputStream}):
 *
 * <pre>
 * +---------+-----+---------------------------------------------+
 * | version | tag | fields of the command, in declaration order  |
 * | 1 byte  | 1 B | UUID = 2 longs, String = int length + UTF-8  |
 * +---------+-----+---------------------------------------------+
 * </pre>
 *
 * The log outlives the code that wrote it, so the version byte is checked on decode and a tag is
 * never reused.
 */
public sealed interface Command {

  /** The session the command concerns. */
  UUID session();

  /** Opens a session with a TTL in milliseconds; idempotent. */
  record OpenSession(UUID session, long ttlMillis) implements Command {}

  /** Acquires {@code name}, or queues for it. */
  record Acquire(
      UUID session,
      long requestId,
      long oldestPendingId,
      String name,
      AcquireMode mode,
      long waitTimeoutMillis,
      boolean reentrant)
      implements Command {}

  /** Releases {@code name} held with {@code token}. */
  record Release(UUID session, long requestId, long oldestPendingId, String name, long token)
      implements Command {}

  /** Why a waiting acquire is withdrawn. */
  enum WithdrawReason {
    /** Its wait timeout passed: remove the waiter; a grant that already happened stands. */
    TIMEOUT,
    /** Its caller gave up: remove the waiter, and release a grant the caller never saw. */
    CANCEL
  }

  /** Withdraws the acquire {@code requestId} of {@code session} on {@code name}; idempotent. */
  record Withdraw(UUID session, long requestId, String name, WithdrawReason reason)
      implements Command {}

  /** Ends a session whose TTL passed without heartbeats, as decided by the leader. */
  record ExpireSession(UUID session) implements Command {}

  /** Ends a session at its client's request. */
  record CloseSession(UUID session) implements Command {}

  /**
   * Registers {@code entry} under {@code session} (registry group only); replaces the entry of the
   * same (service, nodeId), whichever session owned it.
   */
  record Register(UUID session, long requestId, long oldestPendingId, ServiceEntry entry)
      implements Command {}

  /** Removes the entry of (service, nodeId) if {@code session} owns it (registry group only). */
  record Deregister(
      UUID session, long requestId, long oldestPendingId, String service, String nodeId)
      implements Command {}

  /**
   * Several lock commands in one log entry (group commit, see {@link GroupCommit}), applied in list
   * order as if each were an entry of its own at the batch's index. Only {@link Acquire}, {@link
   * Release} and {@link Withdraw} may be batched: each concerns one lock. The state machine applies
   * at most one command per lock name of a batch (see {@link ShardState#applyEntry}), so that two
   * grants of a lock never share a fencing token.
   *
   * @param commands at least one, at most {@link #MAX_BATCH}, each batchable
   */
  record Batch(List<Command> commands) implements Command {
    /** The most commands one batch may carry. */
    public static final int MAX_BATCH = 64;

    public Batch {
      commands = List.copyOf(commands);
      if (commands.isEmpty() || commands.size() > MAX_BATCH) {
        throw new IllegalArgumentException(
            "a batch holds 1 to " + MAX_BATCH + " commands, not " + commands.size());
      }
      for (Command c : commands) {
        if (lockName(c) == null) {
          throw new IllegalArgumentException(
              "a batch holds only Acquire, Release and Withdraw commands, not "
                  + c.getClass().getSimpleName());
        }
      }
    }

    /** The first command's session: a batch has none of its own; see {@link #commands}. */
    @Override
    public UUID session() {
      return commands.getFirst().session();
    }
  }

  /**
   * The one lock a batchable command concerns, or null if the command is not batchable (it concerns
   * a whole session, the registry, or is a batch itself).
   */
  static @Nullable String lockName(Command command) {
    return switch (command) {
      case Acquire c -> c.name();
      case Release c -> c.name();
      case Withdraw c -> c.name();
      default -> null;
    };
  }

  /** The encoding version written by this code. */
  byte VERSION = 1;

  /** This command's bytes. */
  default byte[] encode() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeByte(VERSION);
      switch (this) {
        case OpenSession c -> {
          out.writeByte(1);
          writeUuid(out, c.session());
          out.writeLong(c.ttlMillis());
        }
        case Acquire c -> {
          out.writeByte(2);
          writeUuid(out, c.session());
          out.writeLong(c.requestId());
          out.writeLong(c.oldestPendingId());
          writeString(out, c.name());
          out.writeByte(c.mode().ordinal());
          out.writeLong(c.waitTimeoutMillis());
          out.writeBoolean(c.reentrant());
        }
        case Release c -> {
          out.writeByte(3);
          writeUuid(out, c.session());
          out.writeLong(c.requestId());
          out.writeLong(c.oldestPendingId());
          writeString(out, c.name());
          out.writeLong(c.token());
        }
        case Withdraw c -> {
          out.writeByte(4);
          writeUuid(out, c.session());
          out.writeLong(c.requestId());
          writeString(out, c.name());
          out.writeByte(c.reason().ordinal());
        }
        case ExpireSession c -> {
          out.writeByte(5);
          writeUuid(out, c.session());
        }
        case CloseSession c -> {
          out.writeByte(6);
          writeUuid(out, c.session());
        }
        case Register c -> {
          out.writeByte(7);
          writeUuid(out, c.session());
          out.writeLong(c.requestId());
          out.writeLong(c.oldestPendingId());
          writeEntry(out, c.entry());
        }
        case Deregister c -> {
          out.writeByte(8);
          writeUuid(out, c.session());
          out.writeLong(c.requestId());
          out.writeLong(c.oldestPendingId());
          writeString(out, c.service());
          writeString(out, c.nodeId());
        }
        case Batch c -> {
          out.writeByte(9);
          out.writeInt(c.commands().size());
          for (Command inner : c.commands()) {
            byte[] encoded = inner.encode();
            out.writeInt(encoded.length);
            out.write(encoded);
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
    }
    return bytes.toByteArray();
  }

  /**
   * Decodes a command.
   *
   * @throws IllegalArgumentException naming what is wrong, if the bytes are not a command of a
   *     version this code reads
   */
  static Command decode(byte[] bytes) {
    try (DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(bytes))) {
      int version = in.readByte();
      if (version != VERSION) {
        throw new IllegalArgumentException(
            "command format version "
                + version
                + " is not supported (this code reads version "
                + VERSION
                + "); was the log written by a newer Ringmesh?");
      }
      int tag = in.readByte();
      Command command =
          switch (tag) {
            case 1 -> new OpenSession(readUuid(in), in.readLong());
            case 2 ->
                new Acquire(
                    readUuid(in),
                    in.readLong(),
                    in.readLong(),
                    readString(in),
                    enumAt(AcquireMode.values(), in.readByte(), "acquire mode"),
                    in.readLong(),
                    in.readBoolean());
            case 3 ->
                new Release(
                    readUuid(in), in.readLong(), in.readLong(), readString(in), in.readLong());
            case 4 ->
                new Withdraw(
                    readUuid(in),
                    in.readLong(),
                    readString(in),
                    enumAt(WithdrawReason.values(), in.readByte(), "withdraw reason"));
            case 5 -> new ExpireSession(readUuid(in));
            case 6 -> new CloseSession(readUuid(in));
            case 7 -> new Register(readUuid(in), in.readLong(), in.readLong(), readEntry(in));
            case 8 ->
                new Deregister(
                    readUuid(in), in.readLong(), in.readLong(), readString(in), readString(in));
            case 9 -> readBatch(in);
            default -> throw new IllegalArgumentException("unknown command tag " + tag);
          };
      if (in.available() > 0) {
        throw new IllegalArgumentException(
            in.available() + " trailing bytes after a command with tag " + tag);
      }
      return command;
    } catch (EOFException e) {
      throw new IllegalArgumentException("command truncated after " + bytes.length + " bytes", e);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Batch readBatch(DataInputStream in) throws IOException {
    int n = in.readInt();
    if (n < 1 || n > Batch.MAX_BATCH) {
      throw new IllegalArgumentException(
          "batch of " + n + " commands (a batch holds 1 to " + Batch.MAX_BATCH + ")");
    }
    List<Command> commands = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      int length = in.readInt();
      if (length < 2 || length > in.available()) {
        throw new IllegalArgumentException(
            "command "
                + i
                + " of a batch has length "
                + length
                + " of "
                + in.available()
                + " left");
      }
      commands.add(decode(in.readNBytes(length)));
    }
    return new Batch(commands); // refuses nested batches and session-wide commands
  }

  private static <E extends Enum<E>> E enumAt(E[] values, int ordinal, String what) {
    if (ordinal < 0 || ordinal >= values.length) {
      throw new IllegalArgumentException("unknown " + what + " " + ordinal);
    }
    return values[ordinal];
  }

  /**
   * Writes a registry entry: service, nodeId, host (strings), port (int), weight (double), version
   * (string), then the metadata as a count and key/value strings in key order.
   */
  static void writeEntry(DataOutputStream out, ServiceEntry e) throws IOException {
    writeString(out, e.service());
    writeString(out, e.nodeId());
    writeString(out, e.host());
    out.writeInt(e.port());
    out.writeDouble(e.weight());
    writeString(out, e.version());
    Map<String, String> sorted = new TreeMap<>(e.metadata());
    out.writeInt(sorted.size());
    for (Map.Entry<String, String> m : sorted.entrySet()) {
      writeString(out, m.getKey());
      writeString(out, m.getValue());
    }
  }

  /** Reads what {@link #writeEntry} wrote; the metadata map keeps key order. */
  static ServiceEntry readEntry(DataInputStream in) throws IOException {
    String service = readString(in);
    String nodeId = readString(in);
    String host = readString(in);
    int port = in.readInt();
    double weight = in.readDouble();
    String version = readString(in);
    int n = in.readInt();
    if (n < 0 || n > in.available()) {
      throw new IllegalArgumentException("metadata count " + n + " is not plausible");
    }
    Map<String, String> metadata = new TreeMap<>();
    for (int i = 0; i < n; i++) {
      metadata.put(readString(in), readString(in));
    }
    return new ServiceEntry(
        service,
        nodeId,
        host,
        port,
        weight,
        version,
        java.util.Collections.unmodifiableMap(metadata));
  }

  /** Writes a UUID as two longs. */
  static void writeUuid(DataOutputStream out, UUID id) throws IOException {
    out.writeLong(id.getMostSignificantBits());
    out.writeLong(id.getLeastSignificantBits());
  }

  /** Reads what {@link #writeUuid} wrote. */
  static UUID readUuid(DataInputStream in) throws IOException {
    return new UUID(in.readLong(), in.readLong());
  }

  /** Writes a string as an int length and UTF-8 bytes (no 64 KiB limit, unlike writeUTF). */
  static void writeString(DataOutputStream out, String s) throws IOException {
    byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
    out.writeInt(utf8.length);
    out.write(utf8);
  }

  /** Reads what {@link #writeString} wrote, refusing lengths beyond what is left. */
  static String readString(DataInputStream in) throws IOException {
    int length = in.readInt();
    if (length < 0 || length > in.available()) {
      throw new IllegalArgumentException(
          "string length " + length + " exceeds the " + in.available() + " bytes left");
    }
    return new String(in.readNBytes(length), StandardCharsets.UTF_8);
  }
}
