package io.ringmesh.rpc;

import java.security.cert.X509Certificate;
import java.util.List;
import java.util.function.Consumer;

/**
 * What a {@link ServerInterceptor} sees of a call before its handler runs: the {@link RpcContext},
 * plus the peer's TLS identity and a hook for the outcome.
 *
 * <p>Implemented by the RPC layer only. Thread-safe.
 */
public interface ServerCall extends RpcContext {

  /**
   * The certificate chain the client presented under mutual TLS, leaf first; empty without TLS or
   * when the client presented none.
   */
  List<X509Certificate> peerCertificates();

  /**
   * Runs {@code listener} once with the call's final status (OK, or the status sent to the caller),
   * on a transport thread: it must not block.
   */
  void onComplete(Consumer<Status> listener);
}
