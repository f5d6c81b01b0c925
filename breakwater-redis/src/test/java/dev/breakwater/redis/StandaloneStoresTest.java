package dev.breakwater.redis;

import dev.breakwater.redis.testing.RedisExtension;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The store contract on one standalone redis-server. */
class StandaloneStoresTest extends RedisStoresContract {
  @RegisterExtension
  static final RedisExtension REDIS = RedisExtension.standalone();

  @Override
  RedisExtension redis() {
    return REDIS;
  }
}
