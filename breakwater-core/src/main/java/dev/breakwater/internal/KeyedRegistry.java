package dev.breakwater.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.breakwater.event.Events;
import dev.breakwater.time.TimeSource;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Per-key policy instances (per tenant, user, upstream) in a bounded map that evicts idle keys and, past its
 * capacity, the least valuable ones, so that a flood of distinct keys cannot exhaust memory. Evictions are counted
 * and reported; crossing 90 % of the capacity is logged and reported once until the size falls back below 80 %.
 */
public final class KeyedRegistry<V> {
  private static final Logger LOG = LoggerFactory.getLogger(KeyedRegistry.class);

  private final String name;
  private final long capacity;
  private final Cache<String, V> cache;
  private final Function<String, V> factory;
  private final Events events;
  private final LongAdder evictions = new LongAdder();
  private final AtomicBoolean nearCapacity = new AtomicBoolean();

  /** Creates a registry of at most {@code capacity} keys, each dropped after {@code idle} without use. */
  public KeyedRegistry(String name, long capacity, Duration idle, Function<String, V> factory, TimeSource time,
      Events events) {
    this.name = name;
    this.capacity = capacity;
    this.factory = factory;
    this.events = events;
    this.cache = Caffeine.newBuilder()
        .maximumSize(capacity)
        .expireAfterAccess(idle)
        .ticker(time::nanoTime)
        // Maintenance on the caller's thread: no hidden pool, and virtual time sees evictions when it moves.
        .executor(Runnable::run)
        .<String, V>removalListener((k, v, cause) -> {
          if (cause.wasEvicted()) {
            evictions.increment();
            if (events.active()) {
              events.emit(l -> l.onRegistryEviction(name, 1));
            }
          }
        })
        .build();
  }

  /** The instance for {@code key}, created on first use. */
  public V get(String key) {
    V v = cache.getIfPresent(key);
    if (v != null) {
      return v;
    }
    v = cache.get(key, factory);
    checkCapacity();
    return v;
  }

  /** The instance for {@code key} if one exists, without creating it. */
  public V getIfPresent(String key) {
    return cache.getIfPresent(key);
  }

  /** Sets the instance for {@code key}. */
  public void put(String key, V value) {
    cache.put(key, value);
    checkCapacity();
  }

  /** Drops the instance for {@code key}. */
  public void remove(String key) {
    cache.invalidate(key);
  }

  /** The registry's name. */
  public String name() {
    return name;
  }

  /** The number of keys held now (an estimate under concurrent change). */
  public long size() {
    return cache.estimatedSize();
  }

  /** The key capacity. */
  public long capacity() {
    return capacity;
  }

  /** Keys evicted so far, for idleness or capacity. */
  public long evictions() {
    return evictions.sum();
  }

  /** Runs pending evictions now (they otherwise run as a side effect of use). */
  public void cleanUp() {
    cache.cleanUp();
  }

  /** A live read-only view of the keys and instances, for admin listings. */
  public Map<String, V> view() {
    return java.util.Collections.unmodifiableMap(cache.asMap());
  }

  private void checkCapacity() {
    long size = cache.estimatedSize();
    if (size * 10 >= capacity * 9) {
      if (nearCapacity.compareAndSet(false, true)) {
        LOG.warn("registry {} holds {} of {} keys (>= 90 %); idle keys are evicted, busy ones will be next",
            name, size, capacity);
        if (events.active()) {
          events.emit(l -> l.onRegistryNearCapacity(name, size, capacity));
        }
      }
    } else if (size * 10 < capacity * 8) {
      nearCapacity.set(false);
    }
  }
}
