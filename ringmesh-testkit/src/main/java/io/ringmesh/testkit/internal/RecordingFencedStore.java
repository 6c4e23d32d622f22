package io.ringmesh.testkit.internal;

import io.ringmesh.coord.FencedResource;
import io.ringmesh.coord.LockException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The resource the chaos clients protect with their locks: per lock name a {@link FencedResource}
 * that refuses a write whose token is lower than one it accepted. It records every accepted write
 * under the resource's own monitor, so the recorded order is the order of acceptance.
 *
 * <p>Thread-safe.
 */
public final class RecordingFencedStore implements FencedStore {
  private final Map<String, FencedResource<String>> resources = new ConcurrentHashMap<>();
  private final Consumer<Event> sink;

  /** A store that hands each accepted write, as a WRITE_ACCEPTED event, to {@code sink}. */
  public RecordingFencedStore(Consumer<Event> sink) {
    this.sink = sink;
  }

  @Override
  public Outcome write(Write w) {
    FencedResource<String> r = resources.computeIfAbsent(w.name(), FencedResource::new);
    try {
      r.accept(
          w.token(),
          name ->
              sink.accept(
                  Event.at(
                      System.currentTimeMillis(),
                      w.client(),
                      Event.Type.WRITE_ACCEPTED,
                      name,
                      w.token())));
      return new Outcome(true, w.token());
    } catch (LockException stale) {
      return new Outcome(false, r.highestToken());
    }
  }
}
