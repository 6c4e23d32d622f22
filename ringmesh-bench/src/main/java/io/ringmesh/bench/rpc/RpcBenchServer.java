package io.ringmesh.bench.rpc;

import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCalls;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.ringmesh.rpc.RpcServer;
import io.ringmesh.rpc.internal.Transports;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * Starts one stack's echo server on a free loopback port, prints {@code PORT <n>}, and serves until
 * its standard input closes. Usage: {@code RpcBenchServer <stack>}.
 */
public final class RpcBenchServer {
  private RpcBenchServer() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 1) {
      System.err.println("usage: RpcBenchServer ringmesh|ringmesh-direct|grpc|grpc-direct|netty");
      System.exit(2);
    }
    Stack stack = Stack.parse(args[0]);
    AutoCloseable server =
        switch (stack) {
          case RINGMESH, RINGMESH_DIRECT -> ringmesh(stack == Stack.RINGMESH_DIRECT);
          case GRPC, GRPC_DIRECT -> grpc(stack == Stack.GRPC_DIRECT);
          case NETTY -> netty();
        };
    System.out.flush();
    try {
      while (System.in.read() >= 0) {
        // serve until the parent closes our stdin (or dies)
      }
    } catch (IOException e) {
      // parent gone
    }
    server.close();
  }

  private static AutoCloseable ringmesh(boolean direct) {
    RpcServer.Builder b =
        RpcServer.builder()
            .service(Echo.Service.class, payload -> payload)
            .shutdownGracePeriod(java.time.Duration.ofSeconds(1));
    if (direct) {
      b.directExecution();
    }
    RpcServer server = b.build().start();
    System.out.println("PORT " + server.port());
    return server;
  }

  private static AutoCloseable grpc(boolean direct) throws IOException {
    ServerServiceDefinition service =
        ServerServiceDefinition.builder("bench.Echo")
            .addMethod(
                Echo.GRPC_METHOD,
                ServerCalls.asyncUnaryCall(
                    (byte[] request, io.grpc.stub.StreamObserver<byte[]> response) -> {
                      response.onNext(request);
                      response.onCompleted();
                    }))
            .build();
    NettyServerBuilder b =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(service);
    if (direct) {
      b.directExecutor();
    }
    Server server = b.build().start();
    System.out.println("PORT " + server.getPort());
    return () -> server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  /** Length-prefixed frames echoed as they are, flushed once per read batch. */
  private static AutoCloseable netty() {
    EventLoopGroup boss = Transports.newGroup(1, "netty-echo-accept");
    EventLoopGroup workers =
        Transports.newGroup(Runtime.getRuntime().availableProcessors(), "netty-echo");
    Channel ch =
        new ServerBootstrap()
            .group(boss, workers)
            .channel(
                Epoll.isAvailable() ? EpollServerSocketChannel.class : NioServerSocketChannel.class)
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childHandler(
                new ChannelInitializer<>() {
                  @Override
                  protected void initChannel(Channel c) {
                    c.pipeline()
                        .addLast(new LengthFieldBasedFrameDecoder(4 * 1024 * 1024, 0, 4, 0, 0))
                        .addLast(new EchoHandler());
                  }
                })
            .bind("127.0.0.1", 0)
            .syncUninterruptibly()
            .channel();
    System.out.println("PORT " + ((InetSocketAddress) ch.localAddress()).getPort());
    return () -> {
      ch.close().syncUninterruptibly();
      boss.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
      workers.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS).syncUninterruptibly();
    };
  }

  private static final class EchoHandler extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ctx.write((ByteBuf) msg, ctx.voidPromise());
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
      ctx.flush();
    }
  }
}
