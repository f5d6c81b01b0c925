package dev.breakwater.config;

import static dev.breakwater.config.Checks.positive;

import java.time.Duration;

/**
 * Time limits: each attempt may take {@code attempt}; the whole call, retries and waits included, {@code deadline}
 * (a call's own deadline, if shorter, wins).
 *
 * @param enabled  {@code false} lets calls take as long as they take
 * @param attempt  the per-attempt timeout
 * @param deadline the overall deadline
 */
public record TimeoutConfig(boolean enabled, Duration attempt, Duration deadline) {

  /** Validates every field. */
  public TimeoutConfig {
    positive("attempt", attempt);
    positive("deadline", deadline);
  }

  /** Defaults: 10 s per attempt, 30 s in all (seed 000 asks for 5–15 s per tool call). */
  public static TimeoutConfig defaults() {
    return new TimeoutConfig(true, Duration.ofSeconds(10), Duration.ofSeconds(30));
  }

  /** Given limits, enabled. */
  public static TimeoutConfig of(Duration attempt, Duration deadline) {
    return new TimeoutConfig(true, attempt, deadline);
  }
}
