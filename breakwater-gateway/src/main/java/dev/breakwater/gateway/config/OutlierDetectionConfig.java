package dev.breakwater.gateway.config;

import java.time.Duration;

/**
 * Passive outlier detection: an endpoint whose calls fail {@code consecutiveFailures} times in a row (connection
 * errors, 5xx, attempt timeouts) is ejected for {@code baseEjection}, twice as long at each ejection that follows,
 * at most {@code maxEjection}.
 *
 * @param enabled             whether endpoints are ejected at all
 * @param consecutiveFailures failures in a row that eject an endpoint
 * @param baseEjection        the first ejection's length
 * @param maxEjection         the longest ejection; an endpoint that served that long without one starts again at
 *                            the base
 */
public record OutlierDetectionConfig(boolean enabled, int consecutiveFailures, Duration baseEjection,
    Duration maxEjection) {

  /** The defaults: on, 5 failures, 30 s doubling up to 5 min. */
  public static final OutlierDetectionConfig DEFAULTS =
      new OutlierDetectionConfig(true, 5, Duration.ofSeconds(30), Duration.ofMinutes(5));

  /** Requires a positive threshold and a base no longer than the maximum. */
  public OutlierDetectionConfig {
    if (consecutiveFailures < 1) {
      throw new IllegalArgumentException("consecutiveFailures must be at least 1");
    }
    if (baseEjection.compareTo(maxEjection) > 0) {
      throw new IllegalArgumentException("baseEjection must not exceed maxEjection");
    }
  }
}
