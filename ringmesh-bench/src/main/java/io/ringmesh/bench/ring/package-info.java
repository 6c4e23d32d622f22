/**
 * Ring lookup and build benchmarks: every {@link io.ringmesh.ring.Algorithm} beside Guava's jump
 * hash, hash4j's JumpBackHash, and a TreeMap ketama ring built the way Dubbo's {@code
 * ConsistentHashLoadBalance} builds it.
 */
@NullMarked
package io.ringmesh.bench.ring;

import org.jspecify.annotations.NullMarked;
