package dev.breakwater.gateway.http;

import java.math.BigInteger;
import java.time.Duration;

/**
 * Renders the IETF httpapi RateLimit headers (draft-ietf-httpapi-ratelimit-headers) as RFC 8941 structured fields:
 * one {@code RateLimit-Policy} item per limit, and the {@code RateLimit} item of the limit closest to running out.
 */
public final class RateLimitFields {
  // RFC 8941 integers have at most 15 digits; a parser may reject the whole field past that.
  private static final long SF_MAX = 999_999_999_999_999L;
  private static final BigInteger NANOS_PER_SECOND = BigInteger.valueOf(1_000_000_000L);

  private RateLimitFields() {}

  /** The {@code RateLimit-Policy} item of a limit of {@code permits} per {@code period}: quota per window. */
  public static String policyItem(String name, long permits, Duration period) {
    long window = Math.max(1, period.toSeconds());
    // permits * window * 1e9 overflows a long for long periods (a million per day already), hence BigInteger:
    // this runs once per route and config load, not per request.
    long quota = BigInteger.valueOf(permits).multiply(BigInteger.valueOf(window)).multiply(NANOS_PER_SECOND)
        .divide(BigInteger.valueOf(Math.max(1, period.toNanos()))).min(BigInteger.valueOf(SF_MAX)).longValue();
    return "\"" + name + "\";q=" + Math.max(1, quota) + ";w=" + Math.min(window, SF_MAX);
  }

  /** The {@code RateLimit} item: {@code remaining} tokens, full again in {@code resetSeconds}. */
  public static String remaining(String name, long remaining, long resetSeconds) {
    return "\"" + name + "\";r=" + bounded(remaining) + ";t=" + bounded(resetSeconds);
  }

  /** A count as a structured-field integer: never negative, at most 15 digits. */
  private static long bounded(long v) {
    return Math.max(0, Math.min(v, SF_MAX));
  }
}
