package io.ringmesh.rpc;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * TLS for an {@link RpcServer} or {@link RpcClient}, from PEM files: a certificate chain and an
 * unencrypted PKCS#8 private key for the side that proves its identity, and trusted CA certificates
 * for the side that checks the other. Mutual TLS is a server that {@linkplain
 * Builder#requireClientAuth() requires} client certificates plus clients that {@linkplain
 * Builder#keyCertChain present} one.
 *
 * <p>Clients check the server's certificate against the endpoint's host name. Immutable and
 * thread-safe.
 */
public final class TlsConfig {
  private final boolean server;
  private final @Nullable Path certChain;
  private final @Nullable Path privateKey;
  private final @Nullable Path trustedCertificates;
  private final boolean requireClientAuth;

  private TlsConfig(Builder b) {
    this.server = b.server;
    this.certChain = b.certChain;
    this.privateKey = b.privateKey;
    this.trustedCertificates = b.trustedCertificates;
    this.requireClientAuth = b.requireClientAuth;
  }

  /** A server configuration presenting {@code certChainPem}, signed with {@code privateKeyPem}. */
  public static Builder forServer(Path certChainPem, Path privateKeyPem) {
    Builder b = new Builder(true);
    return b.keyCertChain(certChainPem, privateKeyPem);
  }

  /** A client configuration; add the CA it trusts, and a key pair for mutual TLS. */
  public static Builder forClient() {
    return new Builder(false);
  }

  /** True for a server configuration. */
  public boolean isServer() {
    return server;
  }

  /** The PEM certificate chain presented to the peer, or null (a client without mutual TLS). */
  public @Nullable Path certChain() {
    return certChain;
  }

  /** The PEM PKCS#8 private key of {@link #certChain()}, or null. */
  public @Nullable Path privateKey() {
    return privateKey;
  }

  /** The PEM CA certificates that peers are checked against, or null for the JDK's defaults. */
  public @Nullable Path trustedCertificates() {
    return trustedCertificates;
  }

  /** For a server: whether a client must present a certificate signed by a trusted CA. */
  public boolean requireClientAuth() {
    return requireClientAuth;
  }

  /** Builds a {@link TlsConfig}; not thread-safe. */
  public static final class Builder {
    private final boolean server;
    private @Nullable Path certChain;
    private @Nullable Path privateKey;
    private @Nullable Path trustedCertificates;
    private boolean requireClientAuth;

    private Builder(boolean server) {
      this.server = server;
    }

    /** The certificate chain and private key (PEM, PKCS#8, unencrypted) to present. */
    public Builder keyCertChain(Path certChainPem, Path privateKeyPem) {
      this.certChain = readable(certChainPem, "certificate chain");
      this.privateKey = readable(privateKeyPem, "private key");
      return this;
    }

    /** The CA certificates (PEM) that the peer's certificate must chain to. */
    public Builder trustedCertificates(Path caCertificatesPem) {
      this.trustedCertificates = readable(caCertificatesPem, "trusted certificates");
      return this;
    }

    /** For a server: refuse clients that do not present a trusted certificate (mutual TLS). */
    public Builder requireClientAuth() {
      if (!server) {
        throw new IllegalStateException(
            "requireClientAuth() is a server setting; a client presents a certificate with"
                + " keyCertChain(...)");
      }
      this.requireClientAuth = true;
      return this;
    }

    /** The configuration. */
    public TlsConfig build() {
      if (requireClientAuth && trustedCertificates == null) {
        throw new IllegalStateException(
            "requireClientAuth() needs trustedCertificates(...): the CA that client"
                + " certificates must chain to");
      }
      return new TlsConfig(this);
    }

    private static Path readable(Path file, String what) {
      Objects.requireNonNull(file, what);
      if (!Files.isReadable(file)) {
        throw new IllegalArgumentException(
            "TLS " + what + " file " + file.toAbsolutePath() + " does not exist or is unreadable");
      }
      return file;
    }
  }
}
