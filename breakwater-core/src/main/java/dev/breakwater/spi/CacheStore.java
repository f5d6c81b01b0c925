package dev.breakwater.spi;

import dev.breakwater.cache.CacheEntry;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Where cached values live: Caffeine in this process, Redis (with a Caffeine L1) for a fleet. Keys arrive already
 * scoped by the engine: {@link StoreKeys} encodings of (version, tenant, operation, scope, user, credential digest,
 * resource), see {@link dev.breakwater.cache.CacheKeys}.
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
   * Drops every key that starts with {@code prefix}: with a prefix built by {@link StoreKeys} from leading parts (a
   * version; a version and tenant; and operation...), exactly the keys whose leading parts those are. Returns how many
   * keys were removed (for a store with a shared level, from that level; an estimate where it cannot tell).
   */
  long invalidatePrefix(String prefix);

  /**
   * Drops every key that starts with {@code prefix} and whose part {@code part} ({@link StoreKeys#part}, from 0) is
   * {@code value}, for selections that are not a prefix (one operation of every tenant). Returns how many keys were
   * removed, as {@link #invalidatePrefix}.
   */
  long invalidateWhere(String prefix, int part, String value);

  /** The asynchronous form of {@link #get}. */
  default CompletionStage<CacheEntry<V>> getAsync(String key) {
    return CompletableFuture.completedFuture(get(key));
  }

  /** The asynchronous form of {@link #invalidatePrefix}, for callers on an event loop. */
  default CompletionStage<Long> invalidatePrefixAsync(String prefix) {
    return CompletableFuture.completedFuture(invalidatePrefix(prefix));
  }

  /** The asynchronous form of {@link #invalidateWhere}, for callers on an event loop. */
  default CompletionStage<Long> invalidateWhereAsync(String prefix, int part, String value) {
    return CompletableFuture.completedFuture(invalidateWhere(prefix, part, value));
  }
}
