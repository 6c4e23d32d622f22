/**
 * An example stateless service with a local cache, used by {@code bin/ringmesh demo} and the
 * README: {@link io.ringmesh.examples.pricing.Pricing}, routed by product so that each product's
 * price stays cached on one node.
 */
@NullMarked
package io.ringmesh.examples.pricing;

import org.jspecify.annotations.NullMarked;
