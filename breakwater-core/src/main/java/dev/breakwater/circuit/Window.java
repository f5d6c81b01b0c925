package dev.breakwater.circuit;

/** A sliding window of call outcomes that says when a threshold is reached. */
interface Window {
  /** Records one outcome; returns whether the window now calls for opening the breaker. */
  boolean record(boolean failure, boolean slow);

  /** The failure rate in percent, or -1 while fewer than the minimum calls were recorded. */
  float failureRate();

  /** The slow-call rate in percent, or -1 while fewer than the minimum calls were recorded. */
  float slowCallRate();

  /** Creates an empty window for the given config; only a time-based window reads the clock. */
  static Window create(CircuitBreakerConfig c, dev.breakwater.time.TimeSource time) {
    return c.windowType() == CircuitBreakerConfig.WindowType.COUNT_BASED
        ? new CountWindow(c) : new TimeWindow(c, time);
  }
}
