package dev.breakwater.gateway.http;

import java.time.Duration;

/**
 * Renders the IETF httpapi RateLimit headers (draft-ietf-httpapi-ratelimit-headers) as RFC 8941 structured fields:
 * one {@code RateLimit-Policy} item per limit, and the {@code RateLimit} item of the limit closest to running out.
 */
public final class RateLimitHeaders {
  private RateLimitHeaders() {}

  /** The {@code RateLimit-Policy} item of a limit of {@code permits} per {@code period}: quota per window. */
  public static String policyItem(String name, long permits, Duration period) {
    long window = Math.max(1, period.toSeconds());
    long quota = Math.max(1, permits * window * 1_000_000_000L / Math.max(1, period.toNanos()));
    return "\"" + name + "\";q=" + quota + ";w=" + window;
  }

  /** The {@code RateLimit} item: {@code remaining} tokens, full again in {@code resetSeconds}. */
  public static String remaining(String name, long remaining, long resetSeconds) {
    return "\"" + name + "\";r=" + remaining + ";t=" + resetSeconds;
  }
}
