package io.ringmesh.rpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.ringmesh.rpc.testing.Resources;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A rolling upgrade: version 2 of a record gained components, and old and new peers still talk in
 * both directions. Unknown fields are skipped; missing ones take defaults.
 */
class CodecEvolutionTest {
  /** Version 1 of the profile record. */
  public record ProfileV1(String name, int age) {}

  /** Version 2: two components added at the end. */
  public record ProfileV2(
      String name, int age, @Nullable String email, List<String> tags, Optional<Long> score) {}

  /** The service as version 1 declares it. */
  @RpcService("test.Profiles")
  public interface ProfilesV1 {
    ProfileV1 normalize(ProfileV1 p);
  }

  /** The service as version 2 declares it: the records changed, and a parameter was added. */
  @RpcService("test.Profiles")
  public interface ProfilesV2 {
    ProfileV2 normalize(ProfileV2 p, boolean strict);
  }

  private final Resources resources = new Resources();

  @AfterEach
  void close() {
    resources.close();
  }

  private <T> T client(Class<T> iface, RpcServer server) {
    RpcClient client = resources.add(RpcClient.builder().build());
    return client.proxy(iface, Endpoint.of("127.0.0.1", server.port()));
  }

  @Test
  void anOldClientCallsANewServer() {
    ProfilesV2 v2 =
        (p, strict) ->
            new ProfileV2(
                p.name().toUpperCase(),
                p.age(),
                p.email() == null ? "unknown@example.com" : p.email(),
                List.of("tags:" + p.tags().size(), "strict:" + strict),
                p.score().or(() -> Optional.of(-1L)));
    RpcServer server =
        resources.add(RpcServer.builder().service(ProfilesV2.class, v2).build().start());

    ProfileV1 back = client(ProfilesV1.class, server).normalize(new ProfileV1("ada", 36));

    // The server saw defaults for what v1 lacks (null, empty list, empty optional, false);
    // the client ignored the fields it does not know.
    assertThat(back).isEqualTo(new ProfileV1("ADA", 36));
  }

  @Test
  void aNewClientCallsAnOldServer() {
    ProfilesV1 v1 = p -> new ProfileV1(p.name() + "!", p.age() + 1);
    RpcServer server =
        resources.add(RpcServer.builder().service(ProfilesV1.class, v1).build().start());

    ProfileV2 back =
        client(ProfilesV2.class, server)
            .normalize(
                new ProfileV2("grace", 85, "g@example.com", List.of("navy"), Optional.of(9L)),
                true);

    assertThat(back).isEqualTo(new ProfileV2("grace!", 86, null, List.of(), Optional.empty()));
  }
}
