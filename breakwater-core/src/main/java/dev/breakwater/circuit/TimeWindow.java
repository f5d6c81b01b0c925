package dev.breakwater.circuit;

/**
 * The outcomes of the last N seconds in one bucket per second. Guarded by its monitor: a time-based window must
 * roll buckets over together with the totals, and the section is a handful of array writes.
 */
final class TimeWindow implements Window {
  private static final long SECOND = 1_000_000_000L;

  private final int size;
  private final int minimumCalls;
  private final double failureThreshold;
  private final double slowThreshold;
  private final long[] bucketSecond;
  private final int[] calls;
  private final int[] failures;
  private final int[] slows;
  private long totalCalls;
  private long totalFailures;
  private long totalSlows;

  private final dev.breakwater.time.TimeSource time;

  TimeWindow(CircuitBreakerConfig c, dev.breakwater.time.TimeSource time) {
    this.time = time;
    this.size = c.windowSize();
    this.minimumCalls = c.minimumCalls();
    this.failureThreshold = c.failureRateThreshold();
    this.slowThreshold = c.slowCallRateThreshold();
    this.bucketSecond = new long[size];
    this.calls = new int[size];
    this.failures = new int[size];
    this.slows = new int[size];
    java.util.Arrays.fill(bucketSecond, Long.MIN_VALUE);
  }

  @Override
  public synchronized boolean record(boolean failure, boolean slow) {
    int b = roll(time.nanoTime());
    calls[b]++;
    totalCalls++;
    if (failure) {
      failures[b]++;
      totalFailures++;
    }
    if (slow) {
      slows[b]++;
      totalSlows++;
    }
    // No short cut for a success: the call that reaches minimumCalls, or buckets rolling out, can raise a rate.
    if (totalCalls < minimumCalls) {
      return false;
    }
    return totalFailures * 100.0 >= failureThreshold * totalCalls || totalSlows * 100.0 >= slowThreshold * totalCalls;
  }

  @Override
  public synchronized float failureRate() {
    roll(time.nanoTime());
    return totalCalls < minimumCalls ? -1f : (float) (totalFailures * 100.0 / totalCalls);
  }

  @Override
  public synchronized float slowCallRate() {
    roll(time.nanoTime());
    return totalCalls < minimumCalls ? -1f : (float) (totalSlows * 100.0 / totalCalls);
  }

  /** Empties every bucket older than the window and returns the bucket of the current second. */
  private int roll(long nowNanos) {
    long second = Math.floorDiv(nowNanos, SECOND);
    for (int i = 0; i < size; i++) {
      if (bucketSecond[i] != Long.MIN_VALUE && second - bucketSecond[i] >= size) {
        evict(i);
      }
    }
    int b = (int) Math.floorMod(second, (long) size);
    if (bucketSecond[b] != second) {
      evict(b);
      bucketSecond[b] = second;
    }
    return b;
  }

  private void evict(int i) {
    totalCalls -= calls[i];
    totalFailures -= failures[i];
    totalSlows -= slows[i];
    calls[i] = 0;
    failures[i] = 0;
    slows[i] = 0;
    bucketSecond[i] = Long.MIN_VALUE;
  }
}
