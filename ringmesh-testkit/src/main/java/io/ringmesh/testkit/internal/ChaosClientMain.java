package io.ringmesh.testkit.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.ringmesh.coord.Lease;
import io.ringmesh.coord.LockClient;
import io.ringmesh.coord.LockException;
import io.ringmesh.rpc.Endpoint;
import io.ringmesh.rpc.RpcClient;
import io.ringmesh.testkit.internal.Event.Type;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Random;

/**
 * A chaos run's client process: {@code ChaosClientMain ID COORDINATORS RESOURCE NAMES TTL_MS SEED
 * PARENT_PID}. One lock session, one thread, in a loop: acquire a random lock of {@code NAMES}
 * (comma-separated), write to the fenced resource at {@code RESOURCE} (host:port) with the lease's
 * token a few times while holding it, release. Every step is printed as one line, {@code EV}
 * followed by the {@link Event} as JSON, with wall-clock bounds. Prints {@code READY} once its
 * session is open; exits when its parent does.
 */
public final class ChaosClientMain {
  /** The prefix of an event line. */
  static final String EVENT_PREFIX = "EV ";

  private final String id;
  private final PrintStream out;
  private final ObjectMapper json = new ObjectMapper();

  private ChaosClientMain(String id, PrintStream out) {
    this.id = id;
    this.out = out;
  }

  public static void main(String[] args) throws Exception {
    if (args.length != 7) {
      System.err.println(
          "usage: ChaosClientMain ID COORDINATORS RESOURCE NAMES TTL_MS SEED PARENT_PID");
      System.exit(2);
    }
    exitWithParent(Long.parseLong(args[6]));
    String id = args[0];
    List<String> names = List.of(args[3].split(","));
    Duration ttl = Duration.ofMillis(Long.parseLong(args[4]));
    Random random = new Random(Long.parseLong(args[5]));
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    ChaosClientMain client = new ChaosClientMain(id, out);
    try (RpcClient rpc = RpcClient.builder().defaultDeadline(Duration.ofSeconds(2)).build();
        LockClient locks = open(args[1], ttl)) {
      FencedStore store = rpc.proxy(FencedStore.class, Endpoint.parse(args[2]));
      out.println("READY " + id);
      while (true) {
        client.round(locks, store, names.get(random.nextInt(names.size())), ttl, random);
      }
    }
  }

  /** Opens the session, retrying for up to a minute while the coordinators elect leaders. */
  private static LockClient open(String coordinators, Duration ttl) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
    while (true) {
      try {
        return LockClient.builder()
            .connect(coordinators)
            .sessionTtl(ttl)
            .requestTimeout(ttl.multipliedBy(2))
            .build();
      } catch (LockException e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
        Thread.sleep(500); // back-off between attempts to open, not a wait for a condition
      }
    }
  }

  /** One acquire, hold with fenced writes, release. */
  private void round(LockClient locks, FencedStore store, String name, Duration ttl, Random random)
      throws InterruptedException {
    long invoked = emit(Event.at(now(), id, Type.ACQUIRE_INVOKED, name, 0));
    Lease lease;
    try {
      lease = locks.acquire(name, ttl.multipliedBy(2));
    } catch (LockException | IllegalStateException e) {
      emit(new Event(now(), invoked, id, Type.ACQUIRE_FAILED, name, 0, String.valueOf(e)));
      Thread.sleep(100 + random.nextInt(200)); // think time before the next attempt
      return;
    }
    long token = lease.fencingToken();
    emit(new Event(now(), invoked, id, Type.GRANTED, name, token, ""));
    lease.onLost(
        e -> emit(Event.at(now(), id, Type.LOST, name, token).withDetail(String.valueOf(e))));
    int writes = 1 + random.nextInt(3);
    for (int i = 0; i < writes; i++) {
      long asked = now();
      if (lease.isValid()) {
        emit(new Event(now(), asked, id, Type.VALID, name, token, ""));
      }
      // Write whether or not the lease is still valid: a real client checks, then pauses, then
      // writes anyway; fencing must catch it, so this one never trusts its check.
      long w = emit(Event.at(now(), id, Type.WRITE_INVOKED, name, token));
      try {
        FencedStore.Outcome o = store.write(new FencedStore.Write(name, token, id));
        emit(
            new Event(
                now(),
                w,
                id,
                o.accepted() ? Type.WRITE_ACKED : Type.WRITE_REJECTED,
                name,
                token,
                o.accepted() ? "" : "highest token " + o.highestToken()));
      } catch (RuntimeException e) {
        emit(new Event(now(), w, id, Type.WRITE_FAILED, name, token, String.valueOf(e)));
      }
      Thread.sleep(20 + random.nextInt(80)); // the work done while holding the lock
    }
    long r = emit(Event.at(now(), id, Type.RELEASE_INVOKED, name, token));
    if (lease.lostBecause().isPresent()) {
      emit(new Event(now(), r, id, Type.RELEASE_FAILED, name, token, "lease was lost"));
      return;
    }
    try {
      lease.close();
      if (lease.lostBecause().isPresent()) {
        emit(new Event(now(), r, id, Type.RELEASE_FAILED, name, token, "lease was lost"));
      } else {
        emit(new Event(now(), r, id, Type.RELEASE_ACKED, name, token, ""));
      }
    } catch (LockException | IllegalStateException e) {
      emit(new Event(now(), r, id, Type.RELEASE_FAILED, name, token, String.valueOf(e)));
    }
  }

  private static long now() {
    return System.currentTimeMillis();
  }

  /** Prints the event; returns its time. */
  private long emit(Event e) {
    try {
      String line = EVENT_PREFIX + json.writeValueAsString(e);
      synchronized (out) {
        out.println(line);
      }
    } catch (com.fasterxml.jackson.core.JsonProcessingException ex) {
      throw new IllegalStateException(ex);
    }
    return e.timeMs();
  }

  /** Exits this JVM when process {@code pid} exits, so that no child outlives its run. */
  static void exitWithParent(long pid) {
    ProcessHandle.of(pid)
        .ifPresentOrElse(
            p -> p.onExit().thenRun(() -> Runtime.getRuntime().halt(1)),
            () -> Runtime.getRuntime().halt(1));
  }
}
