package dev.breakwater.internal;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Atomics written on every call by every thread (a bulkhead's permit count, a global rate limit's bucket), padded so
 * that no other hot field shares their cache line: without it, threads on different cores that only read a
 * neighbouring field (a healthy breaker's counters) would miss the cache on every call.
 */
public final class Padded {
  private Padded() {}

  /** An {@link AtomicLong} followed by a cache line of padding. */
  @SuppressWarnings("unused")
  public static final class Long extends AtomicLong {
    private static final long serialVersionUID = 1L;
    private long p1, p2, p3, p4, p5, p6, p7, p8;

    /** Creates a padded atomic long holding {@code initial}. */
    public Long(long initial) {
      super(initial);
    }
  }

  /** An {@link AtomicInteger} followed by a cache line of padding. */
  @SuppressWarnings("unused")
  public static final class Int extends AtomicInteger {
    private static final long serialVersionUID = 1L;
    private long p1, p2, p3, p4, p5, p6, p7, p8;

    /** Creates a padded atomic int holding {@code initial}. */
    public Int(int initial) {
      super(initial);
    }
  }
}
