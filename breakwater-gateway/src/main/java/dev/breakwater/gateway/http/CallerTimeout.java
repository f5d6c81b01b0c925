package dev.breakwater.gateway.http;

import java.time.Duration;

/**
 * The caller's remaining time budget, sent in {@value #HEADER} as milliseconds: the gateway's call then ends by the
 * earlier of that budget and the route's own deadline, so budgets cascade from the caller through the gateway (a
 * request the caller has given up on is not retried past that point). The header is not forwarded upstream.
 */
public final class CallerTimeout {
  /** The request header carrying the caller's remaining budget in milliseconds. */
  public static final String HEADER = "X-Breakwater-Timeout-Ms";

  /** What a valid value looks like, for problem details. */
  public static final String EXPECTED = "the caller's remaining time in milliseconds, an integer from 1 to 86400000";

  private static final long MAX_MILLIS = 86_400_000L;

  private CallerTimeout() {}

  /** The budget {@code value} gives: null when the header is absent; {@link Duration#ZERO} when it is malformed. */
  public static Duration parse(String value) {
    if (value == null) {
      return null;
    }
    String v = value.trim();
    if (v.isEmpty() || v.length() > 8) {
      return Duration.ZERO;
    }
    long ms = 0;
    for (int i = 0; i < v.length(); i++) {
      char c = v.charAt(i);
      if (c < '0' || c > '9') {
        return Duration.ZERO;
      }
      ms = ms * 10 + (c - '0');
    }
    return ms < 1 || ms > MAX_MILLIS ? Duration.ZERO : Duration.ofMillis(ms);
  }
}
