package dev.breakwater.redis.internal;

import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import java.util.concurrent.CompletableFuture;
import java.util.function.ObjLongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reloads state that lives in expiring keys under one prefix (open throttle gates, open breakers): {@code SCAN MATCH}
 * in batches of 500, then each key's {@code PTTL}. Messages published while an instance was away are lost, so this is
 * how it catches up after a reconnect.
 */
final class KeyScan {
  private static final Logger LOG = LoggerFactory.getLogger(KeyScan.class);

  private KeyScan() {}

  /**
   * Calls {@code onKey} for every key {@code prefix + {tag} + store key} that still has time to live, with the store
   * key and that time in milliseconds; completes with how many keys were scanned (a failure is logged, naming
   * {@code what}).
   */
  static CompletableFuture<Integer> live(RedisConnector redis, String prefix, String what,
      ObjLongConsumer<String> onKey) {
    return CompletableFuture.supplyAsync(() -> scan(redis, prefix, what, onKey, ScanCursor.INITIAL, 0),
        redis.worker()).thenCompose(f -> f);
  }

  private static CompletableFuture<Integer> scan(RedisConnector redis, String prefix, String what,
      ObjLongConsumer<String> onKey, ScanCursor cursor, int loaded) {
    ScanArgs args = ScanArgs.Builder.matches(Keys.globEscape(prefix) + "*").limit(500);
    return redis.commands().scan(cursor, args).toCompletableFuture().thenComposeAsync((KeyScanCursor<String> c) -> {
      CompletableFuture<?>[] reads = c.getKeys().stream().map(k -> redis.commands().pttl(k).toCompletableFuture()
          .thenAccept(ttl -> {
            if (ttl != null && ttl > 0) {
              // The tag escapes braces, so its '}' is the first one after the prefix; the store key follows it.
              onKey.accept(k.substring(k.indexOf('}', prefix.length()) + 1), ttl);
            }
          })).toArray(CompletableFuture[]::new);
      int n = loaded + reads.length;
      return CompletableFuture.allOf(reads).thenComposeAsync(x -> c.isFinished()
          ? CompletableFuture.completedFuture(n) : scan(redis, prefix, what, onKey, c, n), redis.worker());
    }, redis.worker()).exceptionally(e -> {
      LOG.warn("could not reload {} from redis: {}", what, e.toString());
      return loaded;
    });
  }
}
