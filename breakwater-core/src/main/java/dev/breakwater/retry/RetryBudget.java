package dev.breakwater.retry;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Counts first attempts and retries in one-second buckets over a sliding window and allows a retry only while the
 * window's retries stay within {@link RetryBudgetConfig}. Lock-free: each bucket packs its second, its first attempts
 * and its retries so that a bucket rolls over by compare-and-set.
 */
public final class RetryBudget {
  private static final long SECOND = 1_000_000_000L;

  private final RetryBudgetConfig config;
  private final int buckets;
  // Three longs per bucket: the second it counts, first attempts, retries.
  private final AtomicLongArray cells;

  /** Creates a budget; callers pass the current time of their own time source to every method. */
  public RetryBudget(RetryBudgetConfig config) {
    this.config = config;
    this.buckets = (int) Math.max(1, config.window().toSeconds());
    this.cells = new AtomicLongArray(buckets * 3);
    for (int i = 0; i < buckets; i++) {
      cells.set(i * 3, Long.MIN_VALUE);
    }
  }

  /** Counts a first attempt made at {@code nowNanos} (of the engine's time source); it earns {@code ratio} retries. */
  public void onFirstAttempt(long nowNanos) {
    int b = bucket(Math.floorDiv(nowNanos, SECOND));
    cells.incrementAndGet(b * 3 + 1);
  }

  /** Takes one retry at {@code nowNanos} from the budget if the window allows it. */
  public boolean tryRetry(long nowNanos) {
    long second = Math.floorDiv(nowNanos, SECOND);
    int b = bucket(second);
    long firsts = 0;
    long retries = 0;
    for (int i = 0; i < buckets; i++) {
      long s = cells.get(i * 3);
      if (s != Long.MIN_VALUE && second - s < buckets) {
        firsts += cells.get(i * 3 + 1);
        retries += cells.get(i * 3 + 2);
      }
    }
    double allowed = Math.max(config.ratio() * firsts, (double) config.minRetriesPerSecond() * buckets);
    if (retries + 1 > allowed) {
      return false;
    }
    cells.incrementAndGet(b * 3 + 2);
    return true;
  }

  /** Returns the index of the bucket for {@code second}, clearing it first if it holds an older second. */
  private int bucket(long second) {
    int b = (int) Math.floorMod(second, (long) buckets);
    long s = cells.get(b * 3);
    if (s != second && cells.compareAndSet(b * 3, s, second)) {
      // A count racing with this reset may be lost; the budget is an estimate and errs by one call at most.
      cells.set(b * 3 + 1, 0);
      cells.set(b * 3 + 2, 0);
    }
    return b;
  }
}
