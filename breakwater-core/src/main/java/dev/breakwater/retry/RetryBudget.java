package dev.breakwater.retry;

import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts first attempts and retries over a sliding window and allows a retry only while the window's retries stay
 * within {@link RetryBudgetConfig}.
 *
 * <p>Every call counts its first attempt, so that count is striped ({@link LongAdder}) and its bucket is found
 * through a cached slot: on the hot path a call reads one shared field and adds to a counter cell of its own. A
 * bucket spans one second; the window holds as many buckets as it has whole seconds. Retries are rare and counted
 * exactly.
 */
public final class RetryBudget {
  private static final long SECOND = 1_000_000_000L;

  private final RetryBudgetConfig config;
  private final int buckets;
  private final LongAdder[] firsts;
  private final AtomicLongArray retries;
  private final AtomicLongArray bucketOf;
  private volatile Slot current = new Slot(Long.MIN_VALUE, 0);

  /** Creates a budget; callers pass the current time of their own time source to every method. */
  public RetryBudget(RetryBudgetConfig config) {
    this.config = config;
    this.buckets = (int) Math.max(1, config.window().toSeconds());
    this.firsts = new LongAdder[buckets];
    this.retries = new AtomicLongArray(buckets);
    this.bucketOf = new AtomicLongArray(buckets);
    for (int i = 0; i < buckets; i++) {
      firsts[i] = new LongAdder();
      bucketOf.set(i, Long.MIN_VALUE);
    }
  }

  /** The budget's config. */
  public RetryBudgetConfig config() {
    return config;
  }

  /** Counts a first attempt made at {@code nowNanos} (of the engine's time source); it earns {@code ratio} retries. */
  public void onFirstAttempt(long nowNanos) {
    firsts[slot(Math.floorDiv(nowNanos, SECOND)).index].increment();
  }

  /** Takes one retry at {@code nowNanos} from the budget if the window allows it. */
  public boolean tryRetry(long nowNanos) {
    long bucket = Math.floorDiv(nowNanos, SECOND);
    int b = slot(bucket).index;
    long first = 0;
    long retried = 0;
    for (int i = 0; i < buckets; i++) {
      long s = bucketOf.get(i);
      if (s != Long.MIN_VALUE && bucket - s < buckets) {
        first += firsts[i].sum();
        retried += retries.get(i);
      }
    }
    double allowed = Math.max(config.ratio() * first, (double) config.minRetriesPerSecond() * buckets);
    if (retried + 1 > allowed) {
      return false;
    }
    retries.incrementAndGet(b);
    return true;
  }

  private Slot slot(long bucket) {
    Slot s = current;
    return s.bucket == bucket ? s : roll(bucket);
  }

  /** Moves to a new bucket, clearing it if it still holds an older one; at most once a bucket span per budget. */
  private synchronized Slot roll(long bucket) {
    Slot s = current;
    if (s.bucket == bucket) {
      return s;
    }
    int index = (int) Math.floorMod(bucket, (long) buckets);
    if (bucketOf.get(index) != bucket) {
      // A count racing with this reset may be lost; the budget is an estimate and errs by a call or so.
      firsts[index].reset();
      retries.set(index, 0);
      bucketOf.set(index, bucket);
    }
    Slot next = new Slot(bucket, index);
    if (bucket > s.bucket) {
      current = next;
    }
    return next;
  }

  /** The bucket a point in time falls in, with its index. */
  private static final class Slot {
    final long bucket;
    final int index;

    Slot(long bucket, int index) {
      this.bucket = bucket;
      this.index = index;
    }
  }
}
