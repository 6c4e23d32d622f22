package io.ringmesh.node.internal.admin;

import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.timeout.IdleStateEvent;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands each aggregated HTTP request to {@link AdminRoutes} and writes the responses back in
 * request order (HTTP/1.1 pipelining), closing the connection after a response when the request
 * asked for it. One instance per channel.
 */
final class AdminHttpHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
  private static final Logger log = LoggerFactory.getLogger(AdminHttpHandler.class);

  private final AdminRoutes routes;

  /** The last response of this connection, written or not; accessed only from the event loop. */
  private CompletableFuture<?> tail = CompletableFuture.completedFuture(null);

  AdminHttpHandler(AdminRoutes routes) {
    this.routes = routes;
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
    if (request.decoderResult().isFailure()) {
      AdminResponse bad = AdminResponse.text(400, "malformed HTTP request\n");
      tail = tail.thenRun(() -> write(ctx, bad, false, false));
      return;
    }
    boolean keepAlive = HttpUtil.isKeepAlive(request);
    boolean head = request.method().equals(HttpMethod.HEAD);
    AdminRoutes.Request copy =
        new AdminRoutes.Request(
            request.method(),
            request.uri(),
            request.headers().get(HttpHeaderNames.CONTENT_TYPE),
            ByteBufUtil.getBytes(request.content()));
    CompletableFuture<AdminResponse> response = routes.handle(copy);
    tail = tail.thenCompose(ignored -> response).thenAccept(r -> write(ctx, r, keepAlive, head));
  }

  private static void write(
      ChannelHandlerContext ctx, AdminResponse r, boolean keepAlive, boolean head) {
    FullHttpResponse response =
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1,
            HttpResponseStatus.valueOf(r.status()),
            head ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(r.body()));
    response.headers().set(HttpHeaderNames.CONTENT_TYPE, r.contentType());
    response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, r.body().length);
    for (Map.Entry<String, String> h : r.headers().entrySet()) {
      response.headers().set(h.getKey(), h.getValue());
    }
    if (keepAlive) {
      response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
      ctx.writeAndFlush(response);
    } else {
      response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
      ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    }
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
    if (event instanceof IdleStateEvent) {
      ctx.close(); // an idle keep-alive connection, or a client that stopped mid-request
    } else {
      super.userEventTriggered(ctx, event);
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    log.debug("admin connection {} failed", ctx.channel().remoteAddress(), cause);
    ctx.close();
  }
}
