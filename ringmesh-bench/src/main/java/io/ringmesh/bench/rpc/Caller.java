package io.ringmesh.bench.rpc;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.ringmesh.rpc.Endpoint;
import io.ringmesh.rpc.RpcClient;
import io.ringmesh.rpc.internal.Transports;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * One stack's client: issues an echo call and reports its completion. Completions may run on an I/O
 * thread, and the closed loop issues the next call from there, as gRPC's AsyncClient does.
 */
interface Caller extends AutoCloseable {
  /** Sends {@code payload}; calls {@code done} with null on success or the failure. */
  void call(byte[] payload, Consumer<@Nullable Throwable> done);

  @Override
  void close();

  static Caller connect(Stack stack, int port) {
    return switch (stack) {
      case RINGMESH, RINGMESH_DIRECT -> new Ringmesh(port);
      case GRPC, GRPC_DIRECT -> new Grpc(port);
      case NETTY -> new RawNetty(port);
    };
  }

  /** Ringmesh: an async proxy over one connection; futures complete on the event loop. */
  final class Ringmesh implements Caller {
    private final RpcClient client;
    private final Echo.AsyncService echo;

    Ringmesh(int port) {
      client = RpcClient.builder().defaultDeadline(Duration.ofSeconds(10)).build();
      echo = client.proxy(Echo.AsyncService.class, Endpoint.of("127.0.0.1", port));
    }

    @Override
    public void call(byte[] payload, Consumer<@Nullable Throwable> done) {
      echo.echo(payload).whenComplete((r, t) -> done.accept(t));
    }

    @Override
    public void close() {
      client.close();
    }
  }

  /** gRPC-java: one channel with a direct executor, so callbacks run on its event loop. */
  final class Grpc implements Caller {
    private final ManagedChannel channel;

    Grpc(int port) {
      channel =
          NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().directExecutor().build();
    }

    @Override
    public void call(byte[] payload, Consumer<@Nullable Throwable> done) {
      ClientCalls.asyncUnaryCall(
          channel.newCall(
              Echo.GRPC_METHOD, CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS)),
          payload,
          new StreamObserver<byte[]>() {
            @Override
            public void onNext(byte[] value) {}

            @Override
            public void onError(Throwable t) {
              done.accept(t);
            }

            @Override
            public void onCompleted() {
              done.accept(null);
            }
          });
    }

    @Override
    public void close() {
      channel.shutdownNow();
      try {
        channel.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /**
   * Raw Netty: length-prefixed frames on one connection, answered in order, so completions are
   * matched first-in first-out; writes made while reading are flushed once per read batch.
   */
  final class RawNetty implements Caller {
    private final EventLoopGroup group = Transports.newGroup(1, "netty-echo-client");
    private final Channel channel;
    private final ArrayDeque<Consumer<@Nullable Throwable>> waiting = new ArrayDeque<>();
    private boolean inRead;

    RawNetty(int port) {
      channel =
          new Bootstrap()
              .group(group)
              .channel(Epoll.isAvailable() ? EpollSocketChannel.class : NioSocketChannel.class)
              .option(ChannelOption.TCP_NODELAY, true)
              .handler(
                  new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel c) {
                      c.pipeline()
                          .addLast(new LengthFieldBasedFrameDecoder(4 * 1024 * 1024, 0, 4, 0, 4))
                          .addLast(new Reader());
                    }
                  })
              .connect("127.0.0.1", port)
              .syncUninterruptibly()
              .channel();
    }

    @Override
    public void call(byte[] payload, Consumer<@Nullable Throwable> done) {
      if (channel.eventLoop().inEventLoop()) {
        send(payload, done);
      } else {
        channel.eventLoop().execute(() -> send(payload, done));
      }
    }

    private void send(byte[] payload, Consumer<@Nullable Throwable> done) {
      waiting.add(done);
      ByteBuf b = channel.alloc().buffer(4 + payload.length);
      b.writeInt(payload.length);
      b.writeBytes(payload);
      channel.write(b, channel.voidPromise());
      if (!inRead) {
        channel.flush();
      }
    }

    private final class Reader extends ChannelInboundHandlerAdapter {
      @Override
      public void channelRead(ChannelHandlerContext ctx, Object msg) {
        inRead = true;
        ByteBuf frame = (ByteBuf) msg;
        byte[] copy = new byte[frame.readableBytes()];
        frame.readBytes(copy); // decode, as the RPC stacks do
        frame.release();
        Consumer<@Nullable Throwable> done = waiting.poll();
        if (done != null) {
          done.accept(null);
        }
      }

      @Override
      public void channelReadComplete(ChannelHandlerContext ctx) {
        inRead = false;
        ctx.flush();
      }
    }

    @Override
    public void close() {
      channel.close().syncUninterruptibly();
      group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS).syncUninterruptibly();
    }
  }
}
