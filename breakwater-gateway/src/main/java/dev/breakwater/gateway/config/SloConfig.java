package dev.breakwater.gateway.config;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * A named service-level objective over a group of routes (a tool family): the share of calls that must not fail
 * through the gateway or its upstream, and optionally how fast a share of them must answer, over a rolling window.
 *
 * @param name         the group's name, the {@code slo} label of its rules
 * @param routes       the names of the routes it covers (at least one, each an existing route)
 * @param window       the rolling window the error budget is counted over: whole days (1..90) or whole hours
 * @param availability the percentage of counted calls that must succeed, in (0, 100), or null for none
 * @param latency      the latency objective, or null for none (at least one of the two is set)
 */
public record SloConfig(String name, List<String> routes, Duration window, Double availability,
    LatencyObjective latency) {

  /** The window when none is given: 30 days, the SRE workbook's. */
  public static final Duration DEFAULT_WINDOW = Duration.ofDays(30);

  /** Requires a name, routes, a window and at least one objective in (0, 100). */
  public SloConfig {
    Objects.requireNonNull(name, "name");
    routes = List.copyOf(routes);
    Objects.requireNonNull(window, "window");
    if (routes.isEmpty()) {
      throw new IllegalArgumentException("routes: [] (expected: at least one route)");
    }
    if (availability == null && latency == null) {
      throw new IllegalArgumentException("slo " + name + " (expected: availability, latency or both)");
    }
    if (availability != null && !validPercent(availability)) {
      throw new IllegalArgumentException("availability: " + availability + " (expected: a percentage in (0, 100))");
    }
  }

  /** The availability objective as a percentage, if set. */
  public OptionalDouble availabilityPercent() {
    return availability == null ? OptionalDouble.empty() : OptionalDouble.of(availability);
  }

  /** The latency objective, if set. */
  public Optional<LatencyObjective> latencyObjective() {
    return Optional.ofNullable(latency);
  }

  /** Whether a percentage lies strictly between 0 and 100 (100 leaves no error budget to alert on). */
  static boolean validPercent(double p) {
    return p > 0 && p < 100;
  }

  /**
   * A latency objective: {@code percent} of counted calls answer within {@code threshold}.
   *
   * @param threshold the duration, a positive whole number of milliseconds (it becomes a histogram bucket boundary)
   * @param percent   the percentage of calls that must answer within it, in (0, 100)
   */
  public record LatencyObjective(Duration threshold, double percent) {
    /** Requires a positive threshold and a percentage in (0, 100). */
    public LatencyObjective {
      Objects.requireNonNull(threshold, "threshold");
      if (threshold.isNegative() || threshold.isZero()) {
        throw new IllegalArgumentException("threshold: " + threshold + " (expected: a positive duration)");
      }
      if (!validPercent(percent)) {
        throw new IllegalArgumentException("percent: " + percent + " (expected: a percentage in (0, 100))");
      }
    }
  }
}
