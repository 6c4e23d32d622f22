package io.ringmesh.rpc;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/** Services and records shared by the tests. */
public final class TestServices {
  private TestServices() {}

  public enum Color {
    RED,
    GREEN
  }

  public record Point(int x, int y) {}

  public record Shape(
      String name, List<Point> points, Map<String, Color> colors, Optional<Instant> at) {}

  public interface Calculator {
    int add(int a, int b);

    CompletableFuture<Integer> addAsync(int a, int b);

    void record(String note);

    Shape echoShape(Shape shape);

    @Nullable String maybe(@Nullable String s);

    byte[] echoBytes(byte[] payload);

    String fail(String kind);

    String metadata(String key);

    long remainingMillis();

    default String twice(int a) {
      return "local:" + add(a, a);
    }
  }

  static final class CalculatorImpl implements Calculator {
    final List<String> notes = new java.util.concurrent.CopyOnWriteArrayList<>();

    @Override
    public int add(int a, int b) {
      return a + b;
    }

    @Override
    public CompletableFuture<Integer> addAsync(int a, int b) {
      return CompletableFuture.supplyAsync(() -> a + b);
    }

    @Override
    public void record(String note) {
      notes.add(note);
    }

    @Override
    public Shape echoShape(Shape shape) {
      return shape;
    }

    @Override
    public @Nullable String maybe(@Nullable String s) {
      return s;
    }

    @Override
    public byte[] echoBytes(byte[] payload) {
      return payload;
    }

    @Override
    public String fail(String kind) {
      switch (kind) {
        case "state" -> throw new IllegalStateException("the calculator is out of paper");
        case "typed" -> throw RpcException.application("SESSION_EXPIRED", "session 42 expired");
        case "denied" -> throw new RpcException(Status.PERMISSION_DENIED, "no sums for you");
        default -> throw new IllegalArgumentException("unknown kind " + kind);
      }
    }

    @Override
    public String metadata(String key) {
      return RpcContext.current().metadata().getOrDefault(key, "<absent>");
    }

    @Override
    public long remainingMillis() {
      return RpcContext.current().timeRemaining().toMillis();
    }
  }

  /** A service whose methods wait for a latch, to hold calls in flight. */
  interface Gate {
    String pass(String who);

    CompletableFuture<String> passAsync(String who);
  }

  static final class GateImpl implements Gate {
    GateImpl() {
      this(1);
    }

    /** A gate that counts {@code calls} entries before {@link #entered} opens. */
    GateImpl(int calls) {
      entered = new CountDownLatch(calls);
    }

    final CountDownLatch open = new CountDownLatch(1);
    final CountDownLatch entered;
    final java.util.concurrent.atomic.AtomicInteger interrupted =
        new java.util.concurrent.atomic.AtomicInteger();
    final java.util.concurrent.atomic.AtomicInteger futuresCancelled =
        new java.util.concurrent.atomic.AtomicInteger();
    final java.util.concurrent.atomic.AtomicInteger contextCancelled =
        new java.util.concurrent.atomic.AtomicInteger();
    final java.util.concurrent.atomic.AtomicInteger cancelledOnConnectionLoss =
        new java.util.concurrent.atomic.AtomicInteger();

    @Override
    public String pass(String who) {
      RpcContext.current().onCancel(contextCancelled::incrementAndGet);
      entered.countDown();
      try {
        if (!open.await(30, TimeUnit.SECONDS)) {
          return "gate never opened";
        }
        return "passed " + who;
      } catch (InterruptedException e) {
        interrupted.incrementAndGet();
        Thread.currentThread().interrupt();
        return "interrupted";
      }
    }

    @Override
    public CompletableFuture<String> passAsync(String who) {
      CompletableFuture<String> f = new CompletableFuture<>();
      RpcContext call = RpcContext.current();
      f.whenComplete(
          (v, t) -> {
            if (f.isCancelled()) {
              if (call.isConnectionLost()) {
                cancelledOnConnectionLoss.incrementAndGet();
              }
              futuresCancelled.incrementAndGet();
            }
          });
      entered.countDown();
      return f;
    }
  }
}
