/**
 * The Ringmesh node: the process that hosts services and coordinators, and the {@code bin/ringmesh}
 * command line. This package will hold the embeddable node API; today the command line lives in
 * {@code io.ringmesh.node.internal.cli}.
 */
@NullMarked
package io.ringmesh.node;

import org.jspecify.annotations.NullMarked;
