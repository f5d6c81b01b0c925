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
 * {@code halfOpenProbes} probes through and closes after {@code halfOpenSuccesses} of them succeed. Beside the rates,
 * an absolute rule may open it: {@code failureCount} failures within {@code failureCountWindow}, however many calls
 * succeeded meanwhile. A {@code fleet} breaker shares its openings and its half-open probes with the other replicas
 * of a fleet through the engine's {@link dev.breakwater.spi.BreakerFleetStore}.
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
 * @param failureCount       failures within {@code failureCountWindow} that open the breaker; 0 switches the rule off
 * @param failureCountWindow the span those failures must fall in; {@code null} when the rule is off
 * @param fleet              whether openings and half-open probes are shared with the other replicas of a fleet
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
    int halfOpenSuccesses,
    int failureCount,
    Duration failureCountWindow,
    boolean fleet) {

  /** The most failures the absolute rule may count (the breaker keeps one timestamp per failure counted). */
  public static final int MAX_FAILURE_COUNT = 10_000;

  /** The longest span the absolute rule may look back. */
  public static final Duration MAX_FAILURE_COUNT_WINDOW = Duration.ofDays(1);

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
    check(failureCount >= 0 && failureCount <= MAX_FAILURE_COUNT, "failureCount", failureCount,
        "0 (off) or 1.." + MAX_FAILURE_COUNT);
    if (failureCount == 0) {
      check(failureCountWindow == null, "failureCountWindow", failureCountWindow, "none while failureCount is 0");
    } else {
      positive("failureCountWindow", failureCountWindow);
      check(failureCountWindow.compareTo(MAX_FAILURE_COUNT_WINDOW) <= 0, "failureCountWindow", failureCountWindow,
          "at most " + MAX_FAILURE_COUNT_WINDOW);
    }
  }

  /** A breaker judged by rates alone, on this replica alone. */
  public CircuitBreakerConfig(boolean enabled, WindowType windowType, int windowSize, int minimumCalls,
      double failureRateThreshold, double slowCallRateThreshold, Duration slowCallDuration, Duration openDuration,
      int halfOpenProbes, int halfOpenSuccesses) {
    this(enabled, windowType, windowSize, minimumCalls, failureRateThreshold, slowCallRateThreshold,
        slowCallDuration, openDuration, halfOpenProbes, halfOpenSuccesses, 0, null, false);
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
        slowCallRateThreshold, slowCallDuration, openDuration, halfOpenProbes, halfOpenSuccesses,
        failureCount, failureCountWindow, fleet);
  }

  /** Returns a copy with the given window. */
  public CircuitBreakerConfig withWindow(WindowType type, int size) {
    return new CircuitBreakerConfig(enabled, type, size, minimumCalls, failureRateThreshold,
        slowCallRateThreshold, slowCallDuration, openDuration, halfOpenProbes, halfOpenSuccesses,
        failureCount, failureCountWindow, fleet);
  }

  /** Returns a copy with {@code minimumCalls} set. */
  public CircuitBreakerConfig withMinimumCalls(int v) {
    return new CircuitBreakerConfig(enabled, windowType, windowSize, v, failureRateThreshold,
        slowCallRateThreshold, slowCallDuration, openDuration, halfOpenProbes, halfOpenSuccesses,
        failureCount, failureCountWindow, fleet);
  }

  /** Returns a copy with the failure-rate threshold set. */
  public CircuitBreakerConfig withFailureRateThreshold(double v) {
    return new CircuitBreakerConfig(enabled, windowType, windowSize, minimumCalls, v,
        slowCallRateThreshold, slowCallDuration, openDuration, halfOpenProbes, halfOpenSuccesses,
        failureCount, failureCountWindow, fleet);
  }

  /** Returns a copy with slow-call detection set. */
  public CircuitBreakerConfig withSlowCalls(double rateThreshold, Duration duration) {
    return new CircuitBreakerConfig(enabled, windowType, windowSize, minimumCalls, failureRateThreshold,
        rateThreshold, duration, openDuration, halfOpenProbes, halfOpenSuccesses,
        failureCount, failureCountWindow, fleet);
  }

  /** Returns a copy with the open duration set. */
  public CircuitBreakerConfig withOpenDuration(Duration v) {
    return new CircuitBreakerConfig(enabled, windowType, windowSize, minimumCalls, failureRateThreshold,
        slowCallRateThreshold, slowCallDuration, v, halfOpenProbes, halfOpenSuccesses, failureCount,
        failureCountWindow, fleet);
  }

  /** Returns a copy with the half-open probe count and success threshold set. */
  public CircuitBreakerConfig withHalfOpen(int probes, int successes) {
    return new CircuitBreakerConfig(enabled, windowType, windowSize, minimumCalls, failureRateThreshold,
        slowCallRateThreshold, slowCallDuration, openDuration, probes, successes, failureCount,
        failureCountWindow, fleet);
  }

  /** Returns a copy that also opens after {@code count} failures within {@code window} (0 and null: rule off). */
  public CircuitBreakerConfig withFailuresWithin(int count, Duration window) {
    return new CircuitBreakerConfig(enabled, windowType, windowSize, minimumCalls, failureRateThreshold,
        slowCallRateThreshold, slowCallDuration, openDuration, halfOpenProbes, halfOpenSuccesses, count, window,
        fleet);
  }

  /** Returns a copy with {@code fleet} set. */
  public CircuitBreakerConfig withFleet(boolean v) {
    return new CircuitBreakerConfig(enabled, windowType, windowSize, minimumCalls, failureRateThreshold,
        slowCallRateThreshold, slowCallDuration, openDuration, halfOpenProbes, halfOpenSuccesses, failureCount,
        failureCountWindow, v);
  }

  /** Whether the absolute failure-count rule is on. */
  public boolean countsFailures() {
    return failureCount > 0;
  }
}
