/**
 * JMH benchmarks of Ringmesh and, in the same run, of the peers users would otherwise pick. Run
 * them with {@code bin/ringmesh bench}; results go to {@code docs/benchmarks.md}.
 */
@NullMarked
package io.ringmesh.bench;

import org.jspecify.annotations.NullMarked;
