package dev.breakwater.config;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one duration syntax of every Breakwater input — the gateway's YAML, the simulator's flags and control API, the
 * demo's options: a number with a unit ({@code 250ms}, {@code 1.5s}, {@code 10s}, {@code 5m}, {@code 1h},
 * {@code 2d}), {@code 0}, or ISO-8601 ({@code PT10S}). A unit is required, so {@code 30} is never ambiguous.
 */
public final class Durations {
  private Durations() {}

  /** What a duration should look like, for messages. */
  public static final String EXPECTED = "a duration such as 250ms, 1.5s, 10s, 5m, 1h, 2d or PT10S, at most 106751d";

  // The engine counts time in nanoseconds in a long: a longer duration would overflow wherever it is used.
  private static final Duration MAX = Duration.ofNanos(Long.MAX_VALUE);

  private static final Pattern SHORT = Pattern.compile("(\\d{1,18}(?:\\.\\d{1,9})?)(ms|s|m|h|d)");
  private static final Pattern ISO_IN_TEXT =
      Pattern.compile("-?P(?:\\d+D)?T(?=-?\\d)(?:-?\\d+H)?(?:-?\\d+M)?(?:-?\\d+(?:\\.\\d+)?S)?");

  /** The duration {@code text} spells, or {@code null} when it spells none or one too long for a nanosecond clock. */
  public static Duration parse(String text) {
    Duration d = spelled(text);
    return d == null || d.compareTo(MAX) > 0 ? null : d;
  }

  private static Duration spelled(String text) {
    if (text == null) {
      return null;
    }
    String t = text.trim();
    if (t.equals("0")) {
      return Duration.ZERO;
    }
    Matcher m = SHORT.matcher(t);
    try {
      if (m.matches()) {
        BigDecimal nanosPerUnit = switch (m.group(2)) {
          case "ms" -> BigDecimal.valueOf(1_000_000L);
          case "s" -> BigDecimal.valueOf(1_000_000_000L);
          case "m" -> BigDecimal.valueOf(60_000_000_000L);
          case "h" -> BigDecimal.valueOf(3_600_000_000_000L);
          default -> BigDecimal.valueOf(86_400_000_000_000L);
        };
        BigDecimal nanos = new BigDecimal(m.group(1)).multiply(nanosPerUnit);
        if (nanos.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) <= 0) {
          return Duration.ofNanos(nanos.longValueExact());
        }
        // Beyond 292 years of nanoseconds: whole seconds still fit a Duration.
        return Duration.ofSeconds(nanos.movePointLeft(9).longValueExact());
      }
      if (t.length() > 1 && (t.charAt(0) == 'P' || t.charAt(0) == 'p' || t.startsWith("-P"))) {
        return Duration.parse(t.toUpperCase(Locale.ROOT));
      }
    } catch (ArithmeticException | DateTimeParseException e) {
      return null;
    }
    return null;
  }

  /** Like {@link #parse}, but a text that spells no duration fails naming {@code what} and the expected form. */
  public static Duration parse(String what, String text) {
    Duration d = parse(text);
    if (d == null) {
      throw new ConfigException(what, text == null ? null : "\"" + text + "\"", EXPECTED);
    }
    return d;
  }

  /** The shortest spelling of {@code d} in these units, such as {@code 100ms} or {@code 90s}; {@link #parse} reads it. */
  public static String format(Duration d) {
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
  public static String humanize(String text) {
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
