package io.ringmesh.bench.lock;

import io.ringmesh.coord.Coordinator;
import io.ringmesh.coord.Lease;
import io.ringmesh.coord.LockClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Ringmesh's lock service: the embedded coordinator (its 16 shards in one one-peer Raft group, the
 * log synced before an entry counts as written: the defaults) and one {@link LockClient} per
 * client.
 *
 * <p>{@link #OVER_RPC} serves clients over ringmesh-rpc on a free loopback port, and each client
 * connects with {@code LockClient.builder().connect(address)}: its own session and connection.
 * {@link #IN_PROCESS} runs the coordinator in the clients' JVM and calls it through {@code
 * LockClient.builder().coordinator(c)}: the lock service without the network, to see what RPC
 * costs.
 */
final class RingmeshLockSystem implements LockSystem {
  /** The coordinator in its own JVM, clients over ringmesh-rpc: the figures of issue #5. */
  static final RingmeshLockSystem OVER_RPC = new RingmeshLockSystem(false);

  /** The coordinator in the clients' JVM, called without RPC. */
  static final RingmeshLockSystem IN_PROCESS = new RingmeshLockSystem(true);

  /** Coordinators started by {@link #IN_PROCESS}, by the address it gave them. */
  private static final Map<String, Coordinator> LOCAL = new ConcurrentHashMap<>();

  private static final AtomicInteger NEXT_LOCAL = new AtomicInteger();

  private final boolean inProcess;

  private RingmeshLockSystem(boolean inProcess) {
    this.inProcess = inProcess;
  }

  @Override
  public String id() {
    return inProcess ? "ringmesh-in-process" : "ringmesh";
  }

  @Override
  public boolean inProcess() {
    return inProcess;
  }

  @Override
  public Server start(Path dataDirectory) throws Exception {
    Coordinator.Builder b = Coordinator.builder().dataDirectory(dataDirectory);
    if (!inProcess) {
      b.rpcPort(0);
    }
    // For experiments: -Dringmesh.bench.groupCommit=N (0 = off) in the server JVM, for instance
    // through JAVA_TOOL_OPTIONS; the coordinator's default otherwise.
    Integer groupCommit = Integer.getInteger("ringmesh.bench.groupCommit");
    if (groupCommit != null) {
      b.groupCommit(groupCommit);
    }
    // -Dringmesh.bench.groups=N: the Raft groups that carry the 16 shards (the coordinator's
    // default otherwise: one, since the bench runs one coordinator); 16 is the ensemble layout.
    Integer groups = Integer.getInteger("ringmesh.bench.groups");
    if (groups != null) {
      b.groups(groups);
    }
    Coordinator coordinator = b.start();
    String address;
    if (inProcess) {
      address = "in-process:" + NEXT_LOCAL.incrementAndGet();
      LOCAL.put(address, coordinator);
    } else {
      address = "127.0.0.1:" + coordinator.rpcPort();
    }
    return new Server() {
      @Override
      public String address() {
        return address;
      }

      @Override
      public void close() {
        LOCAL.remove(address);
        coordinator.close();
      }
    };
  }

  @Override
  public Client connect(String address) {
    if (!inProcess) {
      return new RingmeshClient(LockClient.builder().connect(address).build());
    }
    Coordinator coordinator = LOCAL.get(address);
    if (coordinator == null) {
      throw new IllegalArgumentException("no in-process coordinator at " + address);
    }
    return new RingmeshClient(LockClient.builder().coordinator(coordinator).build());
  }

  /** One {@link LockClient}, so one session. */
  private record RingmeshClient(LockClient client) implements Client {
    @Override
    public Held acquire(String key, Duration waitTimeout) {
      Lease lease = client.acquire(key, waitTimeout);
      return lease::close;
    }

    @Override
    public void close() {
      client.close();
    }
  }
}
