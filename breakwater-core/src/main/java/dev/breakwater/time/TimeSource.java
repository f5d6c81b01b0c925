package dev.breakwater.time;

import java.time.Duration;

/**
 * The clock and scheduler every time-based policy reads: {@link #system()} in production, a
 * {@link VirtualTimeSource} in tests so that time-based behaviour runs without sleeping.
 */
public interface TimeSource {

  /** A monotonic reading in nanoseconds, for durations. */
  long nanoTime();

  /** Wall-clock time in epoch milliseconds, for instants shared with other processes (Retry-After dates, gates). */
  long epochMillis();

  /** Runs {@code task} once after {@code delayNanos}; the task must not block. */
  Cancellable schedule(Runnable task, long delayNanos);

  /** Blocks the calling thread for {@code nanos}; only the synchronous API waits this way. */
  void sleep(long nanos) throws InterruptedException;

  /** Runs {@code task} once after {@code delay}. */
  default Cancellable schedule(Runnable task, Duration delay) {
    return schedule(task, delay.toNanos());
  }

  /** The real clock, with one shared daemon timer thread that hands tasks straight back to their owner. */
  static TimeSource system() {
    return SystemTimeSource.INSTANCE;
  }
}
