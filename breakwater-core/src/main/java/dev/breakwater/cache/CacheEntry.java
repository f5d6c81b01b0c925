package dev.breakwater.cache;

/**
 * A cached value with the instants (epoch milliseconds) until which it is fresh and until which it may still be
 * served stale when the upstream fails.
 *
 * @param value      the value
 * @param freshUntil fresh until this instant
 * @param staleUntil servable on upstream failure until this instant
 * @param <V>        the value type
 */
public record CacheEntry<V>(V value, long freshUntil, long staleUntil) {

  /** Whether the entry is fresh at {@code nowEpochMillis}. */
  public boolean freshAt(long nowEpochMillis) {
    return nowEpochMillis < freshUntil;
  }

  /** Whether the entry may be served stale at {@code nowEpochMillis}. */
  public boolean servableStaleAt(long nowEpochMillis) {
    return nowEpochMillis < staleUntil;
  }
}
