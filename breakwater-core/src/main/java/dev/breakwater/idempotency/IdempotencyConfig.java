package dev.breakwater.idempotency;

import static dev.breakwater.config.Checks.atLeast;
import static dev.breakwater.config.Checks.check;
import static dev.breakwater.config.Checks.positive;

import java.time.Duration;

/**
 * How idempotency keys are honoured: a completed call is replayed for {@code ttl}; an in-flight reservation holds
 * for {@code lease} (or the call's deadline if shorter) so that a crashed holder does not block the key forever.
 *
 * @param enabled      {@code false} ignores idempotency keys
 * @param ttl          how long a completed call's value is replayed
 * @param lease        how long an in-flight reservation blocks duplicates at most
 * @param maxKeyLength the longest key accepted (longer ones are INVALID_REQUEST)
 * @param whenStoreUnavailable what a keyed call gets while a shared store cannot answer: refused with
 *                     {@code DEGRADED} (default) or decided on local records
 * @param upstreamDeduplicates whether the upstream itself honours the key it is sent (an {@code Idempotency-Key}
 *                     header it deduplicates, a transaction id): only then may a keyed write that may have reached it
 *                     be sent again (a retry after a timeout or a 5xx, another endpoint). Breakwater's own records
 *                     deduplicate the caller's repeats, never its own attempts. Default {@code false}
 */
public record IdempotencyConfig(boolean enabled, Duration ttl, Duration lease, int maxKeyLength,
    WhenStoreUnavailable whenStoreUnavailable, boolean upstreamDeduplicates) {

  /** Validates every field. */
  public IdempotencyConfig {
    positive("ttl", ttl);
    positive("lease", lease);
    atLeast("maxKeyLength", maxKeyLength, 1);
    check(maxKeyLength <= 1024, "maxKeyLength", maxKeyLength, "<= 1024");
    check(whenStoreUnavailable != null, "whenStoreUnavailable", whenStoreUnavailable, "REFUSE or ACCEPT_LOCAL");
  }

  /** A config whose upstream is not known to deduplicate the keys it is sent. */
  public IdempotencyConfig(boolean enabled, Duration ttl, Duration lease, int maxKeyLength,
      WhenStoreUnavailable whenStoreUnavailable) {
    this(enabled, ttl, lease, maxKeyLength, whenStoreUnavailable, false);
  }

  /** A config that refuses keyed calls while the store cannot answer. */
  public IdempotencyConfig(boolean enabled, Duration ttl, Duration lease, int maxKeyLength) {
    this(enabled, ttl, lease, maxKeyLength, WhenStoreUnavailable.REFUSE, false);
  }

  /** Defaults: replay for 30 min, in-flight lease of 60 s, keys up to 255 characters, refuse while unavailable. */
  public static IdempotencyConfig defaults() {
    return new IdempotencyConfig(true, Duration.ofMinutes(30), Duration.ofSeconds(60), 255);
  }

  /** Returns a copy with the ttl set. */
  public IdempotencyConfig withTtl(Duration v) {
    return new IdempotencyConfig(enabled, v, lease, maxKeyLength, whenStoreUnavailable, upstreamDeduplicates);
  }

  /** Returns a copy with the lease set. */
  public IdempotencyConfig withLease(Duration v) {
    return new IdempotencyConfig(enabled, ttl, v, maxKeyLength, whenStoreUnavailable, upstreamDeduplicates);
  }

  /** Returns a copy with what a keyed call gets while the store cannot answer. */
  public IdempotencyConfig withWhenStoreUnavailable(WhenStoreUnavailable v) {
    return new IdempotencyConfig(enabled, ttl, lease, maxKeyLength, v, upstreamDeduplicates);
  }

  /** Returns a copy saying whether the upstream deduplicates the keys it is sent. */
  public IdempotencyConfig withUpstreamDeduplicates(boolean v) {
    return new IdempotencyConfig(enabled, ttl, lease, maxKeyLength, whenStoreUnavailable, v);
  }

  /** Whether a call carrying {@code key} may be sent to the upstream again after it may have run there. */
  public boolean repeatable(String key) {
    return enabled && upstreamDeduplicates && key != null;
  }
}
