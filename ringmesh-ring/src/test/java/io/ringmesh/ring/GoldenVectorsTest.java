package io.ringmesh.ring;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Routing must not change between versions: see {@link GoldenVectors}. */
class GoldenVectorsTest {

  @ParameterizedTest
  @ValueSource(strings = {"equal", "weighted"})
  void routesMatchTheCommittedVectors(String name) throws IOException {
    List<Node<String>> nodes =
        name.equals("equal") ? GoldenVectors.equalNodes() : GoldenVectors.weightedNodes();
    String actual = GoldenVectors.render(nodes);
    if (Boolean.getBoolean("ringmesh.golden.write")) {
      Path file = Path.of("src/test/resources/golden", name + ".tsv");
      Files.createDirectories(file.getParent());
      Files.writeString(file, actual, StandardCharsets.UTF_8);
      return;
    }
    String expected;
    try (InputStream in = getClass().getResourceAsStream("/golden/" + name + ".tsv")) {
      assertThat(in).as("golden/%s.tsv on the test class path", name).isNotNull();
      expected = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    String[] want = expected.split("\n");
    String[] got = actual.split("\n");
    assertThat(got).hasSameSizeAs(want);
    for (int i = 0; i < want.length; i++) {
      assertThat(got[i]).as("line %d of golden/%s.tsv", i + 1, name).isEqualTo(want[i]);
    }
  }
}
