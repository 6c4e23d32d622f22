/** Test support: leak detection that fails tests, resource cleanup, polling with deadlines. */
@NullMarked
package io.ringmesh.rpc.testing;

import org.jspecify.annotations.NullMarked;
