package dev.breakwater.gateway.config;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations as the config file spells them: {@code 250ms}, {@code 10s}, {@code 5m}, {@code 1h}, {@code 2d}, ISO-8601. */
final class Durations {
  private Durations() {}

  /** What a duration should look like, for messages. */
  static final String EXPECTED = "a duration such as 250ms, 10s, 5m, 1h, 2d or PT10S, at most 106751d";

  // The engine counts time in nanoseconds in a long: a longer duration overflows wherever it is used.
  private static final Duration MAX = Duration.ofNanos(Long.MAX_VALUE);

  private static final Pattern SHORT = Pattern.compile("(\\d{1,18})(ms|s|m|h|d)");
  private static final Pattern ISO_IN_TEXT =
      Pattern.compile("-?P(?:\\d+D)?T(?=-?\\d)(?:-?\\d+H)?(?:-?\\d+M)?(?:-?\\d+(?:\\.\\d+)?S)?");

  /** The duration {@code text} spells, or null when it spells none or one too long for a nanosecond clock. */
  static Duration parse(String text) {
    Duration d = spelled(text);
    return d == null || d.compareTo(MAX) > 0 ? null : d;
  }

  private static Duration spelled(String text) {
    String t = text.trim();
    if (t.equals("0")) {
      return Duration.ZERO;
    }
    Matcher m = SHORT.matcher(t);
    try {
      if (m.matches()) {
        long n = Long.parseLong(m.group(1));
        switch (m.group(2)) {
          case "ms":
            return Duration.ofMillis(n);
          case "s":
            return Duration.ofSeconds(n);
          case "m":
            return Duration.ofMinutes(n);
          case "h":
            return Duration.ofHours(n);
          default:
            return Duration.ofDays(n);
        }
      }
      if (t.length() > 1 && (t.charAt(0) == 'P' || t.charAt(0) == 'p' || t.startsWith("-P"))) {
        return Duration.parse(t.toUpperCase(Locale.ROOT));
      }
    } catch (ArithmeticException | DateTimeParseException e) {
      return null;
    }
    return null;
  }

  /** The shortest spelling of {@code d} in the file's own units, such as {@code 100ms} or {@code 90s}. */
  static String format(Duration d) {
    if (d.isZero()) {
      return "0s";
    }
    if (d.isNegative() || d.getNano() % 1_000_000 != 0) {
      return d.toString();
    }
    long ms = d.toMillis();
    if (ms % 86_400_000L == 0) {
      return ms / 86_400_000L + "d";
    }
    if (ms % 3_600_000L == 0) {
      return ms / 3_600_000L + "h";
    }
    if (ms % 60_000L == 0) {
      return ms / 60_000L + "m";
    }
    if (ms % 1000 == 0) {
      return ms / 1000 + "s";
    }
    return ms + "ms";
  }

  /** Rewrites every ISO-8601 duration in {@code text} (as {@link Duration#toString()} writes them) in short form. */
  static String humanize(String text) {
    Matcher m = ISO_IN_TEXT.matcher(text);
    StringBuilder sb = new StringBuilder();
    while (m.find()) {
      String replacement;
      try {
        replacement = format(Duration.parse(m.group()));
      } catch (DateTimeParseException e) {
        replacement = m.group();
      }
      m.appendReplacement(sb, Matcher.quoteReplacement(replacement));
    }
    m.appendTail(sb);
    return sb.toString();
  }
}
