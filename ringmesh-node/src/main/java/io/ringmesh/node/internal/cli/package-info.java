/**
 * Internal: the {@code bin/ringmesh} command line (picocli). One class per command; commands print
 * results on stdout and diagnostics on stderr, and exit 0 on success, 1 on failure, 2 on a usage
 * error.
 */
@NullMarked
package io.ringmesh.node.internal.cli;

import org.jspecify.annotations.NullMarked;
