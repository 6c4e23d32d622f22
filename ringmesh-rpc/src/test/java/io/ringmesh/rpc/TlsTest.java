package io.ringmesh.rpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ringmesh.rpc.TestServices.Calculator;
import io.ringmesh.rpc.TestServices.CalculatorImpl;
import io.ringmesh.rpc.testing.Resources;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** TLS and mutual TLS with the committed test certificates (src/test/resources/tls). */
class TlsTest {
  private final Resources resources = new Resources();

  @AfterEach
  void close() {
    resources.close();
  }

  private static Path pem(String name) {
    try {
      return Path.of(TlsTest.class.getResource("/tls/" + name).toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  private RpcServer server(TlsConfig tls, AtomicReference<String> peer) {
    return resources.add(
        RpcServer.builder()
            .service(Calculator.class, new CalculatorImpl())
            .tls(tls)
            .interceptor(
                call ->
                    peer.set(
                        call.peerCertificates().isEmpty()
                            ? "anonymous"
                            : call.peerCertificates().get(0).getSubjectX500Principal().getName()))
            .build()
            .start());
  }

  private Calculator client(TlsConfig tls, String host, RpcServer server) {
    RpcClient client = resources.add(RpcClient.builder().tls(tls).build());
    return client.proxy(Calculator.class, Endpoint.of(host, server.port()));
  }

  @Test
  void tlsCallsSucceedWhenTheClientTrustsTheServer() {
    AtomicReference<String> peer = new AtomicReference<>();
    RpcServer server =
        server(TlsConfig.forServer(pem("server.pem"), pem("server.key")).build(), peer);

    Calculator calc =
        client(
            TlsConfig.forClient().trustedCertificates(pem("ca.pem")).build(), "localhost", server);

    assertThat(calc.add(20, 22)).isEqualTo(42);
    assertThat(peer.get()).isEqualTo("anonymous");
  }

  /**
   * Regression: a call queued while connecting made the write queue flush the not-yet-connected
   * channel, which started the TLS handshake early and lost the ClientHello; every client but the
   * first timed out.
   */
  @Test
  void callsQueuedWhileConnectingDoNotLoseTheTlsHello() {
    RpcServer server =
        server(
            TlsConfig.forServer(pem("server.pem"), pem("server.key")).build(),
            new AtomicReference<>());
    for (int i = 0; i < 5; i++) {
      try (RpcClient client =
          RpcClient.builder()
              .tls(TlsConfig.forClient().trustedCertificates(pem("ca.pem")).build())
              .build()) {
        Calculator calc = client.proxy(Calculator.class, Endpoint.of("localhost", server.port()));
        assertThat(calc.add(i, i)).isEqualTo(2 * i);
      }
    }
  }

  @Test
  void aClientThatDoesNotTrustTheServerRefusesIt() {
    RpcServer server =
        server(
            TlsConfig.forServer(pem("server.pem"), pem("server.key")).build(),
            new AtomicReference<>());

    Calculator calc =
        client(
            TlsConfig.forClient().trustedCertificates(pem("rogue-ca.pem")).build(),
            "localhost",
            server);

    assertThatThrownBy(() -> calc.add(1, 1))
        .isInstanceOfSatisfying(
            RpcException.class,
            e -> {
              assertThat(e.status()).isEqualTo(Status.UNAVAILABLE);
              assertThat(e.getMessage())
                  .contains("localhost")
                  .contains("PKIX path building failed");
            });
  }

  @Test
  void mutualTlsShowsTheClientIdentityAndRefusesStrangers() {
    AtomicReference<String> peer = new AtomicReference<>();
    RpcServer server =
        server(
            TlsConfig.forServer(pem("server.pem"), pem("server.key"))
                .trustedCertificates(pem("ca.pem"))
                .requireClientAuth()
                .build(),
            peer);

    Calculator trusted =
        client(
            TlsConfig.forClient()
                .trustedCertificates(pem("ca.pem"))
                .keyCertChain(pem("client.pem"), pem("client.key"))
                .build(),
            "127.0.0.1",
            server);
    assertThat(trusted.add(1, 2)).isEqualTo(3);
    assertThat(peer.get()).isEqualTo("CN=test-client");

    Calculator noCert =
        client(
            TlsConfig.forClient().trustedCertificates(pem("ca.pem")).build(), "127.0.0.1", server);
    assertThatThrownBy(() -> noCert.add(1, 2))
        .isInstanceOfSatisfying(
            RpcException.class, e -> assertThat(e.status()).isEqualTo(Status.UNAVAILABLE));

    Calculator rogue =
        client(
            TlsConfig.forClient()
                .trustedCertificates(pem("ca.pem"))
                .keyCertChain(pem("rogue-client.pem"), pem("rogue-client.key"))
                .build(),
            "127.0.0.1",
            server);
    assertThatThrownBy(() -> rogue.add(1, 2))
        .isInstanceOfSatisfying(
            RpcException.class, e -> assertThat(e.status()).isEqualTo(Status.UNAVAILABLE));
  }

  @Test
  void configurationMistakesAreNamed() {
    assertThatThrownBy(() -> TlsConfig.forServer(Path.of("/nope.pem"), pem("server.key")))
        .hasMessageContaining("certificate chain file /nope.pem does not exist");
    assertThatThrownBy(() -> TlsConfig.forClient().requireClientAuth())
        .hasMessageContaining("requireClientAuth() is a server setting");
    assertThatThrownBy(
            () ->
                TlsConfig.forServer(pem("server.pem"), pem("server.key"))
                    .requireClientAuth()
                    .build())
        .hasMessageContaining("needs trustedCertificates");
  }
}
