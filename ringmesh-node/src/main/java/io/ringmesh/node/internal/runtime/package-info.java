/**
 * The node process: its configuration and the runtime that assembles a coordinator, hosted
 * services, the registry, routed clients and the admin HTTP server according to the node's roles.
 */
@NullMarked
package io.ringmesh.node.internal.runtime;

import org.jspecify.annotations.NullMarked;
