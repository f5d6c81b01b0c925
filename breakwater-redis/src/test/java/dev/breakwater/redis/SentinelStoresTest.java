package dev.breakwater.redis;

import dev.breakwater.redis.testing.RedisExtension;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The store contract through Redis Sentinel (a master, a replica and a sentinel). */
class SentinelStoresTest extends RedisStoresContract {
  @RegisterExtension
  static final RedisExtension REDIS = RedisExtension.sentinel();

  @Override
  RedisExtension redis() {
    return REDIS;
  }
}
