package io.ringmesh.examples.pricing;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@link Pricing} with a bounded least-recently-used cache per node. A miss "computes" the price by
 * iterating SHA-256 over the sku (standing in for a database read or a rendering); a hit is a map
 * lookup. Prices depend on the sku only, so every node agrees on them.
 *
 * <p>Settings (the node passes its service settings as strings): {@code node.id} (required), {@code
 * cache.capacity} (default 2,000 entries) and {@code work.rounds} (SHA-256 rounds per miss, default
 * 2,000, about a millisecond).
 *
 * <p>Thread-safe: the cache is guarded by the instance's lock; the computation runs outside it.
 */
public final class PricingService implements Pricing {
  private final String nodeId;
  private final int capacity;
  private final int rounds;
  private final LinkedHashMap<String, Long> cache;
  private final java.util.concurrent.atomic.AtomicLong orders =
      new java.util.concurrent.atomic.AtomicLong();
  private long hits;
  private long misses;

  /** Reads the settings described on the class; a bad value names its setting. */
  public PricingService(Map<String, String> settings) {
    this(
        required(settings, "node.id"),
        positive(settings, "cache.capacity", 2_000),
        positive(settings, "work.rounds", 2_000));
  }

  /** A node's service with a cache of {@code capacity} entries and {@code rounds} per miss. */
  public PricingService(String nodeId, int capacity, int rounds) {
    if (capacity < 1 || rounds < 1) {
      throw new IllegalArgumentException(
          "cache.capacity and work.rounds must be positive; got " + capacity + " and " + rounds);
    }
    this.nodeId = nodeId;
    this.capacity = capacity;
    this.rounds = rounds;
    this.cache = new LinkedHashMap<>(16, 0.75f, true);
  }

  @Override
  public Quote quote(String sku) {
    synchronized (this) {
      Long cached = cache.get(sku);
      if (cached != null) {
        hits++;
        return new Quote(sku, cached, nodeId, true);
      }
      misses++;
    }
    long price = compute(sku);
    synchronized (this) {
      cache.put(sku, price);
      if (cache.size() > capacity) {
        cache.pollFirstEntry();
      }
    }
    return new Quote(sku, price, nodeId, false);
  }

  @Override
  public long order(String sku, int units) {
    if (units < 1) {
      throw new IllegalArgumentException("units must be at least 1; got " + units);
    }
    quote(sku);
    return orders.incrementAndGet();
  }

  @Override
  public synchronized CacheStats cacheStats() {
    return new CacheStats(nodeId, hits, misses, cache.size(), capacity);
  }

  @Override
  public synchronized void clearCache() {
    cache.clear();
    hits = 0;
    misses = 0;
  }

  /** A price from 1.00 to 100.00, a pure function of the sku, costing {@code rounds} digests. */
  private long compute(String sku) {
    MessageDigest sha;
    try {
      sha = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this JVM has no SHA-256", e);
    }
    byte[] d = sku.getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < rounds; i++) {
      d = sha.digest(d);
    }
    long v = ((d[0] & 0xffL) << 16) | ((d[1] & 0xffL) << 8) | (d[2] & 0xffL);
    return 100 + v % 9_901;
  }

  private static String required(Map<String, String> settings, String key) {
    String v = settings.get(key);
    if (v == null || v.isBlank()) {
      throw new IllegalArgumentException("PricingService needs the setting '" + key + "'");
    }
    return v;
  }

  private static int positive(Map<String, String> settings, String key, int otherwise) {
    String v = settings.get(key);
    if (v == null) {
      return otherwise;
    }
    try {
      int n = Integer.parseInt(v.trim());
      if (n > 0) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException(
        "PricingService setting '" + key + "' must be a positive integer; got '" + v + "'");
  }
}
