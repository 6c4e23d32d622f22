package io.ringmesh.coord.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The lock-group layout recorded in {@code cluster.properties}. */
@Timeout(30)
class ClusterMetadataTest {
  @TempDir Path dir;

  @Test
  void aFileWrittenBeforeGroupsExistedMeansOneGroupPerShard() throws IOException {
    Files.write(
        dir.resolve(ClusterMetadata.FILE),
        List.of("format=1", "cluster.name=old", "shards=8", "shard.routing=RING"),
        StandardCharsets.UTF_8);
    ClusterMetadata m = ClusterMetadata.loadOrCreate(dir, "old", 0, 16, 0, 1);
    assertThat(m.groups()).isEqualTo(8);
    assertThat(m.groupUuid(3))
        .as("its groups keep the ids they were created with")
        .isEqualTo(new ClusterMetadata("old", 8).groupUuid(3));
  }

  @Test
  void shardsMapOntoGroupsAndTheRegistryKeepsItsNumber() throws IOException {
    ClusterMetadata m = ClusterMetadata.loadOrCreate(dir, "c", 16, 16, 0, 1);
    assertThat(m.groups()).isEqualTo(1);
    assertThat(m.groupOf(0)).isZero();
    assertThat(m.groupOf(15)).isZero();
    assertThat(m.groupOf(16)).as("the registry").isEqualTo(16);
    assertThat(m.isGroup(1)).isFalse();
    assertThat(m.groupUuid(0))
        .as("a group of several shards is not named after shard 0")
        .isNotEqualTo(new ClusterMetadata("c", 16).groupUuid(0));
    assertThatThrownBy(() -> m.groupUuid(5))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("group 5 does not exist: 1 lock groups and the registry");
    assertThat(ClusterMetadata.loadOrCreate(dir, "c", 0, 16, 0, 16).groups())
        .as("the default applies to a new directory only")
        .isEqualTo(1);
  }

  @Test
  void aCoordinatorOlderThanLockGroupsReportsOneGroupPerShard() {
    CoordinatorAdmin.MembershipInfo old =
        new CoordinatorAdmin.MembershipInfo("c", 16, 3, "c0", "h:1", 1, "", "", "", false, 0);
    assertThat(old.groupCount()).isEqualTo(16);
    CoordinatorAdmin.MembershipInfo lone =
        new CoordinatorAdmin.MembershipInfo("c", 16, 3, "c0", "h:1", 1, "", "", "", false, 1);
    assertThat(lone.groupCount()).isEqualTo(1);
  }

  @Test
  void aDamagedGroupCountIsRefusedNamingTheFile() throws IOException {
    Files.write(
        dir.resolve(ClusterMetadata.FILE),
        List.of("format=1", "cluster.name=c", "shards=4", "groups=9", "shard.routing=RING"),
        StandardCharsets.UTF_8);
    assertThatThrownBy(() -> ClusterMetadata.loadOrCreate(dir, "c", 0, 16, 0, 1))
        .isInstanceOf(IOException.class)
        .hasMessageContaining(dir.resolve(ClusterMetadata.FILE).toAbsolutePath().toString())
        .hasMessageContaining("groups=9 must be in [1, shards=4]");
  }
}
