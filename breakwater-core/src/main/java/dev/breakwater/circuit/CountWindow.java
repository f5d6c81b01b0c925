package dev.breakwater.circuit;

import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The last N outcomes in a lock-free ring.
 *
 * <p>Each record claims a slot with one increment of a cursor and swaps its outcome in; the failure and slow counters
 * change only by the difference between the outcome swapped out and the one swapped in. In the steady state of a
 * healthy upstream a success replaces a success, so the hot path is two uncontended atomic operations and no
 * allocation. The counters always equal the ring's contents once concurrent records have landed. Once the ring is
 * full and holds no failure and no slow call, a success is not written at all (the ring would not change), so a
 * healthy upstream's calls only read shared state.
 */
final class CountWindow implements Window {
  private static final int SUCCESS = 1;
  private static final int FAILURE = 2;
  private static final int SLOW = 4;

  private final int size;
  private final int minimumCalls;
  private final double failureThreshold;
  private final double slowThreshold;
  private final AtomicIntegerArray ring;
  private final AtomicLong cursor = new AtomicLong();
  private final AtomicLong failures = new AtomicLong();
  private final AtomicLong slows = new AtomicLong();
  private volatile boolean full;

  CountWindow(CircuitBreakerConfig c) {
    this.size = c.windowSize();
    this.minimumCalls = Math.min(c.minimumCalls(), c.windowSize());
    this.failureThreshold = c.failureRateThreshold();
    this.slowThreshold = c.slowCallRateThreshold();
    this.ring = new AtomicIntegerArray(size);
  }

  @Override
  public boolean record(boolean failure, boolean slow) {
    if (!failure && !slow && full && failures.get() == 0 && slows.get() == 0) {
      // A full window of successes stays a full window of successes: writing would change nothing but would make
      // every core fight over the cursor's cache line. A failure racing with this skip is recorded by its own
      // thread; it is merely evicted one call later than in a strictly ordered history.
      return false;
    }
    int outcome = (failure ? FAILURE : SUCCESS) | (slow ? SLOW : 0);
    long i = cursor.getAndIncrement();
    if (!full && i + 1 >= size) {
      full = true;
    }
    int old = ring.getAndSet((int) (i % size), outcome);
    int df = ((outcome & FAILURE) >> 1) - ((old & FAILURE) >> 1);
    int ds = ((outcome & SLOW) >> 2) - ((old & SLOW) >> 2);
    long f = df == 0 ? -1 : failures.addAndGet(df);
    long s = ds == 0 ? -1 : slows.addAndGet(ds);
    if (df <= 0 && ds <= 0 && i + 1 != minimumCalls) {
      // A rate can only have risen if a failure or a slow call came in, or be judged for the first time now.
      return false;
    }
    long total = Math.min(i + 1, size);
    if (total < minimumCalls) {
      return false;
    }
    if (f < 0) {
      f = failures.get();
    }
    if (s < 0) {
      s = slows.get();
    }
    return f * 100.0 >= failureThreshold * total || s * 100.0 >= slowThreshold * total;
  }

  @Override
  public float failureRate() {
    return rate(failures.get());
  }

  @Override
  public float slowCallRate() {
    return rate(slows.get());
  }

  private float rate(long count) {
    long total = Math.min(cursor.get(), size);
    return total < minimumCalls ? -1f : (float) (count * 100.0 / total);
  }
}
