package dev.breakwater.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.breakwater.ratelimit.RateLimitConfig;
import dev.breakwater.ratelimit.RateLimitScope;
import dev.breakwater.redis.testing.RedisExtension;
import dev.breakwater.spi.RateLimitStore;
import dev.breakwater.spi.StoreKeys;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A Redis Cluster loses a master: decisions go on through the failover and land on the promoted replica. */
class ClusterFailoverTest {
  @RegisterExtension
  static final RedisExtension REDIS = RedisExtension.cluster();

  @Test
  void decisionsContinueAfterAMasterFailsOver() throws Exception {
    RateLimitConfig limit = RateLimitConfig.of("tenant", RateLimitScope.TENANT, 1_000_000, Duration.ofSeconds(1));
    try (RedisState state = RedisState.connect(RedisStateConfig.cluster(REDIS.redisCluster().uris())
        .withCommandTimeout(Duration.ofMillis(500)).withOpenDuration(Duration.ofMillis(500)))) {
      RateLimitStore store = state.rateLimitStore();
      for (int i = 0; i < 100; i++) {
        assertThat(store.tryAcquire(limit, StoreKeys.of("tenant-" + i), 1).isAllowed()).isTrue();
      }
      REDIS.redisCluster().killMaster(0);
      int answered = 0;
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      // Every call answers (from Redis or from local state) while the cluster fails over; none throws.
      while (System.nanoTime() < end) {
        for (int i = 0; i < 100; i++) {
          assertThat(store.tryAcquire(limit, StoreKeys.of("tenant-" + i), 1).isAllowed()).isTrue();
          answered++;
        }
        if (!state.health().degraded() && answered > 1000) {
          break;
        }
        Thread.sleep(50);
      }
      System.out.printf("cluster failover: %d decisions, %d on local state%n", answered,
          state.health().degradedDecisions());
      assertThat(state.health().degraded()).as(state.health().detail()).isFalse();
      long before = state.health().degradedDecisions();
      for (int i = 0; i < 100; i++) {
        store.tryAcquire(limit, StoreKeys.of("tenant-" + i), 1);
      }
      assertThat(state.health().degradedDecisions()).as("after the failover, decisions are on Redis again")
          .isEqualTo(before);
    }
  }
}
