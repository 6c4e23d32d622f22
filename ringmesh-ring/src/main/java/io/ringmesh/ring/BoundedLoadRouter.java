package io.ringmesh.ring;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Consistent hashing with bounded loads over any {@link HashRing}: no node takes more than {@code
 * ceil((1 + epsilon) * m * w / W)} of the {@code m} requests in flight, where {@code w} is its
 * weight and {@code W} the ring's total weight.
 *
 * <p>A request goes to its key's primary whenever the primary has room; otherwise it walks the
 * key's preference list to the first node with room. Each {@link #acquire} returns an {@link
 * Assignment} that must be closed when the request finishes. Thread-safe; under concurrent acquires
 * the bound holds for each admission decision.
 *
 * @param <P> payload type of the nodes
 */
public final class BoundedLoadRouter<P> {
  /*
   * Mirrokni, Thorup and Zadimoghaddam, "Consistent Hashing with Bounded Loads" (SODA 2018, arXiv
   * 1608.01350): with capacity ceil((1+eps) * m/n) per bin and a forwarding walk along the hash
   * order, the expected number of moves on an insertion or removal stays O(1/eps^2), while no bin
   * ever exceeds its capacity. HAProxy's hash-balance-factor and Envoy's hash_balance_factor are
   * the same rule. We count the request being placed in m (the paper's "m balls including this
   * one"), so the capacity summed over nodes is at least (1+eps) m > m and some node always has
   * room.
   */

  /** The default slack over the mean: 25%. */
  public static final double DEFAULT_EPSILON = 0.25;

  private final RingHolder<P> ring;
  private final double epsilon;
  private final ConcurrentHashMap<String, AtomicInteger> inFlight = new ConcurrentHashMap<>();
  private final AtomicLong total = new AtomicLong();
  // Statistics only: adders, so that every request does not contend on one more cache line.
  private final LongAdder assigned = new LongAdder();
  private final LongAdder spilled = new LongAdder();

  private BoundedLoadRouter(RingHolder<P> ring, double epsilon) {
    if (!(epsilon > 0) || Double.isInfinite(epsilon)) {
      throw new IllegalArgumentException(
          "epsilon must be positive and finite, was " + epsilon + " (0.25 allows 25% over mean)");
    }
    this.ring = ring;
    this.epsilon = epsilon;
  }

  /** A router over the holder's current ring with {@link #DEFAULT_EPSILON}. */
  public static <P> BoundedLoadRouter<P> create(RingHolder<P> ring) {
    return new BoundedLoadRouter<>(ring, DEFAULT_EPSILON);
  }

  /** A router over the holder's current ring allowing {@code epsilon} over the mean. */
  public static <P> BoundedLoadRouter<P> create(RingHolder<P> ring, double epsilon) {
    return new BoundedLoadRouter<>(ring, epsilon);
  }

  /** Places a request for {@code key}. */
  public Assignment<P> acquire(byte[] key) {
    HashRing<P> snapshot = ring.current();
    return acquire(snapshot, snapshot.hash(key));
  }

  /** Places a request for {@code key}, hashed as UTF-8. */
  public Assignment<P> acquire(CharSequence key) {
    HashRing<P> snapshot = ring.current();
    return acquire(snapshot, snapshot.hash(key));
  }

  /** Places a request whose key hash (see {@link HashRing#hash}) is {@code keyHash}. */
  public Assignment<P> acquire(long keyHash) {
    return acquire(ring.current(), keyHash);
  }

  private Assignment<P> acquire(HashRing<P> snapshot, long keyHash) {
    Node<P> primary = snapshot.route(keyHash);
    long m = total.incrementAndGet();
    double perWeight = (1 + epsilon) * m / snapshot.totalWeight();
    assigned.increment();
    if (tryTake(primary, perWeight)) {
      return new Assignment<>(this, primary, true);
    }
    List<Node<P>> order = snapshot.preferenceList(keyHash, snapshot.size());
    for (int i = 1; i < order.size(); i++) {
      if (tryTake(order.get(i), perWeight)) {
        spilled.increment();
        return new Assignment<>(this, order.get(i), false);
      }
    }
    // Only reachable when concurrent acquires raced past the sum of capacities: take the primary.
    counter(primary.id()).incrementAndGet();
    return new Assignment<>(this, primary, true);
  }

  private boolean tryTake(Node<P> node, double perWeight) {
    long cap = (long) Math.ceil(perWeight * node.weight());
    AtomicInteger count = counter(node.id());
    for (int c = count.get(); c < cap; c = count.get()) {
      if (count.compareAndSet(c, c + 1)) {
        return true;
      }
    }
    return false;
  }

  private AtomicInteger counter(String id) {
    AtomicInteger c = inFlight.get(id);
    return c != null ? c : inFlight.computeIfAbsent(id, k -> new AtomicInteger());
  }

  private void release(Node<P> node) {
    AtomicInteger count = counter(node.id());
    if (count.decrementAndGet() == 0 && ring.current().node(node.id()).isEmpty()) {
      inFlight.remove(node.id(), count);
    }
    total.decrementAndGet();
  }

  /** The slack over the mean this router allows. */
  public double epsilon() {
    return epsilon;
  }

  /** Requests in flight on node {@code id}. */
  public int inFlight(String id) {
    AtomicInteger c = inFlight.get(id);
    return c == null ? 0 : c.get();
  }

  /** Requests in flight on all nodes. */
  public long totalInFlight() {
    return total.get();
  }

  /** Requests placed since creation. */
  public long assignedCount() {
    return assigned.sum();
  }

  /** Requests placed on a node other than their primary because the primary was full. */
  public long spilledCount() {
    return spilled.sum();
  }

  /**
   * One request's place. Close it when the request finishes; closing twice releases once.
   * Thread-safe.
   */
  public static final class Assignment<P> implements AutoCloseable {
    private final BoundedLoadRouter<P> router;
    private final Node<P> node;
    private final boolean primary;

    /** 0 until closed, then 1; set once through {@link #RELEASED}. */
    @SuppressWarnings("unused")
    private volatile int released;

    private Assignment(BoundedLoadRouter<P> router, Node<P> node, boolean primary) {
      this.router = router;
      this.node = node;
      this.primary = primary;
    }

    /** The node the request goes to. */
    public Node<P> node() {
      return node;
    }

    /** Whether that node is the key's primary. */
    public boolean onPrimary() {
      return primary;
    }

    /** Releases the place. */
    @Override
    public void close() {
      if (RELEASED.compareAndSet(this, 0, 1)) {
        router.release(node);
      }
    }

    // A VarHandle on a field rather than an AtomicBoolean per request: one object less per call.
    private static final VarHandle RELEASED;

    static {
      try {
        RELEASED = MethodHandles.lookup().findVarHandle(Assignment.class, "released", int.class);
      } catch (ReflectiveOperationException e) {
        throw new ExceptionInInitializerError(e);
      }
    }
  }
}
