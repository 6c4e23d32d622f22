package io.ringmesh.examples.pricing;

import io.ringmesh.cluster.Idempotent;
import io.ringmesh.cluster.RouteKey;
import io.ringmesh.rpc.RpcService;

/**
 * A price service whose answers are expensive to compute and cached on the node that computed them:
 * the kind of stateless service whose speed depends on each key landing on the same node. Any node
 * can price any product; only its cache differs.
 *
 * <p>Implementations are thread-safe.
 */
@RpcService("examples.pricing.v1")
public interface Pricing {

  /**
   * A price.
   *
   * @param sku the product priced
   * @param priceCents its price in cents; the same for a sku on every node
   * @param servedBy the id of the node that answered
   * @param fromCache whether that node answered from its cache
   */
  record Quote(String sku, long priceCents, String servedBy, boolean fromCache) {}

  /**
   * One node's cache counters since it started or was last cleared.
   *
   * @param nodeId the node
   * @param hits quotes answered from the cache
   * @param misses quotes computed
   * @param entries entries cached now
   * @param capacity the most entries the cache keeps
   */
  record CacheStats(String nodeId, long hits, long misses, int entries, int capacity) {}

  /** Prices {@code sku}: cheap when this node has it cached, expensive when not. */
  @Idempotent
  Quote quote(@RouteKey String sku);

  /**
   * Places an order for {@code units} of {@code sku} at its current price and returns the order's
   * number on this node. Not idempotent: running it twice places two orders, so a caller that loses
   * the reply must not blindly send it again.
   */
  long order(@RouteKey String sku, int units);

  /** This node's cache counters. */
  @Idempotent
  CacheStats cacheStats();

  /** Empties this node's cache and zeroes its counters. */
  @Idempotent
  void clearCache();
}
