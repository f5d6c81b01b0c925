package dev.breakwater.throttle;

import dev.breakwater.event.Events;
import dev.breakwater.internal.KeyedRegistry;
import dev.breakwater.spi.ThrottleGateStore;
import dev.breakwater.time.TimeSource;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Throttle gates in this process: one bounded registry of tenants per upstream, so the per-call check is two map
 * reads and no allocation. Only closed gates are stored; an open gate is the absence of an entry.
 */
public final class InMemoryThrottleGateStore implements ThrottleGateStore {
  private final TimeSource time;
  private final long capacity;
  private final Events events;
  private final ConcurrentHashMap<String, KeyedRegistry<AtomicLong>> gates = new ConcurrentHashMap<>();

  /** Creates a store holding at most {@code capacity} closed gates per upstream. */
  public InMemoryThrottleGateStore(TimeSource time, long capacity, Events events) {
    this.time = time;
    this.capacity = capacity;
    this.events = events;
  }

  @Override
  public long closedUntil(String upstream, String tenant) {
    KeyedRegistry<AtomicLong> r = gates.get(upstream);
    if (r == null) {
      return 0;
    }
    AtomicLong until = r.getIfPresent(tenant);
    return until == null ? 0 : until.get();
  }

  @Override
  public void close(String upstream, String tenant, long untilEpochMillis) {
    // Entries outlive no throttle window by much: Retry-After is clamped to a day, idle entries go after that.
    KeyedRegistry<AtomicLong> r = gates.computeIfAbsent(upstream, u -> new KeyedRegistry<>("throttle:" + u,
        capacity, Duration.ofDays(1), k -> new AtomicLong(), time, events));
    r.get(tenant).accumulateAndGet(untilEpochMillis, Math::max);
  }

  /** The closed gates of an upstream (tenant to epoch millis), for admin listings; some may have reopened. */
  @Override
  public Map<String, Long> closedGates(String upstream) {
    KeyedRegistry<AtomicLong> r = gates.get(upstream);
    Map<String, Long> out = new java.util.TreeMap<>();
    if (r != null) {
      long now = time.epochMillis();
      r.view().forEach((k, v) -> {
        if (v.get() > now) {
          out.put(k, v.get());
        }
      });
    }
    return out;
  }
}
