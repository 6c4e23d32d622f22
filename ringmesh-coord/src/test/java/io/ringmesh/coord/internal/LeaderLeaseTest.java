package io.ringmesh.coord.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.ratis.proto.RaftProtos.LeaderInfoProto;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.proto.RaftProtos.RoleInfoProto;
import org.apache.ratis.proto.RaftProtos.ServerRpcProto;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** When a leader may renew sessions from memory: only while a majority answered it recently. */
@Timeout(10)
class LeaderLeaseTest {
  private static RoleInfoProto leaderWithAnswersAgo(long... elapsedMillis) {
    LeaderInfoProto.Builder leader = LeaderInfoProto.newBuilder();
    for (long ms : elapsedMillis) {
      leader.addFollowerInfo(ServerRpcProto.newBuilder().setLastRpcElapsedTimeMs(ms));
    }
    return RoleInfoProto.newBuilder().setRole(RaftPeerRole.LEADER).setLeaderInfo(leader).build();
  }

  @Test
  void aLeaderInTouchWithAMajorityHoldsItsLease() {
    assertThat(ShardService.majorityAnsweredWithin(leaderWithAnswersAgo(20, 30), 150)).isTrue();
    assertThat(ShardService.majorityAnsweredWithin(leaderWithAnswersAgo(20, 9_000), 150))
        .as("one follower down: the leader and the other are a majority of three")
        .isTrue();
    assertThat(ShardService.majorityAnsweredWithin(leaderWithAnswersAgo(), 150))
        .as("a group of one")
        .isTrue();
  }

  @Test
  void aLeaderThatLostTouchWithTheMajorityDoesNot() {
    assertThat(ShardService.majorityAnsweredWithin(leaderWithAnswersAgo(5_000, 5_000), 150))
        .as("resumed after a pause: nobody answered within the lease")
        .isFalse();
    assertThat(ShardService.majorityAnsweredWithin(leaderWithAnswersAgo(20, 900, 900, 900), 150))
        .as("two of five")
        .isFalse();
    assertThat(ShardService.majorityAnsweredWithin(leaderWithAnswersAgo(150, 150), 150))
        .as("answers exactly one lease ago no longer count")
        .isFalse();
  }

  @Test
  void anotherRoleHoldsNoLease() {
    RoleInfoProto follower = RoleInfoProto.newBuilder().setRole(RaftPeerRole.FOLLOWER).build();
    assertThat(ShardService.majorityAnsweredWithin(follower, 150)).isFalse();
  }
}
