package dev.breakwater.testing;

import dev.breakwater.control.InMemoryControlStore;
import dev.breakwater.spi.CacheStore;
import dev.breakwater.spi.ControlStore;
import dev.breakwater.spi.IdempotencyStore;
import dev.breakwater.spi.RateLimitStore;
import dev.breakwater.spi.ThrottleGateStore;
import java.util.Objects;

/**
 * The stores one instance (one process of a fleet) holds, as {@link StoreContract#newInstance()} hands them to the
 * contract. Values are strings: a store that encodes values is given a UTF-8 codec.
 *
 * @param rateLimits  the rate-limit store
 * @param gates       the throttle-gate store
 * @param idempotency the idempotency store
 * @param cache       the cache store
 * @param control     the control store (operator settings)
 */
public record Stores(RateLimitStore rateLimits, ThrottleGateStore gates, IdempotencyStore<String> idempotency,
    CacheStore<String> cache, ControlStore control) {

  /** The four data stores with an in-memory control store (for stores that keep no control settings). */
  public Stores(RateLimitStore rateLimits, ThrottleGateStore gates, IdempotencyStore<String> idempotency,
      CacheStore<String> cache) {
    this(rateLimits, gates, idempotency, cache, new InMemoryControlStore());
  }

  /** Checks that every store is given: a contract run on a missing store would fail in every test but one. */
  public Stores {
    Objects.requireNonNull(rateLimits, "rateLimits");
    Objects.requireNonNull(gates, "gates");
    Objects.requireNonNull(idempotency, "idempotency");
    Objects.requireNonNull(cache, "cache");
    Objects.requireNonNull(control, "control");
  }
}
