package dev.breakwater.redis.internal;

import dev.breakwater.cache.CacheEntry;
import dev.breakwater.cache.CaffeineCacheStore;
import dev.breakwater.redis.ValueCodec;
import dev.breakwater.spi.CacheStore;
import dev.breakwater.spi.StoreKeys;
import dev.breakwater.time.TimeSource;
import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.SetArgs;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A two-level cache: Caffeine in the process (L1) in front of Redis (L2). Values larger than the configured bound stay
 * in L1 only. Invalidation drops the key (or every key of a prefix, by batched SCAN + UNLINK until the scan is
 * exhausted, optionally only the keys with a given part) from Redis and publishes it, so that every instance drops its
 * L1 copy. When Redis is unreachable the cache is L1 only.
 *
 * @param <V> the value type
 */
public final class RedisCacheStore<V> implements CacheStore<V> {
  private static final Logger LOG = LoggerFactory.getLogger(RedisCacheStore.class);
  private static final int HEADER = 16;

  private final RedisConnector redis;
  private final RedisGuard guard;
  private final CaffeineCacheStore<V> l1;
  private final ValueCodec<V> codec;
  private final TimeSource time;
  private final int maxValueBytes;
  private final String keyPrefix;
  private final String channel;

  /** Creates the store and subscribes to the fleet's invalidation channel. */
  public RedisCacheStore(RedisConnector redis, RedisGuard guard, CaffeineCacheStore<V> l1, ValueCodec<V> codec,
      TimeSource time, int maxValueBytes, String name) {
    this.redis = redis;
    this.guard = guard;
    this.l1 = l1;
    this.codec = codec;
    this.time = time;
    this.maxValueBytes = maxValueBytes;
    this.keyPrefix = redis.prefix() + ":cache:" + name + ":";
    this.channel = redis.prefix() + ":cache-invalidate:" + name;
    redis.subscribe((ch, message) -> onInvalidation(message), channel);
  }

  @Override
  public CacheEntry<V> get(String key) {
    return getAsync(key).toCompletableFuture().join();
  }

  @Override
  public CompletionStage<CacheEntry<V>> getAsync(String key) {
    CacheEntry<V> e = l1.get(key);
    if (e != null) {
      return CompletableFuture.completedFuture(e);
    }
    return guard.call(() -> redis.commands().get(keyPrefix + key).toCompletableFuture().thenApply(bytes -> {
      CacheEntry<V> entry = decode(bytes, codec);
      if (entry != null) {
        l1.put(key, entry);
      }
      return entry;
    }), () -> null);
  }

  /** A record as {@link #put} writes it (fresh-until, stale-until, payload), or null when there is none. */
  static <V> CacheEntry<V> decode(byte[] bytes, ValueCodec<V> codec) {
    if (bytes == null || bytes.length < HEADER) {
      return null;
    }
    ByteBuffer b = ByteBuffer.wrap(bytes);
    long fresh = b.getLong();
    long stale = b.getLong();
    byte[] payload = new byte[bytes.length - HEADER];
    b.get(payload);
    return new CacheEntry<>(codec.decode(payload), fresh, stale);
  }

  @Override
  public void put(String key, CacheEntry<V> entry) {
    l1.put(key, entry);
    long ttl = entry.staleUntil() - time.epochMillis();
    if (ttl <= 0) {
      return;
    }
    byte[] payload = codec.encode(entry.value());
    if (payload.length > maxValueBytes) {
      return; // too large to share; L1 keeps it
    }
    byte[] record = ByteBuffer.allocate(HEADER + payload.length).putLong(entry.freshUntil())
        .putLong(entry.staleUntil()).put(payload).array();
    guard.fireAndForget(() -> redis.commands().set(keyPrefix + key, record, SetArgs.Builder.px(ttl))
        .toCompletableFuture(), "cache put");
  }

  @Override
  public void invalidate(String key) {
    l1.invalidate(key);
    guard.fireAndForget(() -> redis.commands().unlink(keyPrefix + key).toCompletableFuture()
        .thenCompose(n -> publish("k" + key)), "cache invalidate");
  }

  @Override
  public long invalidatePrefix(String prefix) {
    return invalidatePrefixAsync(prefix).toCompletableFuture().join();
  }

  @Override
  public long invalidateWhere(String prefix, int part, String value) {
    return invalidateWhereAsync(prefix, part, value).toCompletableFuture().join();
  }

  /**
   * Drops every key starting with {@code prefix} everywhere; completes with the number of Redis keys removed (with
   * Redis unreachable, the number of this instance's L1 entries removed).
   */
  @Override
  public CompletionStage<Long> invalidatePrefixAsync(String prefix) {
    long local = l1.invalidatePrefix(prefix);
    return unlinkMatching(prefix, k -> true, "p" + prefix, local);
  }

  /** Drops every key starting with {@code prefix} whose part {@code part} is {@code value}, everywhere. */
  @Override
  public CompletionStage<Long> invalidateWhereAsync(String prefix, int part, String value) {
    long local = l1.invalidateWhere(prefix, part, value);
    // The message names prefix, part and value as one store key, so that no value can be read as another's.
    String message = "w" + StoreKeys.of(prefix, Integer.toString(part), value);
    int skip = keyPrefix.length();
    return unlinkMatching(prefix, k -> StoreKeys.partIs(k.substring(skip), part, value), message, local);
  }

  private CompletionStage<Long> unlinkMatching(String prefix, Predicate<String> selected, String message,
      long local) {
    ScanArgs args = ScanArgs.Builder.matches(Keys.globEscape(keyPrefix + prefix) + "*").limit(500);
    return guard.call(() -> CompletableFuture.supplyAsync(() -> unlinkAll(ScanCursor.INITIAL, args, selected, 0L),
        redis.worker()).thenCompose(f -> f).thenCompose(n -> publish(message).thenApply(x -> n)), () -> local);
  }

  private CompletableFuture<Long> unlinkAll(ScanCursor cursor, ScanArgs args, Predicate<String> selected,
      long removed) {
    return redis.commands().scan(cursor, args).toCompletableFuture().thenComposeAsync((KeyScanCursor<String> c) -> {
      String[] keys = c.getKeys().stream().filter(selected).toArray(String[]::new);
      CompletableFuture<Long> batch = keys.length == 0 ? CompletableFuture.completedFuture(0L)
          : redis.commands().unlink(keys).toCompletableFuture();
      return batch.thenComposeAsync(n -> c.isFinished() ? CompletableFuture.completedFuture(removed + n)
          : unlinkAll(c, args, selected, removed + n), redis.worker());
    }, redis.worker());
  }

  private CompletableFuture<Long> publish(String message) {
    return redis.commands().publish(channel, message.getBytes(StandardCharsets.UTF_8)).toCompletableFuture();
  }

  private void onInvalidation(byte[] message) {
    String m = new String(message, StandardCharsets.UTF_8);
    if (m.isEmpty()) {
      LOG.warn("ignored an empty cache invalidation on {}", channel);
    } else if (m.charAt(0) == 'k') {
      l1.invalidate(m.substring(1));
    } else if (m.charAt(0) == 'p') {
      l1.invalidatePrefix(m.substring(1));
    } else if (m.charAt(0) == 'w') {
      try {
        java.util.List<String> p = StoreKeys.parts(m.substring(1));
        l1.invalidateWhere(p.get(0), Integer.parseInt(p.get(1)), p.get(2));
      } catch (RuntimeException e) {
        LOG.warn("ignored a malformed cache invalidation on {}", channel);
      }
    }
  }
}
