package dev.breakwater.config;

/** A configuration value is invalid; the message names the field, the value and what was expected. */
public final class ConfigException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  /** Creates an exception with a message of the form {@code name: value (expected: ...)}. */
  public ConfigException(String message) {
    super(message);
  }

  /** Returns this message prefixed by the path of the enclosing config, such as {@code circuitBreakers.graph}. */
  public ConfigException within(String path) {
    ConfigException e = new ConfigException(path + "." + getMessage());
    e.setStackTrace(getStackTrace());
    return e;
  }
}
