package dev.breakwater.gateway.http;

import dev.breakwater.CorrelationIds;

/** The correlation id of a request: the caller's own, else its W3C trace id, else a new one. */
public final class CorrelationId {
  private static final int MAX = 128;

  private CorrelationId() {}

  /**
   * The id to log, echo and forward for a request with these {@code X-Correlation-Id} and {@code traceparent}
   * header values (either may be null).
   */
  public static String of(String header, String traceparent) {
    if (header != null && !header.isBlank() && header.length() <= MAX && header.chars().allMatch(c -> c > 32
        && c < 127)) {
      return header;
    }
    if (traceparent != null && traceparent.length() >= 55 && traceparent.charAt(2) == '-'
        && traceparent.charAt(35) == '-' && validTraceId(traceparent)) {
      return traceparent.substring(3, 35); // the W3C trace id ties gateway logs to the caller's trace
    }
    return CorrelationIds.correlationId();
  }

  /**
   * Whether characters 3 to 34 are a W3C trace id: 32 lowercase hex digits, not all zero. Anything else is not
   * echoed into headers and logs as an id.
   */
  private static boolean validTraceId(String traceparent) {
    boolean nonZero = false;
    for (int i = 3; i < 35; i++) {
      char c = traceparent.charAt(i);
      if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
        return false;
      }
      nonZero |= c != '0';
    }
    return nonZero;
  }
}
