package dev.breakwater.config;

import dev.breakwater.bulkhead.BulkheadConfig;
import dev.breakwater.cache.CacheConfig;
import dev.breakwater.circuit.CircuitBreakerConfig;
import dev.breakwater.idempotency.IdempotencyConfig;
import dev.breakwater.ratelimit.RateLimitConfig;
import dev.breakwater.retry.RetryConfig;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Named, shared policy configs that pipelines refer to by name. Immutable once built; look-ups of a missing name fail
 * with a message that lists the names there are.
 */
public final class Policies {
  private final Map<String, TimeoutConfig> timeouts;
  private final Map<String, RetryConfig> retries;
  private final Map<String, CircuitBreakerConfig> circuitBreakers;
  private final Map<String, BulkheadConfig> bulkheads;
  private final Map<String, RateLimitConfig> rateLimits;
  private final Map<String, IdempotencyConfig> idempotency;
  private final Map<String, CacheConfig> caches;

  private Policies(Builder b) {
    timeouts = Collections.unmodifiableMap(new LinkedHashMap<>(b.timeouts));
    retries = Collections.unmodifiableMap(new LinkedHashMap<>(b.retries));
    circuitBreakers = Collections.unmodifiableMap(new LinkedHashMap<>(b.circuitBreakers));
    bulkheads = Collections.unmodifiableMap(new LinkedHashMap<>(b.bulkheads));
    rateLimits = Collections.unmodifiableMap(new LinkedHashMap<>(b.rateLimits));
    idempotency = Collections.unmodifiableMap(new LinkedHashMap<>(b.idempotency));
    caches = Collections.unmodifiableMap(new LinkedHashMap<>(b.caches));
  }

  /** Starts an empty set of policies. */
  public static Builder builder() {
    return new Builder();
  }

  /** Starts a builder holding every config of these policies, to derive a variant from them. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.timeouts.putAll(timeouts);
    b.retries.putAll(retries);
    b.circuitBreakers.putAll(circuitBreakers);
    b.bulkheads.putAll(bulkheads);
    b.rateLimits.putAll(rateLimits);
    b.idempotency.putAll(idempotency);
    b.caches.putAll(caches);
    return b;
  }

  /** Every policy type's defaults under the name {@code default}. */
  public static Policies defaults() {
    return builder()
        .timeout("default", TimeoutConfig.defaults())
        .retry("default", RetryConfig.defaults())
        .circuitBreaker("default", CircuitBreakerConfig.defaults())
        .bulkhead("default", BulkheadConfig.defaults())
        .idempotency("default", IdempotencyConfig.defaults())
        .build();
  }

  /** The named timeout config. */
  public TimeoutConfig timeout(String name) {
    return find("timeout", timeouts, name);
  }

  /** The named retry config. */
  public RetryConfig retry(String name) {
    return find("retry", retries, name);
  }

  /** The named circuit breaker config. */
  public CircuitBreakerConfig circuitBreaker(String name) {
    return find("circuitBreaker", circuitBreakers, name);
  }

  /** The named bulkhead config. */
  public BulkheadConfig bulkhead(String name) {
    return find("bulkhead", bulkheads, name);
  }

  /** The named rate limit. */
  public RateLimitConfig rateLimit(String name) {
    return find("rateLimits", rateLimits, name);
  }

  /** The named idempotency config. */
  public IdempotencyConfig idempotency(String name) {
    return find("idempotency", idempotency, name);
  }

  /** The named cache config. */
  public CacheConfig cache(String name) {
    return find("cache", caches, name);
  }

  private static <C> C find(String kind, Map<String, C> map, String name) {
    C c = map.get(name);
    if (c == null) {
      throw new ConfigException(kind, "\"" + name + "\"", "one of " + map.keySet());
    }
    return c;
  }

  /** Builds {@link Policies}. */
  public static final class Builder {
    private final Map<String, TimeoutConfig> timeouts = new LinkedHashMap<>();
    private final Map<String, RetryConfig> retries = new LinkedHashMap<>();
    private final Map<String, CircuitBreakerConfig> circuitBreakers = new LinkedHashMap<>();
    private final Map<String, BulkheadConfig> bulkheads = new LinkedHashMap<>();
    private final Map<String, RateLimitConfig> rateLimits = new LinkedHashMap<>();
    private final Map<String, IdempotencyConfig> idempotency = new LinkedHashMap<>();
    private final Map<String, CacheConfig> caches = new LinkedHashMap<>();

    private Builder() {}

    /** Adds a named timeout config. */
    public Builder timeout(String name, TimeoutConfig c) {
      return put(timeouts, name, c);
    }

    /** Adds a named retry config. */
    public Builder retry(String name, RetryConfig c) {
      return put(retries, name, c);
    }

    /** Adds a named circuit breaker config. */
    public Builder circuitBreaker(String name, CircuitBreakerConfig c) {
      return put(circuitBreakers, name, c);
    }

    /** Adds a named bulkhead config. */
    public Builder bulkhead(String name, BulkheadConfig c) {
      return put(bulkheads, name, c);
    }

    /** Adds a rate limit under its own name. */
    public Builder rateLimit(RateLimitConfig c) {
      return put(rateLimits, c.name(), c);
    }

    /** Adds a named idempotency config. */
    public Builder idempotency(String name, IdempotencyConfig c) {
      return put(idempotency, name, c);
    }

    /** Adds a named cache config. */
    public Builder cache(String name, CacheConfig c) {
      return put(caches, name, c);
    }

    private <C> Builder put(Map<String, C> map, String name, C c) {
      Checks.check(name != null && !name.isBlank(), "name", name, "a non-blank name");
      map.put(name, Objects.requireNonNull(c, name));
      return this;
    }

    /** Builds the policies. */
    public Policies build() {
      return new Policies(this);
    }
  }
}
