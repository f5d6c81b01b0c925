package dev.breakwater.redis;

import dev.breakwater.redis.testing.RedisExtension;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The store contract on a Redis Cluster of three masters with one replica each. */
class ClusterStoresTest extends RedisStoresContract {
  @RegisterExtension
  static final RedisExtension REDIS = RedisExtension.cluster();

  @Override
  RedisExtension redis() {
    return REDIS;
  }
}
