package dev.breakwater.gateway.config;

import java.util.Comparator;

/**
 * One thing wrong with a config file: where ({@code file}, 1-based {@code line}, the YAML {@code path} such as
 * {@code routes[3].rateLimits[0]}) and what ({@code message}, usually {@code "value" (expected: …)}).
 *
 * @param file    the file's name as given to the loader
 * @param line    the 1-based line, or 0 when the problem concerns the whole file
 * @param path    the YAML path of the offending key or value, or empty for the whole file
 * @param message the offending value and what was expected
 */
public record Problem(String file, int line, String path, String message) {

  /** Orders problems by file, then line (stable otherwise). */
  static final Comparator<Problem> ORDER =
      Comparator.comparing(Problem::file).thenComparingInt(Problem::line);

  /** Requires a file and a message; a null path counts as empty. */
  public Problem {
    file = file == null ? "<config>" : file;
    path = path == null ? "" : path;
    message = message == null ? "" : message;
  }

  /** {@code file:line: path: message}, leaving out a zero line and an empty path. */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder(file);
    if (line > 0) {
      sb.append(':').append(line);
    }
    sb.append(": ");
    if (!path.isEmpty()) {
      sb.append(path).append(": ");
    }
    return sb.append(message).toString();
  }
}
