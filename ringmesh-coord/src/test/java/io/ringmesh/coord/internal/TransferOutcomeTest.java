package io.ringmesh.coord.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.ringmesh.coord.internal.ShardService.TransferOutcome;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Which failed leadership transfers leave Ratis 3.2.2 refusing writes (its reply messages, as
 * TransferLeadership.PendingRequest.complete builds them from a Result).
 */
@Timeout(10)
class TransferOutcomeTest {
  private static String reply(String result) {
    return "org.apache.ratis.protocol.exceptions.TransferLeadershipException: c1@group-B0D12B2CEC66:"
        + " Failed to transfer leadership to c3 (the current leader is c1): "
        + result;
  }

  @Test
  void resultsThatRatisLeavesPendingAreStuck() {
    assertThat(
            ShardService.failedTransfer(
                reply(
                    "COMPLETED_EXCEPTIONALLY: java.util.concurrent.CompletionException:"
                        + " StatusRuntimeException: UNAVAILABLE: io exception")))
        .isEqualTo(TransferOutcome.STUCK);
    assertThat(ShardService.failedTransfer(reply("NULL_FOLLOWER")))
        .isEqualTo(TransferOutcome.STUCK);
    assertThat(ShardService.failedTransfer(reply("NULL_LOG_APPENDER")))
        .isEqualTo(TransferOutcome.STUCK);
  }

  @Test
  void resultsThatRatisClearsAreNotMoved() {
    assertThat(ShardService.failedTransfer(reply("TIMED_OUT(2.000s)")))
        .isEqualTo(TransferOutcome.NOT_MOVED);
    assertThat(ShardService.failedTransfer(reply("DIFFERENT_LEADER")))
        .isEqualTo(TransferOutcome.NOT_MOVED);
    assertThat(
            ShardService.failedTransfer(
                "c1@group-B0D12B2CEC66 refused to transfer leadership to peer c3 when raft"
                    + " reconfiguration in progress."))
        .isEqualTo(TransferOutcome.NOT_MOVED);
  }
}
