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
 */
public record IdempotencyConfig(boolean enabled, Duration ttl, Duration lease, int maxKeyLength) {

  /** Validates every field. */
  public IdempotencyConfig {
    positive("ttl", ttl);
    positive("lease", lease);
    atLeast("maxKeyLength", maxKeyLength, 1);
    check(maxKeyLength <= 1024, "maxKeyLength", maxKeyLength, "<= 1024");
  }

  /** Defaults: replay for 30 min, in-flight lease of 60 s, keys up to 255 characters. */
  public static IdempotencyConfig defaults() {
    return new IdempotencyConfig(true, Duration.ofMinutes(30), Duration.ofSeconds(60), 255);
  }

  /** Returns a copy with the ttl set. */
  public IdempotencyConfig withTtl(Duration v) {
    return new IdempotencyConfig(enabled, v, lease, maxKeyLength);
  }

  /** Returns a copy with the lease set. */
  public IdempotencyConfig withLease(Duration v) {
    return new IdempotencyConfig(enabled, ttl, v, maxKeyLength);
  }
}
