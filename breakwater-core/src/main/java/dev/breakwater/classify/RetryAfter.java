package dev.breakwater.classify;

import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Locale;

/**
 * Parses an HTTP {@code Retry-After} value (RFC 9110 section 10.2.3): delta-seconds, or an HTTP-date in the preferred
 * IMF-fixdate form or the obsolete RFC 850 and asctime forms that recipients must still accept.
 */
public final class RetryAfter {
  private static final DateTimeFormatter RFC_850 =
      DateTimeFormatter.ofPattern("EEEE, dd-MMM-yy HH:mm:ss zzz", Locale.US);
  private static final DateTimeFormatter ASCTIME =
      DateTimeFormatter.ofPattern("EEE MMM ppd HH:mm:ss yyyy", Locale.US).withZone(java.time.ZoneOffset.UTC);
  // One day past any sane throttle; a larger delta is a bug upstream and is clamped, not trusted.
  private static final long MAX_SECONDS = 86_400;
  private static final Duration MAX = Duration.ofSeconds(MAX_SECONDS);

  private RetryAfter() {}

  /**
   * The wait the value asks for, measured from {@code nowEpochMillis} for dates: zero for a date in the past,
   * {@code null} for a missing or malformed value (the caller then falls back to its backoff).
   */
  public static Duration parse(String value, long nowEpochMillis) {
    if (value == null) {
      return null;
    }
    String v = value.trim();
    if (v.isEmpty()) {
      return null;
    }
    if (isDigits(v)) {
      int z = 0;
      while (z < v.length() - 1 && v.charAt(z) == '0') {
        z++; // leading zeros are valid delta-seconds
      }
      v = v.substring(z);
      if (v.length() > 12) {
        return Duration.ofSeconds(MAX_SECONDS);
      }
      return Duration.ofSeconds(Math.min(Long.parseLong(v), MAX_SECONDS));
    }
    Instant at = parseDate(v);
    if (at == null) {
      return null;
    }
    // Compared as instants, not epoch millis: a parsed year may lie beyond what a long of millis can hold.
    Duration wait = Duration.between(Instant.ofEpochMilli(nowEpochMillis), at);
    return wait.isNegative() ? Duration.ZERO : wait.compareTo(MAX) > 0 ? MAX : wait;
  }

  private static boolean isDigits(String v) {
    for (int i = 0; i < v.length(); i++) {
      char c = v.charAt(i);
      if (c < '0' || c > '9') {
        return false;
      }
    }
    return true;
  }

  private static Instant parseDate(String v) {
    for (DateTimeFormatter f : new DateTimeFormatter[] {DateTimeFormatter.RFC_1123_DATE_TIME, RFC_850, ASCTIME}) {
      try {
        return ZonedDateTime.parse(v, f).toInstant();
      } catch (DateTimeParseException e) {
        // try the next form
      }
    }
    return null;
  }
}
