package io.ringmesh.bench.lock;

import java.nio.file.Path;
import java.time.Duration;

/**
 * A lock service the benchmark measures: how to start its server and how a client acquires and
 * releases a named lock. Implementations must keep the server durable the way the system is
 * normally run for locks (fsync on), and give every {@link #connect client} its own session, so
 * that two clients exclude each other.
 *
 * <p>Peers plug in here: etcd through jetcd, ZooKeeper through Curator's {@code InterProcessMutex},
 * Redis through Redisson's {@code RLock}. Their {@link #start} would run the server (a child
 * process, or an embedded one) with its data under the given directory.
 *
 * <p>Implementations are thread-safe; a {@link Client} is used by one thread at a time.
 */
public interface LockSystem {
  /** The name in reports and JSON, such as {@code ringmesh} or {@code etcd}. */
  String id();

  /**
   * Whether the server must run in the clients' JVM, as with an in-process API. Such a system is
   * measured without a network between client and server, and its report says so.
   */
  default boolean inProcess() {
    return false;
  }

  /**
   * Starts a server on a free loopback port with its data under {@code dataDirectory} (a fresh,
   * empty directory), and returns once it accepts clients.
   */
  Server start(Path dataDirectory) throws Exception;

  /** Connects a client, with a session of its own, to the server at {@link Server#address()}. */
  Client connect(String address) throws Exception;

  /** A running server. Closing it stops it; the caller deletes the data directory. */
  interface Server extends AutoCloseable {
    /** What {@link LockSystem#connect} takes, such as {@code 127.0.0.1:port}. */
    String address();

    /** Stops the server; failures are reported unchecked (a benchmark has no way to recover). */
    @Override
    void close();
  }

  /** One client with its own session. Closing it ends the session and the connection. */
  interface Client extends AutoCloseable {
    /**
     * Acquires {@code key}, waiting up to {@code waitTimeout} behind other holders.
     *
     * @return the held lock; {@link Held#release()} releases it
     */
    Held acquire(String key, Duration waitTimeout) throws Exception;

    /** Ends the session and closes the connection. */
    @Override
    void close();
  }

  /** A held lock. */
  interface Held {
    /** Releases the lock and returns once the server has acknowledged it. */
    void release() throws Exception;
  }
}
