package dev.breakwater.config;

import java.util.Objects;

/**
 * A configuration value is invalid. The field, the value and what was expected travel as fields, so that a loader (the
 * gateway's YAML reader) can point at its own key and line without reading them back out of the message; the
 * message is their rendering, {@code field: value (expected: ...)}.
 */
public final class ConfigException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  private final String field;
  private final transient Object value;
  private final String expected;

  /** Creates an exception for {@code field} holding {@code value} where {@code expected} was expected. */
  public ConfigException(String field, Object value, String expected) {
    super(Objects.requireNonNull(field, "field") + ": " + value + " (expected: " + expected + ")");
    this.field = field;
    this.value = value;
    this.expected = Objects.requireNonNull(expected, "expected");
  }

  /** The invalid field's name, prefixed by the paths of enclosing configs (such as {@code pipelines.mail.retry}). */
  public String field() {
    return field;
  }

  /** The invalid value as given (a number, a duration, a name, or {@code null} when missing). */
  public Object value() {
    return value;
  }

  /** What the field expects, in words. */
  public String expected() {
    return expected;
  }

  /** Returns this exception with the path of the enclosing config put before the field, such as {@code retries.r}. */
  public ConfigException within(String path) {
    ConfigException e = new ConfigException(path + "." + field, value, expected);
    e.setStackTrace(getStackTrace());
    return e;
  }
}
