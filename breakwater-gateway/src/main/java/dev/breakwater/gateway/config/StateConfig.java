package dev.breakwater.gateway.config;

import dev.breakwater.redis.RedisStateConfig;
import java.util.Objects;
import java.util.Optional;

/**
 * Where rate limits, throttle gates, idempotency records and the L2 cache live.
 *
 * @param backend {@link Backend#MEMORY} for one instance, {@link Backend#REDIS} for a fleet
 * @param redis   the Redis settings, present exactly when the backend is Redis
 */
public record StateConfig(Backend backend, Optional<RedisStateConfig> redis) {

  /** The state backends. */
  public enum Backend {
    /** In-process state: one instance. */
    MEMORY,
    /** Shared state in Redis (standalone, Sentinel or Cluster): a fleet. */
    REDIS
  }

  /** Requires the Redis settings exactly when the backend is Redis. */
  public StateConfig {
    Objects.requireNonNull(backend, "backend");
    redis = redis == null ? Optional.empty() : redis;
    if ((backend == Backend.REDIS) != redis.isPresent()) {
      throw new IllegalArgumentException("redis: " + redis + " (expected: present exactly when backend is redis)");
    }
  }

  /** In-memory state. */
  public static StateConfig memory() {
    return new StateConfig(Backend.MEMORY, Optional.empty());
  }

  /** Shared state in Redis. */
  public static StateConfig redis(RedisStateConfig redis) {
    return new StateConfig(Backend.REDIS, Optional.of(redis));
  }
}
