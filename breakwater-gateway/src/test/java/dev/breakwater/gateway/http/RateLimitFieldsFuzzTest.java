package dev.breakwater.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.math.BigInteger;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Fuzzes the RateLimit header rendering (the gateway writes these headers and parses none from upstreams): every
 * item is an RFC 8941 item whose parameters are non-negative integers of at most 15 digits, and the policy's quota
 * is the limit's permits per window.
 */
class RateLimitFieldsFuzzTest {
  private static final Pattern POLICY = Pattern.compile("\"([A-Za-z0-9._-]+)\";q=(\\d{1,15});w=(\\d{1,15})");
  private static final Pattern REMAINING = Pattern.compile("\"([A-Za-z0-9._-]+)\";r=(\\d{1,15});t=(\\d{1,15})");
  private static final long SF_MAX = 999_999_999_999_999L;

  /** Any valid limit and any quota state render as well-formed RateLimit and RateLimit-Policy items. */
  @FuzzTest
  void anyLimitRendersAsWellFormedItems(FuzzedDataProvider data) {
    String name = "n" + data.consumeInt(0, 99);
    long periodNanos = data.consumeLong(1, Long.MAX_VALUE);
    long permits = data.consumeLong(1, periodNanos); // the config allows at most one permit per nanosecond
    Duration period = Duration.ofNanos(periodNanos);

    Matcher p = POLICY.matcher(RateLimitFields.policyItem(name, permits, period));
    assertThat(p.matches()).as("policy of %s per %s", permits, period).isTrue();
    long window = Math.max(1, period.toSeconds());
    BigInteger quota = BigInteger.valueOf(permits).multiply(BigInteger.valueOf(window))
        .multiply(BigInteger.valueOf(1_000_000_000L)).divide(BigInteger.valueOf(periodNanos))
        .max(BigInteger.ONE).min(BigInteger.valueOf(SF_MAX));
    assertThat(p.group(3)).isEqualTo(Long.toString(Math.min(window, SF_MAX)));
    assertThat(p.group(2)).as("quota of %s per %s", permits, period).isEqualTo(quota.toString());

    Matcher r = REMAINING.matcher(RateLimitFields.remaining(name, data.consumeLong(), data.consumeLong()));
    assertThat(r.matches()).as("remaining item").isTrue();
  }
}
