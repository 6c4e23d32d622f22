package io.ringmesh.coord.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

/**
 * A snapshot file: the state machine's payload framed with a checksum, so that a damaged file is
 * refused with its name rather than loaded as a different state.
 *
 * <pre>
 * +-------------+----------+----------------+-----------+-------------------+
 * | magic "RMSN"| format 1 | payload length | payload   | CRC32C of payload |
 * | 4 bytes     | 4 bytes  | 8 bytes        | n bytes   | 4 bytes           |
 * +-------------+----------+----------------+-----------+-------------------+
 * </pre>
 */
public final class SnapshotFile {
  private static final int MAGIC = 0x524d534e; // "RMSN"
  private static final int FORMAT = 1;
  private static final int HEADER = 16;
  private static final int TRAILER = 4;

  private SnapshotFile() {}

  /**
   * Writes {@code payload} to {@code target} durably: a temporary file is written and synced, then
   * moved into place atomically, so a crash leaves either the old state or the new one.
   */
  public static void write(Path target, byte[] payload) throws IOException {
    CRC32C crc = new CRC32C();
    crc.update(payload);
    ByteBuffer buffer = ByteBuffer.allocate(HEADER + payload.length + TRAILER);
    buffer.putInt(MAGIC).putInt(FORMAT).putLong(payload.length).put(payload);
    buffer.putInt((int) crc.getValue()).flip();
    Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
    try (FileChannel channel =
        FileChannel.open(
            tmp,
            StandardOpenOption.CREATE,
            StandardOpenOption.TRUNCATE_EXISTING,
            StandardOpenOption.WRITE)) {
      while (buffer.hasRemaining()) {
        channel.write(buffer);
      }
      channel.force(true);
    }
    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  /**
   * Reads the payload of {@code file}.
   *
   * @throws IOException naming the file and what is wrong with it, if it is truncated, not a
   *     snapshot, or fails its checksum
   */
  public static byte[] read(Path file) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    if (bytes.length < HEADER + TRAILER) {
      throw corrupt(file, "it is " + bytes.length + " bytes long, shorter than any snapshot");
    }
    ByteBuffer buffer = ByteBuffer.wrap(bytes);
    if (buffer.getInt() != MAGIC) {
      throw corrupt(file, "it does not start with the snapshot magic number");
    }
    int format = buffer.getInt();
    if (format != FORMAT) {
      throw corrupt(file, "its format " + format + " is not " + FORMAT);
    }
    long length = buffer.getLong();
    if (length != bytes.length - HEADER - TRAILER) {
      throw corrupt(
          file,
          "its header announces "
              + length
              + " payload bytes but the file holds "
              + (bytes.length - HEADER - TRAILER));
    }
    byte[] payload = new byte[(int) length];
    buffer.get(payload);
    CRC32C crc = new CRC32C();
    crc.update(payload);
    int stored = buffer.getInt();
    if (stored != (int) crc.getValue()) {
      throw corrupt(
          file,
          "its CRC32C is "
              + Integer.toHexString((int) crc.getValue())
              + " but the file records "
              + Integer.toHexString(stored));
    }
    return payload;
  }

  private static IOException corrupt(Path file, String why) {
    return new IOException(
        "snapshot file "
            + file.toAbsolutePath()
            + " is corrupt: "
            + why
            + ". Refusing to start from it; restore the file from a backup, or move it aside so"
            + " that the shard recovers from an older snapshot and the log");
  }
}
