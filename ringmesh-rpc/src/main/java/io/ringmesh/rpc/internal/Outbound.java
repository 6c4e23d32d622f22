package io.ringmesh.rpc.internal;

import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * The write side of one connection: messages from any thread are written on the event loop and
 * flushed together, never one flush per message.
 *
 * <p>Thread-safe: {@link #send} may be called from any thread; everything else runs on the event
 * loop.
 */
final class Outbound implements Runnable {
  /*
   * Write coalescing. A flush is a system call (writev); flushing after each message costs more than
   * the message (Armeria lost 25-50% of its gRPC throughput to it, line/armeria#799). Two paths:
   *
   * - On the event loop while a read is being processed (a response to a request handled in
   *   direct mode, or a client's next call issued from a completion callback), the message is
   *   written at once and the flush waits for channelReadComplete, so everything produced by one
   *   read batch leaves in one writev.
   * - From other threads (virtual-thread handlers, application callers), messages go into a
   *   lock-free queue, and the first message into an empty queue schedules one drain task on the
   *   event loop. The drain writes everything queued, then flushes once. Under load many messages
   *   share a drain; at low load a message waits only for the task hand-off. This is the shape of
   *   gRPC-java's WriteQueue.
   */
  private final Channel channel;
  private final EventLoop loop;
  private final Consumer<Object> writer;
  private final Queue<Object> queue = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean scheduled = new AtomicBoolean();

  // Event loop only.
  private boolean inRead;
  private boolean flushPending;

  /**
   * @param writer writes one message on the event loop (without flushing)
   */
  Outbound(Channel channel, Consumer<Object> writer) {
    this.channel = channel;
    this.loop = channel.eventLoop();
    this.writer = writer;
  }

  /** Writes {@code msg} soon, flushing with whatever else is being written. */
  void send(Object msg) {
    if (inRead && loop.inEventLoop()) {
      writer.accept(msg);
      flushPending = true;
      return;
    }
    queue.add(msg);
    if (scheduled.compareAndSet(false, true)) {
      loop.execute(this);
    }
  }

  /** Marks that a read batch is being processed; writes wait for {@link #readComplete}. */
  void readStarted() {
    inRead = true;
  }

  /** Ends a read batch: flushes what it wrote. */
  void readComplete() {
    inRead = false;
    if (drainQueued() | flushPending) {
      flushPending = false;
      flush();
    }
  }

  /*
   * Never flush a channel that is not yet connected: a TLS handler would start its handshake on
   * that flush and write the ClientHello into a socket that cannot carry it (it is lost, and the
   * handshake times out). Calls made while connecting are held by the connection until its own
   * handshake completes, which flushes them.
   */
  private void flush() {
    if (channel.isActive()) {
      channel.flush();
    }
  }

  /** Flushes a write made on the event loop outside a read batch. */
  void flushSoon() {
    if (inRead) {
      flushPending = true;
    } else {
      flush();
    }
  }

  @Override
  public void run() {
    scheduled.set(false);
    if (drainQueued()) {
      if (inRead) {
        flushPending = true;
      } else {
        flush();
      }
    }
  }

  private boolean drainQueued() {
    boolean wrote = false;
    for (Object msg = queue.poll(); msg != null; msg = queue.poll()) {
      writer.accept(msg);
      wrote = true;
    }
    return wrote;
  }

  /** Writes every queued message now, without flushing; on the event loop, before a close. */
  void writeQueued() {
    drainQueued();
  }

  /** Hands every queued message to {@code sink} (on close), instead of writing it. */
  void drainTo(Consumer<Object> sink) {
    for (Object msg = queue.poll(); msg != null; msg = queue.poll()) {
      sink.accept(msg);
    }
  }
}
