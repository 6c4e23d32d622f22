/**
 * Internal: the algorithm implementations behind {@link io.ringmesh.ring.HashRing}. Not an API;
 * anything here may change without notice. Use {@link io.ringmesh.ring.HashRing#builder()}.
 */
@NullMarked
package io.ringmesh.ring.internal;

import org.jspecify.annotations.NullMarked;
