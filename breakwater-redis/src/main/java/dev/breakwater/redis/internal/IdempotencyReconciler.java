package dev.breakwater.redis.internal;

import dev.breakwater.time.TimeSource;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Idempotency records this instance decided on local state while Redis could not answer, written to Redis when it
 * returns: without that, a key first seen during the outage would run again on another instance afterwards. A
 * completed record is written with its remaining ttl; one still in flight is written when its call completes (its
 * completion then reaches Redis, or is held here again). Held records are bounded; the oldest are not dropped, new
 * ones are (and counted) once the bound is reached.
 */
final class IdempotencyReconciler {
  private static final Logger LOG = LoggerFactory.getLogger("dev.breakwater.redis");

  private final TimeSource time;
  private final int capacity;
  private final Map<String, Held> held = new ConcurrentHashMap<>();
  private final AtomicBoolean draining = new AtomicBoolean();
  private final AtomicLong reconciled = new AtomicLong();
  private final AtomicLong dropped = new AtomicLong();

  IdempotencyReconciler(TimeSource time, int capacity) {
    this.time = time;
    this.capacity = capacity;
  }

  /** A call reserved {@code redisKey} on local state: its completion must reach Redis. */
  void reservedLocally(String redisKey) {
    hold(redisKey, new Held(null, 0));
  }

  /** A call completed on local state: {@code record} is written to Redis with what is left of {@code ttlMillis}. */
  void completedLocally(String redisKey, byte[] record, long ttlMillis) {
    hold(redisKey, new Held(record, time.nanoTime() + ttlMillis * 1_000_000L));
  }

  /** The call's completion or release reached Redis itself: nothing left to write. */
  void settled(String redisKey) {
    held.remove(redisKey);
  }

  /** Whether completed records wait for Redis. */
  boolean pending() {
    return !held.isEmpty();
  }

  /** Records written to Redis so far. */
  long reconciled() {
    return reconciled.get();
  }

  /**
   * Writes every held completed record with {@code write(redisKey, record, ttlMillis)} (1 written, 0 the key belongs to
   * another request); one drain at a time. A record whose write fails stays held for the next drain.
   */
  void drain(Write write) {
    if (held.isEmpty() || !draining.compareAndSet(false, true)) {
      return;
    }
    long now = time.nanoTime();
    CompletableFuture<?>[] all = held.entrySet().stream().filter(e -> e.getValue().record != null).map(e -> {
      String key = e.getKey();
      Held h = e.getValue();
      long left = (h.expiresAt - now) / 1_000_000L;
      if (left <= 0) {
        held.remove(key, h);
        return CompletableFuture.completedFuture(null);
      }
      return write.apply(key, h.record, left).handle((written, err) -> {
        if (err == null) {
          held.remove(key, h);
          if (written != null && written == 1) {
            reconciled.incrementAndGet();
          } else {
            LOG.warn("idempotency record taken on local state not written to redis: another request holds its key");
          }
        }
        return null;
      });
    }).toArray(CompletableFuture[]::new);
    long before = reconciled.get();
    CompletableFuture.allOf(all).whenComplete((x, e) -> {
      draining.set(false);
      long n = reconciled.get() - before;
      if (all.length > 0) {
        LOG.info("reconciled {} idempotency records taken on local state into redis ({} still held, {} dropped)", n,
            held.size(), dropped.get());
      }
    });
  }

  private void hold(String redisKey, Held h) {
    if (held.size() >= capacity && !held.containsKey(redisKey)) {
      if (dropped.getAndIncrement() == 0) {
        LOG.warn("more than {} idempotency records taken on local state; further ones will not reach redis",
            capacity);
      }
      return;
    }
    held.put(redisKey, h);
  }

  /** Writes one record to Redis. */
  @FunctionalInterface
  interface Write {
    /** Writes {@code record} at {@code redisKey} for {@code ttlMillis}; completes with 1 when written. */
    CompletableFuture<Long> apply(String redisKey, byte[] record, long ttlMillis);
  }

  /** A held record: the done record and when it expires, or (record null) a call still in flight. */
  private record Held(byte[] record, long expiresAt) {}
}
