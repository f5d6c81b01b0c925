package dev.breakwater.gateway.config;

import java.time.Duration;
import java.util.List;

/**
 * How traffic returns to a higher-priority group that recovered: once it has passed {@code healthyChecks}
 * consecutive health checks, it takes {@code steps[0]} percent of the calls, then each following step after a
 * verification window whose error rate stayed at most {@code maxErrorRate} percent (else back to the previous step).
 *
 * @param healthyChecks consecutive passed checks before the first step (with active health checks)
 * @param steps         increasing percentages, the last 100
 * @param verifyWindow  how long each step is observed
 * @param maxErrorRate  the highest error rate (percent of the group's calls in the window) a step may show
 */
public record FailbackConfig(int healthyChecks, List<Integer> steps, Duration verifyWindow, double maxErrorRate) {

  /** The defaults: 10 checks, 5 → 25 → 50 → 100 %, 30 s windows, at most 5 % errors. */
  public static final FailbackConfig DEFAULTS =
      new FailbackConfig(10, List.of(5, 25, 50, 100), Duration.ofSeconds(30), 5);

  /** Requires increasing steps in 1..100 that end at 100. */
  public FailbackConfig {
    steps = List.copyOf(steps);
    if (healthyChecks < 1 || steps.isEmpty() || steps.get(steps.size() - 1) != 100) {
      throw new IllegalArgumentException("healthyChecks >= 1 and steps ending at 100 expected");
    }
    for (int i = 0; i < steps.size(); i++) {
      if (steps.get(i) < 1 || i > 0 && steps.get(i) <= steps.get(i - 1)) {
        throw new IllegalArgumentException("steps must increase from at least 1: " + steps);
      }
    }
  }
}
