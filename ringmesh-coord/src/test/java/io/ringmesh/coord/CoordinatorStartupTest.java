package io.ringmesh.coord;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ringmesh.coord.internal.ClusterMetadata;
import io.ringmesh.coord.internal.Membership;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Starting a coordinator on existing data: settings it must keep, snapshots, damaged files. */
class CoordinatorStartupTest {
  @TempDir Path dataDir;
  private final FakeTimeSource clock = new FakeTimeSource();

  private Coordinator.Builder coordinator() {
    return Coordinator.builder().dataDirectory(dataDir).timeSource(clock).shards(1);
  }

  private LockClient client(Coordinator c) {
    return LockClient.builder().coordinator(c).timeSource(clock).build();
  }

  @Test
  void aDifferentShardCountThanTheDataDirectoryWasCreatedWithIsRefused() throws IOException {
    coordinator().start().close();
    assertThatThrownBy(() -> coordinator().shards(8).start())
        .isInstanceOf(IOException.class)
        .hasMessageContaining("was created with 1 shards, but 8 were requested")
        .hasMessageContaining("use a new data directory");
    try (Coordinator sameAsCreated = Coordinator.builder().dataDirectory(dataDir).start()) {
      assertThat(sameAsCreated.shards()).as("an unset count adopts the directory's").isEqualTo(1);
    }
  }

  @Test
  void aLoneCoordinatorCarriesItsShardsInOneGroupAndKeepsTheCountItWasCreatedWith()
      throws IOException {
    try (Coordinator c = coordinator().shards(4).start()) {
      assertThat(c.groups()).as("the single-coordinator default").isEqualTo(1);
      assertThat(c.ledShards()).as("one leader serves every shard").containsExactly(0, 1, 2, 3);
    }
    assertThatThrownBy(() -> coordinator().shards(4).groups(2).start())
        .isInstanceOf(IOException.class)
        .hasMessageContaining("was created with its 4 shards in 1 Raft group(s), but 2 were")
        .hasMessageContaining("start with groups=1");
    try (Coordinator again = Coordinator.builder().dataDirectory(dataDir).start()) {
      assertThat(again.groups()).as("an unset count adopts the directory's").isEqualTo(1);
    }
  }

  @Test
  void messagesNameEveryShardOfASharedGroup() {
    assertThat(Coordinator.groupLabel(0, new ClusterMetadata("c", 16, 1)))
        .isEqualTo("lock group 0 (all 16 shards)");
    assertThat(Coordinator.groupLabel(1, new ClusterMetadata("c", 8, 3)))
        .isEqualTo("lock group 1 (shards 1, 4, 7)");
    assertThat(Coordinator.groupLabel(3, new ClusterMetadata("c", 16))).isEqualTo("shard 3");
    assertThat(Coordinator.groupLabel(16, new ClusterMetadata("c", 16, 1)))
        .isEqualTo("the registry");
  }

  @Test
  void aGroupCountOutsideOneToTheShardCountIsRefusedNamingIt() {
    assertThatThrownBy(() -> Coordinator.builder().groups(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("groups must be in [1, 4096]")
        .hasMessageContaining("was 0");
    assertThatThrownBy(() -> coordinator().shards(4).groups(8).start())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("groups=8 is more than shards=4");
  }

  @Test
  void locksOfShardsThatShareAGroupAreListedOnceAndSurviveARestart() throws IOException {
    List<String> names = List.of("a", "b", "c", "d", "e", "f", "g", "h");
    List<Long> tokens;
    try (Coordinator c = coordinator().shards(4).groups(2).start()) {
      LockClient locks = client(c);
      assertThat(names.stream().map(locks::shardOf).distinct().count())
          .as("the names cover all four shards, so both groups")
          .isEqualTo(4);
      tokens =
          names.stream().map(n -> locks.acquire(n, Duration.ofSeconds(5)).fencingToken()).toList();
      assertThat(locks.locks(100))
          .as("each lock once, though two shards answer from each group")
          .extracting(LockInfo::name)
          .containsExactlyElementsOf(names);
    }
    try (Coordinator c = coordinator().shards(4).groups(2).start()) {
      LockClient observer = client(c);
      for (int i = 0; i < names.size(); i++) {
        LockInfo kept = observer.holder(names.get(i));
        assertThat(kept.isHeld()).as("%s is still held", names.get(i)).isTrue();
        assertThat(kept.fencingToken()).isEqualTo(tokens.get(i));
      }
      observer.close();
    }
  }

  @Test
  void coordAddRefusesAClusterWhoseShardsShareAGroup() throws IOException {
    try (Coordinator c = coordinator().shards(4).rpcPort(0).start();
        MembershipChange change =
            MembershipChange.builder().connect("127.0.0.1:" + c.rpcPort()).build()) {
      assertThatThrownBy(() -> change.add("c2"))
          .isInstanceOf(MembershipException.class)
          .hasMessageContaining("carries its 4 shards in 1 Raft group(s)")
          .hasMessageContaining("--groups equal to the shard count, on a new data directory");
      assertThat(c.members()).as("nothing was recorded").containsExactly("coord-0");
    }
  }

  @Test
  void theMembershipIsRecordedAndACoordinatorRemovedFromItRefusesToStart() throws IOException {
    coordinator().start().close();
    Membership recorded = Objects.requireNonNull(Membership.load(dataDir));
    assertThat(recorded.ids()).containsExactly("coord-0");
    assertThat(recorded.joining()).isFalse();
    try (Coordinator again = coordinator().start()) {
      assertThat(again.members()).containsExactly("coord-0");
    }

    // What coord remove records on the coordinator it removed.
    new Membership(7, Map.of("c1", "127.0.0.1:1"), Map.of(), Map.of(), false).store(dataDir);
    assertThatThrownBy(() -> coordinator().start())
        .isInstanceOf(IOException.class)
        .hasMessageContaining("coordinator coord-0 was removed from the ensemble")
        .hasMessageContaining(dataDir.resolve(Membership.FILE).toAbsolutePath().toString())
        .hasMessageContaining("(epoch 7) lists [c1]")
        .hasMessageContaining("--join");
  }

  @Test
  void badPeerListsAreRefusedNamingTheEntry() {
    assertThatThrownBy(() -> Coordinator.builder().peers("a=127.0.0.1:7000,b127.0.0.1:7001"))
        .hasMessageContaining("peer 'b127.0.0.1:7001'")
        .hasMessageContaining("id=host:port");
    assertThatThrownBy(() -> Coordinator.builder().peers("a=h:70000"))
        .hasMessageContaining("port '70000'");
    assertThatThrownBy(() -> Coordinator.builder().peers("a=h:1").self("b").start())
        .hasMessageContaining("self id 'b' is not in the peer list [a]");
  }

  @Test
  void stateSurvivesARestartFromSnapshotPlusLog() throws IOException {
    long token;
    try (Coordinator c = coordinator().snapshotThreshold(10).start()) {
      LockClient locks = client(c);
      for (int i = 0; i < 30; i++) {
        locks.acquire("churn", Duration.ofSeconds(5)).close();
      }
      token = locks.acquire("kept", Duration.ofSeconds(5)).fencingToken();
      Await.until(() -> !snapshots().isEmpty(), () -> "an automatic snapshot");
    }
    try (Coordinator c = coordinator().start()) {
      LockClient observer = client(c);
      LockInfo kept = observer.holder("kept");
      assertThat(kept.isHeld()).isTrue();
      assertThat(kept.fencingToken()).isEqualTo(token);
      try (Lease next = observer.acquire("churn", Duration.ofSeconds(5))) {
        assertThat(next.fencingToken()).as("tokens continue after a restart").isGreaterThan(token);
      }
      observer.close();
    }
  }

  @Test
  void aCorruptSnapshotFailsTheStartNamingTheFile() throws IOException {
    try (Coordinator c = coordinator().snapshotThreshold(5).start()) {
      LockClient locks = client(c);
      for (int i = 0; i < 10; i++) {
        locks.acquire("churn", Duration.ofSeconds(5)).close();
      }
      Await.until(() -> !snapshots().isEmpty(), () -> "an automatic snapshot");
    }
    Path snapshot = snapshots().get(snapshots().size() - 1);
    flipByte(snapshot, Files.size(snapshot) / 2);
    assertThatThrownBy(() -> coordinator().start())
        .isInstanceOf(IOException.class)
        .hasMessageContaining(snapshot.getFileName().toString())
        .hasMessageContaining("corrupt");
  }

  @Test
  void aCorruptLogFailsTheStartNamingTheFile() throws IOException {
    try (Coordinator c = coordinator().start()) {
      LockClient locks = client(c);
      for (int i = 0; i < 10; i++) {
        locks.acquire("churn-" + i, Duration.ofSeconds(5)).close();
      }
    }
    Path segment = logSegments().get(0);
    flipByte(segment, Files.size(segment) - 20);
    assertThatThrownBy(() -> coordinator().start())
        .isInstanceOf(IOException.class)
        .hasMessageContaining(segment.getFileName().toString());
  }

  private List<Path> snapshots() {
    return files(p -> p.getFileName().toString().matches("snapshot\\.\\d+_\\d+"));
  }

  private List<Path> logSegments() {
    return files(
        p -> p.getFileName().toString().startsWith("log_") && !p.toString().contains("sm"));
  }

  private List<Path> files(java.util.function.Predicate<Path> which) {
    try (Stream<Path> all = Files.walk(dataDir)) {
      return all.filter(Files::isRegularFile).filter(which).sorted().toList();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static void flipByte(Path file, long position) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    bytes[(int) position] ^= 0x5a;
    Files.write(file, bytes);
  }
}
