package dev.breakwater.gateway.config;

import java.util.List;
import java.util.stream.Collectors;

/**
 * A config file is invalid: every problem found, sorted by line. The message lists them one per line, each as
 * {@code file:line: path: "value" (expected: …)}.
 */
public final class ConfigProblems extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final transient List<Problem> problems;

  /** Holds the given problems, of which there is at least one. */
  public ConfigProblems(List<Problem> problems) {
    super(render(problems));
    if (problems.isEmpty()) {
      throw new IllegalArgumentException("problems: [] (expected: at least one problem)");
    }
    this.problems = problems.stream().distinct().sorted(Problem.ORDER).toList();
  }

  /** The problems, sorted by file and line. */
  public List<Problem> problems() {
    return problems;
  }

  private static String render(List<Problem> problems) {
    return problems.stream().distinct().sorted(Problem.ORDER).map(Problem::toString)
        .collect(Collectors.joining("\n"));
  }
}
