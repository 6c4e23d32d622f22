package io.ringmesh.node.internal.cli;

import io.ringmesh.coord.Lease;
import io.ringmesh.coord.LockClient;
import io.ringmesh.coord.LockException;
import io.ringmesh.coord.LockInfo;
import io.ringmesh.node.internal.runtime.Durations;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ringmesh lock}: acquires or inspects a lock on running coordinators. */
@Command(
    name = "lock",
    mixinStandardHelpOptions = true,
    description =
        "Acquire, hold and release a lock, or show who holds one, on running coordinators.",
    subcommands = {LockCommand.Acquire.class, LockCommand.Status.class})
final class LockCommand {

  static final class Target {
    @Option(
        names = "--coordinators",
        defaultValue = "127.0.0.1:7400",
        description = "Coordinators' RPC endpoints, host:port,... (default ${DEFAULT-VALUE}).")
    String coordinators = "127.0.0.1:7400";

    LockClient connect() {
      try {
        return LockClient.builder()
            .connect(coordinators)
            .requestTimeout(Duration.ofSeconds(5))
            .build();
      } catch (IllegalArgumentException e) {
        throw new CommandFailedException(e.getMessage(), 2);
      } catch (LockException e) {
        throw new CommandFailedException(e.getMessage() + "; start one with 'bin/ringmesh node'");
      }
    }
  }

  @Command(
      name = "acquire",
      mixinStandardHelpOptions = true,
      description = {
        "Acquire NAME (waiting in FIFO order), hold it, then release it.",
        "Exit codes: 0 done, 1 failure, 2 usage, 3 the wait timed out."
      })
  static final class Acquire implements Callable<Integer> {
    @Parameters(paramLabel = "NAME", description = "The lock name.")
    String name = "";

    @Option(
        names = "--wait",
        defaultValue = "10s",
        description = "How long to wait for the lock (default ${DEFAULT-VALUE}).",
        converter = DurationConverter.class)
    Duration wait = Duration.ofSeconds(10);

    @Option(
        names = "--hold",
        defaultValue = "0s",
        description =
            "How long to hold it before releasing (default ${DEFAULT-VALUE}); a jeopardy of the"
                + " session meanwhile is reported on stderr, a loss exits 1.",
        converter = DurationConverter.class)
    Duration hold = Duration.ZERO;

    @Option(
        names = "--json",
        description = "Print one JSON object: name, token, acquired_at and released_at (epoch µs).")
    boolean json;

    @picocli.CommandLine.Mixin Target target = new Target();

    @Override
    public Integer call() throws InterruptedException {
      if (wait.isZero() || wait.isNegative()) {
        throw new CommandFailedException(
            "--wait is " + Durations.format(wait) + "; give a positive duration, e.g. 1s", 2);
      }
      // Closing the client on any way out closes its session, which releases a lease still held.
      try (LockClient locks = target.connect()) {
        long asked = System.nanoTime();
        Lease lease;
        try {
          lease = locks.acquire(name, wait);
        } catch (LockException e) {
          throw new CommandFailedException(
              "could not acquire '" + name + "': " + e.getMessage(),
              switch (e.code()) {
                case DEADLINE_EXCEEDED -> 3;
                case INVALID_ARGUMENT -> 2;
                default -> 1;
              });
        }
        long acquiredAt = epochMicros();
        long token = lease.fencingToken();
        if (!json) {
          System.out.printf(
              "acquired '%s' after %d ms: fencing token %d, session %s%n",
              name, Duration.ofNanos(System.nanoTime() - asked).toMillis(), token, lease.session());
        }
        CountDownLatch lost = new CountDownLatch(1);
        lease.onLost(e -> lost.countDown());
        lease.onJeopardy(
            () ->
                System.err.printf(
                    "'%s' in jeopardy: a shard has not acknowledged session %s within its TTL;"
                        + " do not act on the lock until it is valid again%n",
                    name, lease.session()),
            () -> System.err.printf("'%s' valid again: every shard answered%n", name));
        if (!hold.isZero()) {
          if (!json) {
            System.out.printf("holding for %s ...%n", Durations.format(hold));
            System.out.flush();
          }
          lost.await(hold.toMillis(), TimeUnit.MILLISECONDS);
        }
        Optional<LockException> loss = lease.lostBecause();
        if (loss.isPresent()) {
          throw lostWhileHeld(loss.get());
        }
        try {
          lease.close();
        } catch (LockException e) {
          throw e.code() == LockException.Code.SESSION_EXPIRED
                  || e.code() == LockException.Code.PERMISSION_DENIED
              ? lostWhileHeld(e)
              : new CommandFailedException(
                  "could not release '" + name + "' (token " + token + "): " + e.getMessage());
        }
        long releasedAt = epochMicros();
        if (json) {
          System.out.printf(
              "{\"name\":%s,\"token\":%d,\"acquired_at\":%d,\"released_at\":%d}%n",
              quote(name), token, acquiredAt, releasedAt);
        } else {
          System.out.printf("released '%s'%n", name);
        }
        return 0;
      }
    }

    private CommandFailedException lostWhileHeld(LockException why) {
      return new CommandFailedException(
          "lost '"
              + name
              + "' while holding it (another holder may have had it since): "
              + why.getMessage());
    }
  }

  @Command(
      name = "status",
      mixinStandardHelpOptions = true,
      description = "Show who holds NAME, its fencing token and how many wait (linearizable).")
  static final class Status implements Callable<Integer> {
    @Parameters(paramLabel = "NAME", description = "The lock name.")
    String name = "";

    @Option(
        names = "--json",
        description = "Print one JSON object: name, held, holder, token, waiters.")
    boolean json;

    @picocli.CommandLine.Mixin Target target = new Target();

    @Override
    public Integer call() {
      try (LockClient locks = target.connect()) {
        LockInfo info = locks.holder(name);
        if (json) {
          System.out.printf(
              "{\"name\":%s,\"held\":%b,\"holder\":%s,\"token\":%d,\"waiters\":%d}%n",
              quote(name),
              info.isHeld(),
              info.holder().map(u -> quote(u.toString())).orElse("null"),
              info.fencingToken(),
              info.waiters());
        } else if (info.isHeld()) {
          System.out.printf(
              "'%s' is held by session %s with fencing token %d; %d waiting%n",
              name, info.holder().orElseThrow(), info.fencingToken(), info.waiters());
        } else {
          System.out.printf("'%s' is free; %d waiting%n", name, info.waiters());
        }
        return 0;
      } catch (LockException e) {
        throw new CommandFailedException(
            "could not read '" + name + "': " + e.getMessage(),
            e.code() == LockException.Code.INVALID_ARGUMENT ? 2 : 1);
      }
    }
  }

  private static long epochMicros() {
    java.time.Instant now = java.time.Instant.now();
    return now.getEpochSecond() * 1_000_000 + now.getNano() / 1_000;
  }

  private static String quote(String s) {
    try {
      return new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(s);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
