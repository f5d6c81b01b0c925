package dev.breakwater.config;

import java.time.Duration;

/** Validation helpers that fail with messages of the form {@code name: value (expected: ...)}. */
public final class Checks {
  private Checks() {}

  /** Fails unless {@code ok}, naming the field, its value and what was expected. */
  public static void check(boolean ok, String name, Object value, String expected) {
    if (!ok) {
      throw new ConfigException(name, value, expected);
    }
  }

  /** Checks {@code value >= min}. */
  public static int atLeast(String name, int value, int min) {
    check(value >= min, name, value, ">= " + min);
    return value;
  }

  /** Checks {@code value >= min}. */
  public static long atLeast(String name, long value, long min) {
    check(value >= min, name, value, ">= " + min);
    return value;
  }

  /** Checks that a percentage lies in (0, 100]. */
  public static double percent(String name, double value) {
    check(value > 0 && value <= 100, name, value, "a percentage in (0, 100]");
    return value;
  }

  /** Checks that a duration is present and positive. */
  public static Duration positive(String name, Duration value) {
    check(value != null && !value.isNegative() && !value.isZero(), name, value, "a positive duration");
    return value;
  }

  /** Checks that a duration is present and not negative. */
  public static Duration notNegative(String name, Duration value) {
    check(value != null && !value.isNegative(), name, value, "a duration >= 0");
    return value;
  }

  /** Checks that a value is present. */
  public static <T> T present(String name, T value) {
    check(value != null, name, null, "a value");
    return value;
  }
}
