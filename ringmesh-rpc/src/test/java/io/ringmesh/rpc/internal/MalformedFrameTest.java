package io.ringmesh.rpc.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.ringmesh.rpc.CallOptions;
import io.ringmesh.rpc.Endpoint;
import io.ringmesh.rpc.RpcClient;
import io.ringmesh.rpc.RpcException;
import io.ringmesh.rpc.RpcServer;
import io.ringmesh.rpc.Status;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every bad input of the table, fed to one live server; after each, a normal call on a
 * fresh connection must succeed: a bad peer never takes the server down.
 */
class MalformedFrameTest {
  /** A small service for the cases. */
  public interface Svc {
    String hello(String who);

    int depth(Node n);

    String hold(String who);
  }

  /** A recursive record, for nesting. */
  public record Node(List<Node> children) {}

  /** Not served: for NOT_FOUND. */
  public interface Missing {
    String nothing();
  }

  static final CountDownLatch RELEASE = new CountDownLatch(1);
  static final CountDownLatch HOLDING = new CountDownLatch(2);

  static final class SvcImpl implements Svc {
    @Override
    public String hello(String who) {
      return "hello " + who;
    }

    @Override
    public int depth(Node n) {
      return n.children().isEmpty() ? 1 : 1 + depth(n.children().get(0));
    }

    @Override
    public String hold(String who) {
      HOLDING.countDown();
      try {
        RELEASE.await(20, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return "held " + who;
    }
  }

  static RpcServer server;
  static ExecutorService tinyPool;
  static RpcServer tinyServer;
  static int methodId;

  @BeforeAll
  static void start() {
    server =
        RpcServer.builder()
            .service(Svc.class, new SvcImpl())
            .maxFrameBytes(64 * 1024)
            .maxConcurrentCallsPerConnection(2)
            .build()
            .start();
    tinyPool = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(1));
    tinyServer =
        RpcServer.builder().service(Svc.class, new SvcImpl()).executor(tinyPool).build().start();
    methodId = RpcMethod.idOf(Svc.class.getName() + "/hello");
  }

  @AfterAll
  static void stop() {
    RELEASE.countDown();
    server.close();
    tinyServer.close();
    tinyPool.shutdownNow();
  }

  @AfterEach
  void serverStillServesAFreshConnection() {
    try (RpcClient client = RpcClient.builder().build()) {
      Svc svc = client.proxy(Svc.class, Endpoint.of("127.0.0.1", server.port()));
      assertThat(svc.hello("after")).isEqualTo("hello after");
    }
  }

  // ---- raw-socket cases: a protocol error frame, then the connection closes ----

  @Test
  void badMagic() throws IOException {
    Reply r = exchange(bytes(0xCAFEBABE, 0x0101_0000), false);
    r.assertConnectionError(Status.INVALID_ARGUMENT, "bad magic 0xcafebabe");
  }

  @Test
  void unknownVersion() throws IOException {
    Reply r = exchange(bytes(Frames.MAGIC, 0x0709_0000), false);
    r.assertConnectionError(Status.INVALID_ARGUMENT, "unsupported protocol version range [7, 9]");
  }

  @Test
  void unknownFrameType() throws IOException {
    Reply r = exchange(concat(hello(), bytes(6, 0x4200_0000, 0x0100_0000)), false);
    r.assertHandshakeThenConnectionError(Status.INVALID_ARGUMENT, "unknown frame type 0x42");
  }

  @Test
  void negativeLength() throws IOException {
    Reply r = exchange(concat(hello(), bytes(0xFFFF_FFF0, 0x0100_0000, 0x0100_0000)), false);
    r.assertHandshakeThenConnectionError(Status.INVALID_ARGUMENT, "frame length -16 is negative");
  }

  @Test
  void lengthShorterThanTheHeader() throws IOException {
    Reply r = exchange(concat(hello(), bytes(3, 0x0100_0000)), false);
    r.assertHandshakeThenConnectionError(Status.INVALID_ARGUMENT, "shorter than the 6-byte");
  }

  @Test
  void truncatedFrameAtEndOfInput() throws IOException {
    // Declares 100 bytes, sends 16 of them (20 with the length), then ends its output.
    Reply r = exchange(concat(hello(), bytes(100, 0x0100_0000, 0x0001_0000, 0, 0)), true);
    r.assertHandshakeThenConnectionError(
        Status.INVALID_ARGUMENT,
        "truncated frame: the peer's input ended after 20 bytes of a frame declaring 100");
  }

  @Test
  void truncatedRequestBody() throws IOException {
    // A complete frame whose body is too short for the request's fixed fields.
    Reply r = exchange(concat(hello(), bytes(10, 0x0100_0000, 0x0001_0000, 0)), false);
    r.assertHandshakeThenConnectionError(Status.INVALID_ARGUMENT, "truncated REQUEST frame");
  }

  @Test
  void truncatedHandshake() throws IOException {
    Reply r = exchange(bytes(Frames.MAGIC), true);
    r.assertConnectionError(Status.INVALID_ARGUMENT, "truncated handshake");
  }

  @Test
  void oversizedRequestIsRefusedBeforeItsBodyArrives() throws IOException {
    // Declares 1 GiB against a 64 KiB limit and sends only the header: the refusal must come
    // at once, so the server neither waited for nor allocated the declared size.
    try (Socket s = socket()) {
      s.getOutputStream().write(concat(hello(), bytes(1 << 30, 0x0100_0000, 0x0007_0000)));
      DataInputStream in = new DataInputStream(s.getInputStream());
      in.readFully(new byte[Frames.SERVER_HELLO_BYTES]);
      Frame f = Frame.read(in);
      assertThat(f.type).isEqualTo(Frames.ERROR);
      assertThat(f.streamId).isEqualTo(7);
      assertThat(f.status()).isEqualTo(Status.RESOURCE_EXHAUSTED);
      assertThat(f.message())
          .contains("REQUEST frame of 1073741824 bytes exceeds this server's limit of 65536");
      assertThat(f.flags & Frames.FLAG_NOT_EXECUTED).isNotZero();
    }
  }

  @Test
  void oversizedNonRequestFrameClosesTheConnection() throws IOException {
    Reply r = exchange(concat(hello(), bytes(1 << 20, 0x0500_0000, 0)), false);
    r.assertHandshakeThenConnectionError(
        Status.RESOURCE_EXHAUSTED, "PING frame of 1048576 bytes exceeds");
  }

  @Test
  void undecodablePayloadIsInvalidArgumentAndTheConnectionLives() throws IOException {
    try (Socket s = socket()) {
      ByteBuf req = Unpooled.buffer();
      int at = Frames.begin(req, Frames.REQUEST, 0, 1);
      req.writeInt(methodId).writeLong(TimeUnit.SECONDS.toNanos(5));
      req.writeBytes(new byte[] {1 << 3 | 2, 0x7F, 0, 0, 0}); // a String of 2 GiB in 0 bytes
      Frames.end(req, at);
      byte[] frame = new byte[req.readableBytes()];
      req.readBytes(frame);
      req.release();
      s.getOutputStream().write(concat(hello(), frame));
      DataInputStream in = new DataInputStream(s.getInputStream());
      in.readFully(new byte[Frames.SERVER_HELLO_BYTES]);
      Frame f = Frame.read(in);
      assertThat(f.status()).isEqualTo(Status.INVALID_ARGUMENT);
      assertThat(f.message()).contains("arguments of").contains("/hello do not decode");
      // The same connection still serves: a PING is answered.
      s.getOutputStream()
          .write(
              ByteBuffer.allocate(18)
                  .putInt(14)
                  .put((byte) Frames.PING)
                  .put((byte) 0)
                  .putInt(0)
                  .putLong(0x1234_5678_9ABC_DEF0L)
                  .array());
      Frame pong = Frame.read(in);
      assertThat(pong.type).isEqualTo(Frames.PONG);
      assertThat(ByteBuffer.wrap(pong.body).getLong()).isEqualTo(0x1234_5678_9ABC_DEF0L);
    }
  }

  // ---- cases made with a real client ----

  @Test
  void unknownServiceIsNotFound() {
    try (RpcClient client = RpcClient.builder().build()) {
      Missing m = client.proxy(Missing.class, Endpoint.of("127.0.0.1", server.port()));
      assertThatThrownBy(m::nothing)
          .isInstanceOfSatisfying(
              RpcException.class,
              e -> {
                assertThat(e.status()).isEqualTo(Status.NOT_FOUND);
                assertThat(e.notExecuted()).isTrue();
                assertThat(e.getMessage())
                    .contains(Missing.class.getName() + "/nothing")
                    .contains("no method with id")
                    .contains(Svc.class.getName());
              });
    }
  }

  @Test
  void nestingDeeperThan64IsInvalidArgument() {
    Node deep = new Node(List.of());
    for (int i = 0; i < 40; i++) {
      deep = new Node(List.of(deep));
    }
    Node tooDeep = deep;
    try (RpcClient client = RpcClient.builder().build()) {
      Svc svc = client.proxy(Svc.class, Endpoint.of("127.0.0.1", server.port()));
      assertThatThrownBy(() -> svc.depth(tooDeep))
          .isInstanceOfSatisfying(
              RpcException.class,
              e -> {
                assertThat(e.status()).isEqualTo(Status.INVALID_ARGUMENT);
                assertThat(e.getMessage()).contains("nesting deeper than 64");
              });
      assertThat(svc.depth(new Node(List.of(new Node(List.of()))))).isEqualTo(2);
    }
  }

  @Test
  void moreConcurrentCallsThanTheConnectionLimitAreShed() throws Exception {
    try (RpcClient client = RpcClient.builder().build()) {
      Svc svc =
          client.proxy(
              Svc.class,
              Endpoint.of("127.0.0.1", server.port()),
              CallOptions.DEFAULT.withTimeout(Duration.ofSeconds(20)));
      CompletableFuture<String> a = CompletableFuture.supplyAsync(() -> svc.hold("a"));
      CompletableFuture<String> b = CompletableFuture.supplyAsync(() -> svc.hold("b"));
      assertThat(HOLDING.await(10, TimeUnit.SECONDS)).isTrue();
      assertThatThrownBy(() -> svc.hello("third"))
          .isInstanceOfSatisfying(
              RpcException.class,
              e -> {
                assertThat(e.status()).isEqualTo(Status.RESOURCE_EXHAUSTED);
                assertThat(e.notExecuted()).isTrue();
                assertThat(e.getMessage())
                    .contains("more than 2 concurrent calls on one connection");
              });
      RELEASE.countDown();
      assertThat(a.get(10, TimeUnit.SECONDS)).isEqualTo("held a");
      assertThat(b.get(10, TimeUnit.SECONDS)).isEqualTo("held b");
    }
  }

  @Test
  void aFullExecutorQueueSheds() throws Exception {
    CountDownLatch block = new CountDownLatch(1);
    CountDownLatch running = new CountDownLatch(1);
    tinyPool.execute(
        () -> {
          running.countDown();
          try {
            block.await(20, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        });
    try (RpcClient client = RpcClient.builder().build()) {
      assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();
      Svc svc =
          client.proxy(
              Svc.class,
              Endpoint.of("127.0.0.1", tinyServer.port()),
              CallOptions.DEFAULT.withTimeout(Duration.ofSeconds(20)));
      CompletableFuture<String> queued = CompletableFuture.supplyAsync(() -> svc.hello("queued"));
      Poll.untilQueued(tinyPool);
      assertThatThrownBy(() -> svc.hello("shed"))
          .isInstanceOfSatisfying(
              RpcException.class,
              e -> {
                assertThat(e.status()).isEqualTo(Status.RESOURCE_EXHAUSTED);
                assertThat(e.getMessage()).contains("executor refused").contains("queue is full");
              });
      block.countDown();
      assertThat(queued.get(10, TimeUnit.SECONDS)).isEqualTo("hello queued");
    } finally {
      block.countDown();
    }
  }

  /** Waits until a task sits in the pool's queue. */
  private static final class Poll {
    static void untilQueued(ExecutorService pool) throws InterruptedException {
      io.ringmesh.rpc.testing.Poll.until(
          "a call is queued in the executor",
          Duration.ofSeconds(10),
          () -> ((ThreadPoolExecutor) pool).getQueue().size() == 1);
    }
  }

  // ---- raw socket plumbing ----

  private static Socket socket() throws IOException {
    Socket s = new Socket("127.0.0.1", server.port());
    s.setSoTimeout(10_000);
    return s;
  }

  private static byte[] hello() {
    return bytes(Frames.MAGIC, 0x0101_0000);
  }

  private static byte[] bytes(int... words) {
    ByteBuffer b = ByteBuffer.allocate(words.length * 4);
    for (int w : words) {
      b.putInt(w);
    }
    return b.array();
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = new byte[a.length + b.length];
    System.arraycopy(a, 0, out, 0, a.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  /**
   * Sends {@code data} (then ends output if asked) and reads everything until the server closes.
   */
  private static Reply exchange(byte[] data, boolean shutdownOutput) throws IOException {
    try (Socket s = socket()) {
      s.getOutputStream().write(data);
      s.getOutputStream().flush();
      if (shutdownOutput) {
        s.shutdownOutput();
      }
      InputStream in = s.getInputStream();
      ByteArrayOutputStream all = new ByteArrayOutputStream();
      in.transferTo(all); // returns at end of stream: the server closed the connection
      return new Reply(all.toByteArray());
    }
  }

  private record Reply(byte[] bytes) {
    void assertConnectionError(Status status, String message) throws IOException {
      Frame f = Frame.read(new DataInputStream(new java.io.ByteArrayInputStream(bytes)));
      f.assertError(status, message);
    }

    void assertHandshakeThenConnectionError(Status status, String message) throws IOException {
      DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(bytes));
      assertThat(in.readInt()).isEqualTo(Frames.MAGIC);
      in.readFully(new byte[Frames.SERVER_HELLO_BYTES - 4]);
      Frame.read(in).assertError(status, message);
      assertThat(in.available()).as("bytes after the error frame").isZero();
    }
  }

  private record Frame(int type, int flags, int streamId, byte[] body) {
    static Frame read(DataInputStream in) throws IOException {
      int length = in.readInt();
      int type = in.readUnsignedByte();
      int flags = in.readUnsignedByte();
      int stream = in.readInt();
      byte[] body = new byte[length - 6];
      in.readFully(body);
      return new Frame(type, flags, stream, body);
    }

    Status status() {
      return Status.fromWireValue(body[0]);
    }

    String message() {
      int n = ((body[1] & 0xFF) << 8) | (body[2] & 0xFF);
      return new String(body, 3, n, StandardCharsets.UTF_8);
    }

    void assertError(Status status, String message) {
      assertThat(type).as("frame type").isEqualTo(Frames.ERROR);
      assertThat(streamId).as("stream of a connection error").isZero();
      assertThat(status()).isEqualTo(status);
      assertThat(message()).contains(message);
    }
  }
}
