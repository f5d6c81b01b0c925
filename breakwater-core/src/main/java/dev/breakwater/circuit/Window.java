package dev.breakwater.circuit;

/** A sliding window of call outcomes that says when a threshold is reached. */
interface Window {
  /** Records one outcome; returns whether the window now calls for opening the breaker. */
  boolean record(boolean failure, boolean slow, long nowNanos);

  /** The failure rate in percent, or -1 while fewer than the minimum calls were recorded. */
  float failureRate(long nowNanos);

  /** The slow-call rate in percent, or -1 while fewer than the minimum calls were recorded. */
  float slowCallRate(long nowNanos);

  /** Creates an empty window for the given config. */
  static Window create(CircuitBreakerConfig c, long nowNanos) {
    return c.windowType() == CircuitBreakerConfig.WindowType.COUNT_BASED
        ? new CountWindow(c) : new TimeWindow(c, nowNanos);
  }
}
