package dev.breakwater.redis.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.breakwater.ratelimit.RateLimitQuota;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How a rate-limit script's reply becomes a quota; the cases came from RedisRepliesFuzzTest. */
class RateLimitReplyTest {

  @Test
  void aReplyOfRemainingTokensAndMicrosToFullIsAQuotaInWholeSeconds() {
    assertThat(RedisRateLimitStore.quota(List.of(7L, 1_500_000L), 0)).isEqualTo(new RateLimitQuota(7, 2));
  }

  @Test
  void aReplyShorterThanTheScriptsWriteIsRefusedAsUnexpected() {
    assertThatThrownBy(() -> RedisRateLimitStore.quota(List.of(), 0)).isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("unexpected redis reply");
  }

  @Test
  void aBulkStringWhereAnIntegerBelongsIsRefusedAsUnexpected() {
    assertThatThrownBy(() -> RedisRateLimitStore.quota(List.of(new byte[] {'1'}, 2L), 0))
        .isInstanceOf(IllegalStateException.class).hasMessageStartingWith("unexpected redis reply");
  }

  @Test
  void aNilWhereAnIntegerBelongsIsRefusedAsUnexpected() {
    assertThatThrownBy(() -> RedisRateLimitStore.quota(Arrays.asList(1L, null), 0))
        .isInstanceOf(IllegalStateException.class).hasMessageStartingWith("unexpected redis reply");
  }

  @Test
  void aTimeToFullNearTheLargestIntegerStaysPositive() {
    assertThat(RedisRateLimitStore.quota(List.of(0L, Long.MAX_VALUE), 0).resetSeconds())
        .isEqualTo(Long.MAX_VALUE / 1_000_000 + 1);
  }

  @Test
  void aNegativeTimeToFullMeansTheBucketIsFull() {
    assertThat(RedisRateLimitStore.quota(List.of(3L, -5_000_000L), 0)).isEqualTo(new RateLimitQuota(3, 0));
  }
}
