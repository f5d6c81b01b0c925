package dev.breakwater.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The RateLimit header items; the edge cases came from RateLimitHeadersFuzzTest. */
class RateLimitFieldsTest {

  @Test
  void aPolicyItemGivesTheQuotaPerWindowInSeconds() {
    assertThat(RateLimitFields.policyItem("per-tenant", 100, Duration.ofSeconds(1)))
        .isEqualTo("\"per-tenant\";q=100;w=1");
  }

  @Test
  void aMillionPermitsPerThirtyDaysDoesNotOverflowTheQuota() {
    assertThat(RateLimitFields.policyItem("monthly", 1_000_000, Duration.ofDays(30)))
        .isEqualTo("\"monthly\";q=1000000;w=2592000");
  }

  @Test
  void aQuotaBeyondFifteenDigitsIsCappedAtTheLargestStructuredFieldInteger() {
    assertThat(RateLimitFields.policyItem("huge", Long.MAX_VALUE / 2, Duration.ofNanos(Long.MAX_VALUE)))
        .isEqualTo("\"huge\";q=999999999999999;w=9223372036");
  }

  @Test
  void aNegativeResetOrRemainingRendersAsZero() {
    assertThat(RateLimitFields.remaining("l", -1, -5)).isEqualTo("\"l\";r=0;t=0");
  }
}
