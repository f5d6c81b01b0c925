package dev.breakwater.retry;

import static dev.breakwater.config.Checks.atLeast;
import static dev.breakwater.config.Checks.check;
import static dev.breakwater.config.Checks.positive;

import java.time.Duration;

/**
 * A retry budget: over the last {@code window}, retries may not exceed the larger of {@code ratio} times the first
 * attempts and {@code minRetriesPerSecond} times the window's seconds. The larger, not the sum: the floor lets a quiet
 * service retry at all, and under load the ratio alone bounds amplification to {@code 1 + ratio}.
 *
 * @param ratio               retries allowed per first attempt
 * @param minRetriesPerSecond the floor for quiet periods
 * @param window              the span the counts cover
 */
public record RetryBudgetConfig(double ratio, int minRetriesPerSecond, Duration window) {

  /** Validates every field. */
  public RetryBudgetConfig {
    check(ratio >= 0 && ratio <= 10, "ratio", ratio, "a number in [0, 10]");
    atLeast("minRetriesPerSecond", minRetriesPerSecond, 0);
    positive("window", window);
    check(window.toMillis() >= 1000 && window.toSeconds() <= 600, "window", window, "between 1 s and 10 min");
  }

  /** Defaults: 10 % of first attempts, at least 5 retries a second, over 10 s. */
  public static RetryBudgetConfig defaults() {
    return new RetryBudgetConfig(0.1, 5, Duration.ofSeconds(10));
  }
}
