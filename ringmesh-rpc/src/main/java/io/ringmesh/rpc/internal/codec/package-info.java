/**
 * Internal: the codec behind the RPC layer. {@link io.ringmesh.rpc.internal.codec.Codec} is the
 * contract; {@link io.ringmesh.rpc.internal.codec.TaggedCodec} is the implementation, a tagged
 * record encoding whose decodable types are fixed by the registered interfaces' signatures. Not an
 * API; anything here may change without notice.
 */
@NullMarked
package io.ringmesh.rpc.internal.codec;

import org.jspecify.annotations.NullMarked;
