package dev.breakwater.spi;

import dev.breakwater.cache.CacheEntry;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Where cached values live: Caffeine in this process, Redis (with a Caffeine L1) for a fleet. Keys arrive already
 * scoped by the engine: {@link StoreKeys} encodings of (version, tenant, user, operation, resource).
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

  /**
   * Drops every key that starts with {@code prefix}: with a prefix built by {@link StoreKeys} from leading parts (one
   * version, or one version and tenant), exactly the keys whose leading parts those are.
   */
  void invalidatePrefix(String prefix);

  /** The asynchronous form of {@link #get}. */
  default CompletionStage<CacheEntry<V>> getAsync(String key) {
    return CompletableFuture.completedFuture(get(key));
  }
}
