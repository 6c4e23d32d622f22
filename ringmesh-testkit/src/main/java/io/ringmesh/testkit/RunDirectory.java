package io.ringmesh.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Temporary directories of runs that start child processes (the demo, the chaos suite): each holds
 * the pid of the process that made it, so that the next run can delete the directories of runs that
 * were killed with SIGKILL and could not clean up after themselves.
 *
 * <p>Thread-safe (stateless).
 */
public final class RunDirectory {
  private static final String PID_FILE = "owner.pid";

  private RunDirectory() {}

  /**
   * Deletes the orphaned directories named {@code prefix*} in the temporary directory (those whose
   * owner is no longer running), then creates a new one owned by this process.
   */
  public static Path create(String prefix) throws IOException {
    removeOrphans(prefix);
    Path dir = Files.createTempDirectory(prefix);
    Files.writeString(dir.resolve(PID_FILE), Long.toString(ProcessHandle.current().pid()));
    return dir;
  }

  private static void removeOrphans(String prefix) {
    Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
    try (Stream<Path> dirs = Files.list(tmp)) {
      for (Path d : dirs.filter(p -> p.getFileName().toString().startsWith(prefix)).toList()) {
        try {
          long owner = Long.parseLong(Files.readString(d.resolve(PID_FILE)).trim());
          if (ProcessHandle.of(owner).map(ProcessHandle::isAlive).orElse(false)) {
            continue;
          }
        } catch (IOException | NumberFormatException e) {
          continue; // not ours, or still being created: leave it
        }
        delete(d);
      }
    } catch (IOException e) {
      // a temporary directory we cannot list has no orphans of ours to clean
    }
  }

  /** Deletes {@code root} and everything in it; reports, without throwing, what it could not. */
  public static void delete(Path root) {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(root)) {
      walk.sorted(Comparator.reverseOrder())
          .forEach(
              p -> {
                try {
                  Files.deleteIfExists(p);
                } catch (IOException e) {
                  throw new UncheckedIOException(e);
                }
              });
    } catch (IOException | UncheckedIOException e) {
      System.err.println("ringmesh: could not delete " + root + ": " + e.getMessage());
    }
  }
}
