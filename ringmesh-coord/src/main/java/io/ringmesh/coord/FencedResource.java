package io.ringmesh.coord;

import java.util.function.Consumer;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * Guards a resource with fencing tokens: an operation runs only if its token is at least the
 * highest token the resource has accepted, so a holder whose lease expired during a pause cannot
 * overwrite what a newer holder wrote (Kleppmann, "How to do distributed locking", 2016).
 *
 * <p>Put it where the writes land, not beside the client: the check and the write happen under one
 * monitor, so an operation never interleaves with another. Equal tokens pass, so a holder may write
 * many times under one lease.
 *
 * <pre>{@code
 * FencedResource<Map<String, String>> store = new FencedResource<>(new HashMap<>());
 * try (Lease lease = locks.acquire("orders", Duration.ofSeconds(5))) {
 *   store.accept(lease.fencingToken(), m -> m.put("order-42", "paid"));
 * }
 * }</pre>
 *
 * <p>Thread-safe.
 *
 * @param <R> the guarded resource
 */
public final class FencedResource<R> {
  private final R resource;
  private long highestToken;

  /** Guards {@code resource}, which no token has touched yet. */
  public FencedResource(R resource) {
    this.resource = resource;
  }

  /**
   * Runs {@code operation} on the resource with {@code token}.
   *
   * @throws LockException with {@link LockException.Code#STALE_TOKEN} if a higher token was
   *     accepted before; the resource is not touched
   */
  public synchronized <V extends @Nullable Object> V apply(
      long token, Function<? super R, ? extends V> operation) {
    if (token < highestToken) {
      throw new LockException(
          LockException.Code.STALE_TOKEN,
          "fencing token "
              + token
              + " is older than token "
              + highestToken
              + ", which this resource has already accepted: the lease behind it was lost and"
              + " another holder has written since; the operation was refused");
    }
    highestToken = token;
    return operation.apply(resource);
  }

  /** {@link #apply} for an operation without a result. */
  public void accept(long token, Consumer<? super R> operation) {
    apply(
        token,
        r -> {
          operation.accept(r);
          return null;
        });
  }

  /** The highest token accepted so far, 0 before the first. */
  public synchronized long highestToken() {
    return highestToken;
  }
}
