package io.ringmesh.node.internal.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class DemoClusterTest {

  @Test
  void aDemoRemovesTheDirectoriesOfKilledDemosAndKeepsLiveOnes() throws Exception {
    Process gone = new ProcessBuilder("true").start();
    gone.waitFor();
    Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
    Path orphan = Files.createTempDirectory(tmp, "ringmesh-demo-");
    Files.writeString(orphan.resolve("owner.pid"), Long.toString(gone.pid()));
    Files.writeString(orphan.resolve("c1.log"), "left behind");
    Path live = Files.createTempDirectory(tmp, "ringmesh-demo-");
    Files.writeString(live.resolve("owner.pid"), Long.toString(ProcessHandle.current().pid()));
    try (DemoCluster cluster = new DemoCluster()) {
      assertThat(orphan).doesNotExist();
      assertThat(live).isDirectory();
      assertThat(cluster.directory().resolve("owner.pid")).exists();
    } finally {
      Files.deleteIfExists(live.resolve("owner.pid"));
      Files.deleteIfExists(live);
    }
  }

  @Test
  void closingDeletesTheDemosDirectory() throws Exception {
    DemoCluster cluster = new DemoCluster();
    Path dir = cluster.directory();
    cluster.close();
    cluster.close();
    assertThat(dir).doesNotExist();
  }
}
