package dev.breakwater.cache;

import com.github.benmanes.caffeine.cache.Cache;
import dev.breakwater.internal.ExpiringCache;
import dev.breakwater.spi.CacheStore;
import dev.breakwater.spi.StoreKeys;
import dev.breakwater.time.TimeSource;

/**
 * A bounded in-process cache on Caffeine; each entry expires when it can no longer be served even stale.
 *
 * @param <V> the value type
 */
public final class CaffeineCacheStore<V> implements CacheStore<V> {
  private final TimeSource time;
  private final Cache<String, CacheEntry<V>> cache;

  /** Creates a cache of at most {@code maxEntries} entries. */
  public CaffeineCacheStore(TimeSource time, long maxEntries) {
    this.time = time;
    this.cache = ExpiringCache.build(time, maxEntries, this::remaining);
  }

  private long remaining(CacheEntry<V> e) {
    return Math.max(0, (e.staleUntil() - time.epochMillis()) * 1_000_000L);
  }

  @Override
  public CacheEntry<V> get(String key) {
    return cache.getIfPresent(key);
  }

  @Override
  public void put(String key, CacheEntry<V> entry) {
    cache.put(key, entry);
  }

  @Override
  public void invalidate(String key) {
    cache.invalidate(key);
  }

  @Override
  public long invalidatePrefix(String prefix) {
    return removeIf(k -> k.startsWith(prefix));
  }

  @Override
  public long invalidateWhere(String prefix, int part, String value) {
    return removeIf(k -> k.startsWith(prefix) && StoreKeys.partIs(k, part, value));
  }

  private long removeIf(java.util.function.Predicate<String> selected) {
    long[] removed = {0};
    cache.asMap().keySet().removeIf(k -> {
      boolean drop = selected.test(k);
      removed[0] += drop ? 1 : 0;
      return drop;
    });
    return removed[0];
  }

  /** The number of entries held (an estimate). */
  public long size() {
    return cache.estimatedSize();
  }
}
