package dev.breakwater.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import dev.breakwater.time.TimeSource;
import java.util.function.ToLongFunction;

/** Builds the bounded Caffeine maps whose entries each expire at their own instant, on the engine's clock. */
public final class ExpiringCache {
  private ExpiringCache() {}

  /**
   * A cache of at most {@code maxEntries} whose entries expire {@code remainingNanos(value)} after they are written;
   * reads do not extend them.
   */
  public static <V> Cache<String, V> build(TimeSource time, long maxEntries, ToLongFunction<V> remainingNanos) {
    return Caffeine.newBuilder()
        .maximumSize(maxEntries)
        .ticker(time::nanoTime)
        // Maintenance on the caller's thread: no hidden pool, and virtual time sees expiry when it moves.
        .executor(Runnable::run)
        .expireAfter(new Expiry<String, V>() {
          @Override
          public long expireAfterCreate(String key, V value, long now) {
            return Math.max(0, remainingNanos.applyAsLong(value));
          }

          @Override
          public long expireAfterUpdate(String key, V value, long now, long current) {
            return Math.max(0, remainingNanos.applyAsLong(value));
          }

          @Override
          public long expireAfterRead(String key, V value, long now, long current) {
            return current;
          }
        })
        .build();
  }
}
