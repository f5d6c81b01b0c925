package dev.breakwater.spi;

import dev.breakwater.idempotency.Reservation;
import dev.breakwater.idempotency.WhenStoreUnavailable;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Where idempotency records live: a key is reserved with the request's fingerprint, then completed with the call's
 * value (replayed to later duplicates) or released when the call failed (so the client can retry). Keys are
 * {@link StoreKeys} encodings of (tenant, user, operation, idempotency key).
 *
 * @param <V> the stored value type
 */
public interface IdempotencyStore<V> {

  /**
   * Reserves {@code key} for a call with {@code fingerprint}, holding an in-flight lease of {@code lease} (after which
   * a crashed holder no longer blocks the key); answers with the stored value when the key was completed, a conflict
   * when it is in flight, a mismatch when it was used with another fingerprint.
   */
  Reservation<V> reserve(String key, String fingerprint, Duration lease);

  /** Stores the value of a completed call, replayed for {@code ttl}. */
  void complete(String key, String fingerprint, V value, Duration ttl);

  /** Drops the reservation of a failed call. */
  void release(String key, String fingerprint);

  /** The asynchronous form of {@link #reserve}. */
  default CompletionStage<Reservation<V>> reserveAsync(String key, String fingerprint, Duration lease) {
    return CompletableFuture.completedFuture(reserve(key, fingerprint, lease));
  }

  /**
   * Reserves as {@link #reserveAsync(String, String, Duration)}, saying what to do when the store cannot answer: a
   * store that can be unreachable (shared in a fleet) fails the stage with a {@code BreakwaterException} of code
   * {@code DEGRADED} and a retry-after under {@link WhenStoreUnavailable#REFUSE}, and decides on local records under
   * {@link WhenStoreUnavailable#ACCEPT_LOCAL}. A store that always answers (in memory) ignores {@code when}.
   */
  default CompletionStage<Reservation<V>> reserveAsync(String key, String fingerprint, Duration lease,
      WhenStoreUnavailable when) {
    return reserveAsync(key, fingerprint, lease);
  }

  /** The synchronous form of {@link #reserveAsync(String, String, Duration, WhenStoreUnavailable)}. */
  default Reservation<V> reserve(String key, String fingerprint, Duration lease, WhenStoreUnavailable when) {
    return reserve(key, fingerprint, lease);
  }

  /** The asynchronous form of {@link #release}. */
  default CompletionStage<Void> releaseAsync(String key, String fingerprint) {
    release(key, fingerprint);
    return CompletableFuture.completedFuture(null);
  }

  /** The asynchronous form of {@link #complete}. */
  default CompletionStage<Void> completeAsync(String key, String fingerprint, V value, Duration ttl) {
    complete(key, fingerprint, value, ttl);
    return CompletableFuture.completedFuture(null);
  }
}
