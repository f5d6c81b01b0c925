package dev.breakwater.circuit;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The absolute rule "N failures within T": a lock-free ring of the last N failure instants. A failure opens the
 * breaker when the failure N-1 places before it happened at most T earlier. Only failures touch the ring, so a
 * success costs nothing, and a failure is two atomic writes and no allocation.
 */
final class FailureCount {
  private final int count;
  private final long windowNanos;
  private final AtomicLongArray instants;
  private final AtomicLong cursor = new AtomicLong();

  private FailureCount(int count, long windowNanos) {
    this.count = count;
    this.windowNanos = windowNanos;
    this.instants = new AtomicLongArray(count);
  }

  /** The rule of {@code c}, or null when it is off. */
  static FailureCount create(CircuitBreakerConfig c) {
    return c.countsFailures() ? new FailureCount(c.failureCount(), c.failureCountWindow().toNanos()) : null;
  }

  /** Records a failure at {@code nowNanos}; returns whether N failures now fall within T. */
  boolean record(long nowNanos) {
    long i = cursor.getAndIncrement();
    instants.set((int) (i % count), nowNanos);
    if (i + 1 < count) {
      return false;
    }
    // The slot after ours holds the failure N-1 places back. A racing failure may have overwritten it with a newer
    // instant, which can only open the breaker a failure early among failures that arrive together.
    long oldest = instants.get((int) ((i + 1) % count));
    return nowNanos - oldest <= windowNanos;
  }

  /** How the rule reads in a transition reason. */
  String describe(CircuitBreakerConfig c) {
    return c.failureCount() + " failure(s) within " + c.failureCountWindow();
  }
}
