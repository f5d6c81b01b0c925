package dev.breakwater.gateway.config;

import java.time.Duration;
import java.util.Objects;

/**
 * Active health checks: a GET of {@code path} on every endpoint of an upstream, every {@code interval}.
 *
 * @param path               the path checked (a 2xx answer within {@code timeout} passes)
 * @param interval           the time between two checks of one endpoint
 * @param timeout            how long a check may take before it counts as failed
 * @param healthyThreshold   consecutive passes that make an unhealthy endpoint healthy again
 * @param unhealthyThreshold consecutive failures that make a healthy endpoint unhealthy
 */
public record HealthCheckConfig(String path, Duration interval, Duration timeout, int healthyThreshold,
    int unhealthyThreshold) {

  /** The default time between checks. */
  public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(5);
  /** A check's default timeout. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(1);
  /** Default passes to become healthy. */
  public static final int DEFAULT_HEALTHY_THRESHOLD = 2;
  /** Default failures to become unhealthy. */
  public static final int DEFAULT_UNHEALTHY_THRESHOLD = 3;

  /** Requires a path and positive thresholds. */
  public HealthCheckConfig {
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(interval, "interval");
    Objects.requireNonNull(timeout, "timeout");
    if (healthyThreshold < 1 || unhealthyThreshold < 1) {
      throw new IllegalArgumentException("thresholds must be at least 1");
    }
  }
}
