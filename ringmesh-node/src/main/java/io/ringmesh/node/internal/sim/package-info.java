/**
 * Internal: the ring simulator behind {@code ringmesh ring simulate} and the demo. It measures
 * balance, disruption, speed and bounded-load behaviour of any algorithm on synthetic keys.
 */
@NullMarked
package io.ringmesh.node.internal.sim;

import org.jspecify.annotations.NullMarked;
