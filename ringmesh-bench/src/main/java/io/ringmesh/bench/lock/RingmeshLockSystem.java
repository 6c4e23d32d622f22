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
 * Ringmesh's lock service: the embedded coordinator (every shard a one-peer Raft group, its log
 * synced before an entry counts as written: the default) and one {@link LockClient} per client.
 *
 * <p>{@link #IN_PROCESS} runs the coordinator in the clients' JVM and calls it through {@code
 * LockClient.builder().coordinator(c)}, without RPC: it measures the lock service without the
 * network.
 */
final class RingmeshLockSystem implements LockSystem {
  /** The coordinator in the clients' JVM, called without RPC. */
  static final RingmeshLockSystem IN_PROCESS = new RingmeshLockSystem();

  /** Coordinators started by {@link #IN_PROCESS}, by the address it gave them. */
  private static final Map<String, Coordinator> LOCAL = new ConcurrentHashMap<>();

  private static final AtomicInteger NEXT_LOCAL = new AtomicInteger();

  private RingmeshLockSystem() {}

  @Override
  public String id() {
    return "ringmesh-in-process";
  }

  @Override
  public boolean inProcess() {
    return true;
  }

  @Override
  public Server start(Path dataDirectory) throws Exception {
    Coordinator coordinator = Coordinator.builder().dataDirectory(dataDirectory).start();
    String address = "in-process:" + NEXT_LOCAL.incrementAndGet();
    LOCAL.put(address, coordinator);
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
