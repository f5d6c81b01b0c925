package dev.breakwater.ratelimit;

import dev.breakwater.event.Events;
import dev.breakwater.internal.KeyedRegistry;
import dev.breakwater.internal.Padded;
import dev.breakwater.spi.RateLimitStore;
import dev.breakwater.time.TimeSource;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Rate limits decided in this process by GCRA: each bucket is one theoretical arrival time (TAT) changed by
 * compare-and-set, so an admission is one CAS and no allocation. Buckets live in one bounded registry per limit;
 * an evicted bucket was idle, so it would have been full anyway and forgetting it loses nothing.
 *
 * <p>Several limits are decided all-or-none by consuming in order and undoing what was consumed when a later limit
 * denies. A concurrent caller may see the briefly consumed tokens and be denied: the error is always towards
 * admitting less, never more.
 */
public final class InMemoryRateLimitStore implements RateLimitStore {
  private final TimeSource time;
  private final long capacity;
  private final Duration idle;
  private final Events events;
  private final ConcurrentHashMap<String, KeyedRegistry<AtomicLong>> buckets = new ConcurrentHashMap<>();
  // A GLOBAL limit has one bucket: it needs no registry (and no idle-expiry clock read on every look-up).
  private final ConcurrentHashMap<String, AtomicLong> globals = new ConcurrentHashMap<>();

  /** Creates a store holding at most {@code capacity} buckets per limit, each forgotten after {@code idle}. */
  public InMemoryRateLimitStore(TimeSource time, long capacity, Duration idle, Events events) {
    this.time = time;
    this.capacity = capacity;
    this.idle = idle;
    this.events = events;
  }

  @Override
  public RateLimitDecision tryAcquire(RateLimitConfig limit, String key, int cost) {
    return tryAcquire(limit, key, cost, time.nanoTime());
  }

  @Override
  public RateLimitDecision tryAcquire(RateLimitConfig limit, String key, int cost, long nowNanos) {
    long wait = consume(limit, bucket(limit, key), cost, nowNanos);
    return wait == 0 ? RateLimitDecision.allowed() : RateLimitDecision.denied(limit.name(), wait);
  }

  @Override
  public RateLimitDecision tryAcquireAll(List<RateLimitConfig> limits, List<String> keys, int cost) {
    if (limits.size() == 1) {
      return tryAcquire(limits.get(0), keys.get(0), cost);
    }
    long now = time.nanoTime();
    for (int i = 0; i < limits.size(); i++) {
      RateLimitConfig limit = limits.get(i);
      long wait = consume(limit, bucket(limit, keys.get(i)), cost, now);
      if (wait != 0) {
        for (int j = 0; j < i; j++) {
          refund(limits.get(j), bucket(limits.get(j), keys.get(j)), cost);
        }
        return RateLimitDecision.denied(limit.name(), wait);
      }
    }
    return RateLimitDecision.allowed();
  }

  @Override
  public RateLimitQuota peek(RateLimitConfig limit, String key) {
    AtomicLong tat;
    if (limit.scope() == RateLimitScope.GLOBAL) {
      tat = globals.get(limit.name());
    } else {
      KeyedRegistry<AtomicLong> r = buckets.get(limit.name());
      tat = r == null ? null : r.getIfPresent(key);
    }
    long now = time.nanoTime();
    long t = tat == null ? Long.MIN_VALUE : tat.get();
    if (t == Long.MIN_VALUE || t <= now) {
      return new RateLimitQuota(limit.burst(), 0);
    }
    long interval = limit.emissionIntervalNanos();
    long used = (t - now + interval - 1) / interval;
    return new RateLimitQuota(Math.max(0, limit.burst() - used), (t - now + 999_999_999L) / 1_000_000_000L);
  }

  /** The registry of a limit's buckets, for inspection (size, evictions). */
  public KeyedRegistry<AtomicLong> registry(RateLimitConfig limit) {
    return buckets.computeIfAbsent(limit.name(), n -> new KeyedRegistry<>("ratelimit:" + n, capacity, idle,
        k -> new AtomicLong(Long.MIN_VALUE), time, events));
  }

  private AtomicLong bucket(RateLimitConfig limit, String key) {
    if (limit.scope() == RateLimitScope.GLOBAL) {
      AtomicLong g = globals.get(limit.name());
      return g != null ? g : globals.computeIfAbsent(limit.name(), n -> new Padded.Long(Long.MIN_VALUE));
    }
    KeyedRegistry<AtomicLong> r = buckets.get(limit.name());
    return (r != null ? r : registry(limit)).get(key);
  }

  /** Consumes {@code cost} tokens; returns 0 when admitted, else the nanoseconds to wait, or -1 for never. */
  static long consume(RateLimitConfig limit, AtomicLong tat, int cost, long now) {
    long interval = limit.emissionIntervalNanos();
    long tolerance = interval * limit.burst();
    long increment = interval * cost;
    if (increment > tolerance) {
      return -1;
    }
    while (true) {
      long t = tat.get();
      long base = t == Long.MIN_VALUE || t < now ? now : t;
      long next = base + increment;
      long over = next - now - tolerance;
      if (over > 0) {
        return over;
      }
      if (tat.compareAndSet(t, next)) {
        return 0;
      }
    }
  }

  private static void refund(RateLimitConfig limit, AtomicLong tat, int cost) {
    tat.addAndGet(-limit.emissionIntervalNanos() * cost);
  }
}
