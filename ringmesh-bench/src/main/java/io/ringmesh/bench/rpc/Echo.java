package io.ringmesh.bench.rpc;

import io.grpc.KnownLength;
import io.grpc.MethodDescriptor;
import io.ringmesh.cluster.RouteKey;
import io.ringmesh.rpc.RpcService;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.concurrent.CompletableFuture;

/** The echo service of every stack: the same bytes in and out. */
final class Echo {
  private Echo() {}

  /** The server's view: a plain blocking method. */
  @RpcService("bench.Echo")
  public interface Service {
    byte[] echo(byte[] payload);
  }

  /** The client's view of the same service: asynchronous, for a closed loop. */
  @RpcService("bench.Echo")
  public interface AsyncService {
    CompletableFuture<byte[]> echo(byte[] payload);
  }

  /**
   * The same service as a routed client sees it: the payload is also the {@link RouteKey}, so that
   * the wire call is the one {@link AsyncService} makes (16 B, like a UUID key).
   */
  @RpcService("bench.Echo")
  public interface RoutedService {
    CompletableFuture<byte[]> echo(@RouteKey byte[] payload);
  }

  /** gRPC's method, hand-written: no protoc, bytes marshalled as they are. */
  static final MethodDescriptor<byte[], byte[]> GRPC_METHOD =
      MethodDescriptor.<byte[], byte[]>newBuilder()
          .setType(MethodDescriptor.MethodType.UNARY)
          .setFullMethodName("bench.Echo/echo")
          .setRequestMarshaller(BytesMarshaller.INSTANCE)
          .setResponseMarshaller(BytesMarshaller.INSTANCE)
          .build();

  private enum BytesMarshaller implements MethodDescriptor.Marshaller<byte[]> {
    INSTANCE;

    @Override
    public InputStream stream(byte[] value) {
      return new KnownLengthStream(value);
    }

    @Override
    public byte[] parse(InputStream stream) {
      try {
        return stream.readAllBytes();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  /** Tells gRPC the length up front, so that it frames without buffering a copy. */
  private static final class KnownLengthStream extends ByteArrayInputStream implements KnownLength {
    KnownLengthStream(byte[] buf) {
      super(buf);
    }
  }
}
