package io.ringmesh.rpc.internal;

import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.ringmesh.rpc.TlsConfig;
import java.nio.file.Path;
import javax.net.ssl.SSLException;

/** Builds Netty {@link SslContext}s from a {@link TlsConfig}, with the JDK's TLS. Stateless. */
final class TlsContexts {
  private TlsContexts() {}

  static SslContext server(TlsConfig config) {
    if (!config.isServer()) {
      throw new IllegalArgumentException(
          "the server was given a client TLS configuration; use TlsConfig.forServer(...)");
    }
    try {
      SslContextBuilder b =
          SslContextBuilder.forServer(
                  path(config.certChain()).toFile(), path(config.privateKey()).toFile())
              .sslProvider(SslProvider.JDK)
              .protocols("TLSv1.3", "TLSv1.2");
      if (config.trustedCertificates() != null) {
        b.trustManager(config.trustedCertificates().toFile());
      }
      b.clientAuth(config.requireClientAuth() ? ClientAuth.REQUIRE : ClientAuth.NONE);
      return b.build();
    } catch (SSLException | IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "server TLS configuration is invalid (certificate "
              + config.certChain()
              + ", key "
              + config.privateKey()
              + "; the key must be unencrypted PKCS#8 PEM): "
              + e.getMessage(),
          e);
    }
  }

  static SslContext client(TlsConfig config) {
    if (config.isServer()) {
      throw new IllegalArgumentException(
          "the client was given a server TLS configuration; use TlsConfig.forClient()");
    }
    try {
      SslContextBuilder b =
          SslContextBuilder.forClient()
              .sslProvider(SslProvider.JDK)
              .protocols("TLSv1.3", "TLSv1.2")
              .endpointIdentificationAlgorithm("HTTPS");
      if (config.trustedCertificates() != null) {
        b.trustManager(config.trustedCertificates().toFile());
      }
      if (config.certChain() != null) {
        b.keyManager(path(config.certChain()).toFile(), path(config.privateKey()).toFile());
      }
      return b.build();
    } catch (SSLException | IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "client TLS configuration is invalid: " + e.getMessage(), e);
    }
  }

  private static Path path(@org.jspecify.annotations.Nullable Path p) {
    return java.util.Objects.requireNonNull(p);
  }
}
