package io.ringmesh.bench.lock;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

/**
 * A fresh temporary directory for one server's data, deleted with everything in it on {@link
 * #close()}, or by a shutdown hook if the JVM exits first. Thread-safe.
 */
final class TempDirectory implements AutoCloseable {
  private final Path path;
  private final AtomicBoolean deleted = new AtomicBoolean();
  private final Thread hook;

  private TempDirectory(Path path) {
    this.path = path;
    this.hook = new Thread(this::deleteQuietly, "delete-" + path.getFileName());
    Runtime.getRuntime().addShutdownHook(hook);
  }

  static TempDirectory create(String prefix) throws IOException {
    return new TempDirectory(Files.createTempDirectory(prefix));
  }

  /** Takes charge of deleting {@code path}, which another process may delete too. */
  static TempDirectory of(Path path) {
    return new TempDirectory(path);
  }

  Path path() {
    return path;
  }

  @Override
  public void close() {
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException shuttingDown) {
      // the hook runs anyway
    }
    delete();
  }

  private void deleteQuietly() {
    try {
      delete();
    } catch (UncheckedIOException e) {
      System.err.println("bench lock: could not delete " + path + ": " + e.getMessage());
    }
  }

  private void delete() {
    if (!deleted.compareAndSet(false, true)) {
      return;
    }
    if (!Files.exists(path)) {
      return;
    }
    try (Stream<Path> files = Files.walk(path)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (NoSuchFileException deletedMeanwhile) {
      // another process deleted it first
    } catch (IOException e) {
      throw new UncheckedIOException("deleting " + path, e);
    }
  }
}
