package io.ringmesh.cluster.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.ringmesh.cluster.FakeTicker;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class RetryBudgetTest {
  private final FakeTicker ticker = new FakeTicker();

  @Test
  void aQuietClientHasTheReserveOfTenPerSecondOverTheWindow() {
    RetryBudget budget = new RetryBudget(0.2, 10, ticker);
    assertThat(retries(budget, 1000)).isEqualTo(100);
  }

  @Test
  void aBusyClientMayRetryTwentyPercentOfRequestsOnTopOfTheReserve() {
    RetryBudget budget = new RetryBudget(0.2, 10, ticker);
    for (int i = 0; i < 1000; i++) {
      budget.onRequest();
    }
    assertThat(retries(budget, 10_000)).isEqualTo(100 + 200);
  }

  @Test
  void aDeadClusterGetsNoRetryStorm() {
    // Every request fails and wants a retry, for a minute: retries stay near 20% + 10/s.
    RetryBudget budget = new RetryBudget(0.2, 10, ticker);
    long requests = 0;
    long retries = 0;
    for (int second = 0; second < 60; second++) {
      for (int i = 0; i < 500; i++) {
        budget.onRequest();
        requests++;
        if (budget.tryRetry()) {
          retries++;
        }
      }
      ticker.advance(Duration.ofSeconds(1));
    }
    assertThat(retries).isLessThanOrEqualTo((long) (0.2 * requests) + 10 * 60 + 100);
    assertThat(retries).isGreaterThan((long) (0.2 * requests) - 1);
  }

  @Test
  void withdrawalsAndDepositsExpireAfterTheWindow() {
    RetryBudget budget = new RetryBudget(0, 1, ticker);
    assertThat(retries(budget, 100)).isEqualTo(10);
    ticker.advance(Duration.ofSeconds(5));
    assertThat(retries(budget, 100)).isZero(); // the window still holds the first ten
    ticker.advance(Duration.ofSeconds(5));
    assertThat(retries(budget, 100)).isEqualTo(10); // they fell out of it
  }

  @Test
  void zeroBudgetAllowsNoRetry() {
    RetryBudget budget = new RetryBudget(0, 0, ticker);
    budget.onRequest();
    assertThat(budget.tryRetry()).isFalse();
  }

  private static int retries(RetryBudget budget, int wanted) {
    int granted = 0;
    for (int i = 0; i < wanted; i++) {
      if (budget.tryRetry()) {
        granted++;
      }
    }
    return granted;
  }
}
