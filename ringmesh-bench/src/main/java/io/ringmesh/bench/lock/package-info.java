/**
 * The lock benchmark of issue #5: acquire+release pairs per second with 1 and 32 clients on
 * distinct keys, and the hand-off latency from one holder's release to the next waiter's grant with
 * 32 clients on one key.
 *
 * <p>A measured system is a {@link io.ringmesh.bench.lock.LockSystem}: how to start its server, and
 * how a client acquires and releases. {@link io.ringmesh.bench.lock.LockBenchmark} starts each
 * system's server in its own JVM (with its data in a fresh temporary directory, fsync on) and
 * drives it from {@link io.ringmesh.bench.lock.LockBenchClient} in another, over loopback, printing
 * one JSON object per workload; {@code bin/ringmesh bench lock} formats them beside the targets.
 * Only Ringmesh is measured today; etcd (jetcd), ZooKeeper (Curator) and Redis (Redisson) plug in
 * as further {@code LockSystem}s.
 */
@NullMarked
package io.ringmesh.bench.lock;

import org.jspecify.annotations.NullMarked;
