package dev.breakwater.idempotency;

import com.github.benmanes.caffeine.cache.Cache;
import dev.breakwater.internal.ExpiringCache;
import dev.breakwater.spi.IdempotencyStore;
import dev.breakwater.time.TimeSource;
import java.time.Duration;
import java.util.Objects;

/**
 * Idempotency records in this process, in a bounded Caffeine map whose entries expire at their own instant: the
 * lease for an in-flight record, the ttl for a completed one. Every decision is one atomic compute on the key.
 *
 * @param <V> the stored value type
 */
public final class InMemoryIdempotencyStore<V> implements IdempotencyStore<V> {
  private final TimeSource time;
  private final Cache<String, Entry<V>> records;

  /** Creates a store of at most {@code capacity} records. */
  public InMemoryIdempotencyStore(TimeSource time, long capacity) {
    this.time = time;
    this.records = ExpiringCache.build(time, capacity, e -> e.expiresAt - time.nanoTime());
  }

  @Override
  public Reservation<V> reserve(String key, String fingerprint, Duration lease) {
    long now = time.nanoTime();
    @SuppressWarnings("unchecked")
    Reservation<V>[] out = new Reservation[1];
    records.asMap().compute(key, (k, e) -> {
      if (e == null || e.expiresAt - now <= 0) {
        out[0] = Reservation.reserved();
        return new Entry<>(fingerprint, false, null, now + lease.toNanos());
      }
      if (!Objects.equals(e.fingerprint, fingerprint)) {
        out[0] = Reservation.mismatch();
      } else {
        out[0] = e.done ? Reservation.replay(e.value) : Reservation.conflict();
      }
      return e;
    });
    return out[0];
  }

  @Override
  public void complete(String key, String fingerprint, V value, Duration ttl) {
    records.put(key, new Entry<>(fingerprint, true, value, time.nanoTime() + ttl.toNanos()));
  }

  @Override
  public void release(String key, String fingerprint) {
    records.asMap().computeIfPresent(key, (k, e) -> !e.done && Objects.equals(e.fingerprint, fingerprint) ? null : e);
  }

  private static final class Entry<V> {
    final String fingerprint;
    final boolean done;
    final V value;
    final long expiresAt;

    Entry(String fingerprint, boolean done, V value, long expiresAt) {
      this.fingerprint = fingerprint;
      this.done = done;
      this.value = value;
      this.expiresAt = expiresAt;
    }
  }
}
