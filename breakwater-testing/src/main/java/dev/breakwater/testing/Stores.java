package dev.breakwater.testing;

import dev.breakwater.spi.CacheStore;
import dev.breakwater.spi.IdempotencyStore;
import dev.breakwater.spi.RateLimitStore;
import dev.breakwater.spi.ThrottleGateStore;
import java.util.Objects;

/**
 * The four stores one instance (one process of a fleet) holds, as {@link StoreContract#newInstance()} hands them to
 * the contract. Values are strings: a store that encodes values is given a UTF-8 codec.
 *
 * @param rateLimits  the rate-limit store
 * @param gates       the throttle-gate store
 * @param idempotency the idempotency store
 * @param cache       the cache store
 */
public record Stores(RateLimitStore rateLimits, ThrottleGateStore gates, IdempotencyStore<String> idempotency,
    CacheStore<String> cache) {

  /** Checks that every store is given: a contract run on a missing store would fail in every test but one. */
  public Stores {
    Objects.requireNonNull(rateLimits, "rateLimits");
    Objects.requireNonNull(gates, "gates");
    Objects.requireNonNull(idempotency, "idempotency");
    Objects.requireNonNull(cache, "cache");
  }
}
