package dev.breakwater.spi;

import dev.breakwater.cache.CacheEntry;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Where cached values live: Caffeine in this process, Redis (with a Caffeine L1) for a fleet. Keys arrive already
 * scoped (version, tenant, user) by the engine.
 *
 * @param <V> the value type
 */
public interface CacheStore<V> {

  /** The entry for {@code key}, or {@code null}. */
  CacheEntry<V> get(String key);

  /** Stores an entry; it may be dropped once past its {@code staleUntil}. */
  void put(String key, CacheEntry<V> entry);

  /** Drops one key. */
  void invalidate(String key);

  /** Drops every key that starts with {@code prefix} (for example one tenant, or one version). */
  void invalidatePrefix(String prefix);

  /** The asynchronous form of {@link #get}. */
  default CompletionStage<CacheEntry<V>> getAsync(String key) {
    return CompletableFuture.completedFuture(get(key));
  }
}
