package dev.breakwater.gateway.http;

import dev.breakwater.internal.Ids;

/** The correlation id of a request: the caller's own, else its W3C trace id, else a new one. */
public final class CorrelationIds {
  private static final int MAX = 128;

  private CorrelationIds() {}

  /**
   * The id to log, echo and forward for a request with these {@code X-Correlation-Id} and {@code traceparent}
   * header values (either may be null).
   */
  public static String of(String header, String traceparent) {
    if (header != null && !header.isBlank() && header.length() <= MAX && header.chars().allMatch(c -> c > 32
        && c < 127)) {
      return header;
    }
    if (traceparent != null && traceparent.length() >= 55 && traceparent.charAt(2) == '-') {
      return traceparent.substring(3, 35); // the W3C trace id ties gateway logs to the caller's trace
    }
    return Ids.correlationId();
  }
}
