package dev.breakwater.circuit;

import static dev.breakwater.config.Checks.atLeast;
import static dev.breakwater.config.Checks.check;
import static dev.breakwater.config.Checks.percent;
import static dev.breakwater.config.Checks.positive;

import java.time.Duration;

/**
 * How a circuit breaker decides: a count-based window of the last {@code windowSize} calls or a time-based window of
 * the last {@code windowSize} seconds; it opens when at least {@code minimumCalls} were recorded and the failure rate
 * or the slow-call rate reaches its threshold; it stays open for {@code openDuration}, then lets
 * {@code halfOpenProbes} probes through and closes after {@code halfOpenSuccesses} of them succeed.
 *
 * @param enabled            {@code false} makes the breaker pass every call through
 * @param windowType         count- or time-based sliding window
 * @param windowSize         calls (count-based) or seconds (time-based)
 * @param minimumCalls       calls recorded before any rate is judged
 * @param failureRateThreshold percentage of failures that opens the breaker
 * @param slowCallRateThreshold percentage of slow calls that opens the breaker (100 and a long duration disable it)
 * @param slowCallDuration   a call at least this long is slow
 * @param openDuration       how long the breaker stays open before probing
 * @param halfOpenProbes     how many probe calls half-open admits
 * @param halfOpenSuccesses  how many probe successes close the breaker
 */
public record CircuitBreakerConfig(
    boolean enabled,
    WindowType windowType,
    int windowSize,
    int minimumCalls,
    double failureRateThreshold,
    double slowCallRateThreshold,
    Duration slowCallDuration,
    Duration openDuration,
    int halfOpenProbes,
    int halfOpenSuccesses) {

  /** The kind of sliding window. */
  public enum WindowType {
    /** The last N calls. */
    COUNT_BASED,
    /** The calls of the last N seconds. */
    TIME_BASED
  }

  /** Validates every field. */
  public CircuitBreakerConfig {
    check(windowType != null, "windowType", null, "COUNT_BASED or TIME_BASED");
    atLeast("windowSize", windowSize, 1);
    check(windowSize <= 1_000_000, "windowSize", windowSize, "<= 1000000");
    atLeast("minimumCalls", minimumCalls, 1);
    percent("failureRateThreshold", failureRateThreshold);
    percent("slowCallRateThreshold", slowCallRateThreshold);
    positive("slowCallDuration", slowCallDuration);
    positive("openDuration", openDuration);
    atLeast("halfOpenProbes", halfOpenProbes, 1);
    atLeast("halfOpenSuccesses", halfOpenSuccesses, 1);
    check(halfOpenSuccesses <= halfOpenProbes, "halfOpenSuccesses", halfOpenSuccesses,
        "<= halfOpenProbes (" + halfOpenProbes + ")");
  }

  /**
   * Defaults: a count-based window of 100 calls, judged after 20, opening at 50 % failures, slow-call detection off
   * (100 % of calls over 60 s), 30 s open, 3 probes of which 2 must succeed.
   */
  public static CircuitBreakerConfig defaults() {
    return new CircuitBreakerConfig(true, WindowType.COUNT_BASED, 100, 20, 50, 100, Duration.ofSeconds(60),
        Duration.ofSeconds(30), 3, 2);
  }

  /** Whether slow calls are judged at all; when not, the engine skips timing calls for the breaker. */
  public boolean slowCallDetection() {
    return slowCallRateThreshold < 100;
  }

  /** Returns a copy with {@code enabled} set. */
  public CircuitBreakerConfig withEnabled(boolean v) {
    return new CircuitBreakerConfig(v, windowType, windowSize, minimumCalls, failureRateThreshold,
        slowCallRateThreshold, slowCallDuration, openDuration, halfOpenProbes, halfOpenSuccesses);
  }

  /** Returns a copy with the given window. */
  public CircuitBreakerConfig withWindow(WindowType type, int size) {
    return new CircuitBreakerConfig(enabled, type, size, minimumCalls, failureRateThreshold,
        slowCallRateThreshold, slowCallDuration, openDuration, halfOpenProbes, halfOpenSuccesses);
  }

  /** Returns a copy with {@code minimumCalls} set. */
  public CircuitBreakerConfig withMinimumCalls(int v) {
    return new CircuitBreakerConfig(enabled, windowType, windowSize, v, failureRateThreshold,
        slowCallRateThreshold, slowCallDuration, openDuration, halfOpenProbes, halfOpenSuccesses);
  }

  /** Returns a copy with the failure-rate threshold set. */
  public CircuitBreakerConfig withFailureRateThreshold(double v) {
    return new CircuitBreakerConfig(enabled, windowType, windowSize, minimumCalls, v,
        slowCallRateThreshold, slowCallDuration, openDuration, halfOpenProbes, halfOpenSuccesses);
  }

  /** Returns a copy with slow-call detection set. */
  public CircuitBreakerConfig withSlowCalls(double rateThreshold, Duration duration) {
    return new CircuitBreakerConfig(enabled, windowType, windowSize, minimumCalls, failureRateThreshold,
        rateThreshold, duration, openDuration, halfOpenProbes, halfOpenSuccesses);
  }

  /** Returns a copy with the open duration set. */
  public CircuitBreakerConfig withOpenDuration(Duration v) {
    return new CircuitBreakerConfig(enabled, windowType, windowSize, minimumCalls, failureRateThreshold,
        slowCallRateThreshold, slowCallDuration, v, halfOpenProbes, halfOpenSuccesses);
  }

  /** Returns a copy with the half-open probe count and success threshold set. */
  public CircuitBreakerConfig withHalfOpen(int probes, int successes) {
    return new CircuitBreakerConfig(enabled, windowType, windowSize, minimumCalls, failureRateThreshold,
        slowCallRateThreshold, slowCallDuration, openDuration, probes, successes);
  }
}
