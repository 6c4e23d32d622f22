/** Internal: the node's implementation. Not an API; anything here may change without notice. */
@NullMarked
package io.ringmesh.node.internal;

import org.jspecify.annotations.NullMarked;
