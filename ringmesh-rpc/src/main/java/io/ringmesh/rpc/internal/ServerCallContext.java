package io.ringmesh.rpc.internal;

import io.netty.buffer.ByteBuf;
import io.ringmesh.rpc.RpcException;
import io.ringmesh.rpc.ServerCall;
import io.ringmesh.rpc.ServerInterceptor;
import io.ringmesh.rpc.Status;
import java.lang.invoke.MethodHandle;
import java.lang.reflect.InvocationTargetException;
import java.net.SocketAddress;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * One call on the server: the {@link ServerCall} seen by interceptors and handlers, and the task
 * that runs the handler and produces the response frame.
 *
 * <p>Thread-safe. Created and cancelled on the event loop; run on the handler's thread; completed
 * on whichever thread finishes the handler or its future.
 */
public final class ServerCallContext implements ServerCall, Runnable {
  private static final ThreadLocal<ServerCallContext> CURRENT = new ThreadLocal<>();

  /** The call the current thread is serving, or null. */
  public static @Nullable ServerCallContext currentOrNull() {
    return CURRENT.get();
  }

  private final ServerConnection connection;
  final int streamId;
  final RpcMethod method;
  final ServerMethod handler;
  private final @Nullable Object[] args;
  private final Map<String, String> metadata;
  private final long deadlineNanos;
  private final Ticker ticker;
  private final boolean direct;

  private volatile boolean cancelled;
  private volatile boolean connectionLost;
  private boolean completed; // guarded by this
  private @Nullable Thread runner; // guarded by this
  private @Nullable Future<?> future; // guarded by this
  private @Nullable List<Runnable> cancelListeners; // guarded by this
  private @Nullable List<Consumer<Status>> completeListeners; // guarded by this

  /** The encoded response frame, handed to the connection's writer. */
  @Nullable ByteBuf response;

  /** The status sent, for completion listeners. */
  Status status = Status.OK;

  ServerCallContext(
      ServerConnection connection,
      int streamId,
      ServerMethod handler,
      @Nullable Object[] args,
      Map<String, String> metadata,
      long deadlineNanos,
      Ticker ticker,
      boolean direct) {
    this.connection = connection;
    this.streamId = streamId;
    this.handler = handler;
    this.method = handler.method();
    this.args = args;
    this.metadata = metadata;
    this.deadlineNanos = deadlineNanos;
    this.ticker = ticker;
    this.direct = direct;
  }

  @Override
  public void run() {
    synchronized (this) {
      if (cancelled) {
        return; // cancelled while queued for a thread: nothing runs, nothing is sent
      }
      if (!direct) {
        runner = Thread.currentThread();
      }
    }
    ServerCallContext previous = CURRENT.get();
    CURRENT.set(this);
    Object result = null;
    Throwable failure = null;
    try {
      for (ServerInterceptor i : connection.server().interceptors()) {
        i.interceptCall(this);
      }
      result = invoke(handler.invoker(), args);
    } catch (Throwable t) {
      failure = t;
    } finally {
      CURRENT.set(previous);
      synchronized (this) {
        runner = null;
      }
      if (!direct && cancelled) {
        Thread.interrupted(); // our cancel's interrupt must not leak to the thread's next task
      }
    }
    if (failure != null) {
      complete(null, failure);
    } else if (method.kind() == RpcMethod.Kind.ASYNC) {
      if (result == null) {
        complete(
            null,
            new RpcException(
                Status.INTERNAL, "handler of " + method.fullName() + " returned a null future"));
        return;
      }
      CompletionStage<?> stage = (CompletionStage<?>) result;
      if (stage instanceof Future<?> f) {
        boolean cancelNow;
        synchronized (this) {
          future = f;
          cancelNow = cancelled;
        }
        if (cancelNow) {
          f.cancel(true);
        }
      }
      stage.whenComplete(this::complete);
    } else {
      complete(result, null);
    }
  }

  private static @Nullable Object invoke(MethodHandle invoker, @Nullable Object[] args)
      throws Throwable {
    return (Object) invoker.invokeExact(args);
  }

  /** Encodes the outcome and hands it to the connection; runs once. */
  private void complete(@Nullable Object value, @Nullable Throwable failure) {
    synchronized (this) {
      if (completed) {
        return;
      }
      completed = true;
    }
    if (cancelled) {
      finishListeners(Status.CANCELLED);
      return;
    }
    connection.respond(this, value, failure == null ? null : unwrap(failure));
  }

  private static Throwable unwrap(Throwable t) {
    while ((t instanceof CompletionException
            || t instanceof ExecutionException
            || t instanceof InvocationTargetException)
        && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  /** Cancels the handler because its connection closed; see {@link #isConnectionLost()}. */
  void cancelOnConnectionLoss() {
    connectionLost = true;
    cancel();
  }

  /** Cancels the handler: interrupts its thread, or cancels its future. Idempotent. */
  void cancel() {
    Future<?> f;
    List<Runnable> listeners;
    synchronized (this) {
      if (cancelled) {
        return;
      }
      cancelled = true;
      if (runner != null) {
        runner.interrupt();
      }
      f = future;
      listeners = cancelListeners;
      cancelListeners = null;
    }
    if (f != null) {
      f.cancel(true);
    }
    if (listeners != null) {
      for (Runnable r : listeners) {
        runQuietly(r);
      }
    }
    boolean alreadyCompleted;
    synchronized (this) {
      alreadyCompleted = completed;
      completed = true;
    }
    if (!alreadyCompleted) {
      finishListeners(Status.CANCELLED);
    }
  }

  /** Runs completion listeners with the final status. */
  void finishListeners(Status finalStatus) {
    List<Consumer<Status>> listeners;
    synchronized (this) {
      listeners = completeListeners;
      completeListeners = null;
    }
    if (listeners != null) {
      for (Consumer<Status> l : listeners) {
        try {
          l.accept(finalStatus);
        } catch (RuntimeException e) {
          ServerConnection.LOG.log(
              System.Logger.Level.WARNING, "a completion listener of " + method + " failed", e);
        }
      }
    }
  }

  private void runQuietly(Runnable r) {
    try {
      r.run();
    } catch (RuntimeException e) {
      ServerConnection.LOG.log(
          System.Logger.Level.WARNING, "a cancel listener of " + method + " failed", e);
    }
  }

  /** Whether a cancellation came from an exception caused by it (interrupt, cancelled future). */
  static boolean isCancellation(Throwable t) {
    return t instanceof InterruptedException || t instanceof CancellationException;
  }

  @Override
  public String method() {
    return method.fullName();
  }

  @Override
  public Map<String, String> metadata() {
    return metadata;
  }

  @Override
  public Duration timeRemaining() {
    return Duration.ofNanos(remainingNanos());
  }

  /** Nanoseconds left before the deadline; zero or negative once passed. */
  public long remainingNanos() {
    return deadlineNanos - ticker.nanoTime();
  }

  @Override
  public boolean isDeadlineExpired() {
    return remainingNanos() <= 0;
  }

  @Override
  public boolean isCancelled() {
    return cancelled;
  }

  @Override
  public boolean isConnectionLost() {
    return cancelled && connectionLost;
  }

  @Override
  public void onCancel(Runnable listener) {
    synchronized (this) {
      if (!cancelled) {
        if (cancelListeners == null) {
          cancelListeners = new ArrayList<>(2);
        }
        cancelListeners.add(listener);
        return;
      }
    }
    runQuietly(listener);
  }

  @Override
  public SocketAddress remoteAddress() {
    return connection.remoteAddress();
  }

  @Override
  public List<X509Certificate> peerCertificates() {
    return connection.peerCertificates();
  }

  @Override
  public void onComplete(Consumer<Status> listener) {
    synchronized (this) {
      if (completeListeners == null) {
        completeListeners = new ArrayList<>(2);
      }
      completeListeners.add(listener);
    }
  }

  @Override
  public String toString() {
    return method.fullName() + "#" + streamId;
  }
}
