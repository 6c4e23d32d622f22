package io.ringmesh.examples.pricing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class PricingServiceTest {

  @Test
  void aSecondQuoteComesFromTheCacheWithTheSamePrice() {
    PricingService a = new PricingService("a", 10, 5);
    Pricing.Quote first = a.quote("sku-1");
    Pricing.Quote second = a.quote("sku-1");
    assertThat(first.fromCache()).isFalse();
    assertThat(second.fromCache()).isTrue();
    assertThat(second.priceCents()).isEqualTo(first.priceCents());
    assertThat(a.cacheStats()).isEqualTo(new Pricing.CacheStats("a", 1, 1, 1, 10));
  }

  @Test
  void everyNodeAgreesOnAPrice() {
    PricingService a = new PricingService("a", 10, 5);
    PricingService b = new PricingService("b", 10, 5);
    for (int i = 0; i < 50; i++) {
      assertThat(b.quote("sku-" + i).priceCents()).isEqualTo(a.quote("sku-" + i).priceCents());
    }
  }

  @Test
  void theCacheEvictsTheLeastRecentlyUsedBeyondItsCapacity() {
    PricingService a = new PricingService("a", 2, 1);
    a.quote("x");
    a.quote("y");
    a.quote("x"); // x is now the most recently used
    a.quote("z"); // evicts y
    assertThat(a.quote("x").fromCache()).isTrue();
    assertThat(a.quote("y").fromCache()).isFalse();
    assertThat(a.cacheStats().entries()).isEqualTo(2);
  }

  @Test
  void clearingEmptiesTheCacheAndTheCounters() {
    PricingService a = new PricingService("a", 10, 1);
    a.quote("x");
    a.clearCache();
    assertThat(a.cacheStats()).isEqualTo(new Pricing.CacheStats("a", 0, 0, 0, 10));
    assertThat(a.quote("x").fromCache()).isFalse();
  }

  @Test
  void badSettingsNameTheSetting() {
    assertThatThrownBy(() -> new PricingService(Map.of())).hasMessageContaining("'node.id'");
    assertThatThrownBy(() -> new PricingService(Map.of("node.id", "a", "cache.capacity", "zero")))
        .hasMessageContaining("'cache.capacity'")
        .hasMessageContaining("'zero'");
  }

  @Test
  void ordersAreNumberedPerNodeAndRejectNoUnits() {
    PricingService a = new PricingService("a", 10, 1);
    assertThat(a.order("x", 1)).isEqualTo(1);
    assertThat(a.order("y", 3)).isEqualTo(2);
    assertThatThrownBy(() -> a.order("x", 0)).hasMessageContaining("units must be at least 1");
  }
}
