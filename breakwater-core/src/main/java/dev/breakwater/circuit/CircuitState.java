package dev.breakwater.circuit;

/** The states of a circuit breaker. */
public enum CircuitState {
  /** Calls pass and their outcomes are recorded. */
  CLOSED,
  /** Calls fail fast with {@code CIRCUIT_OPEN} until the open duration has passed. */
  OPEN,
  /** A bounded number of probe calls pass to test whether the upstream recovered. */
  HALF_OPEN,
  /** Held open by an operator until reset. */
  FORCED_OPEN,
  /** Held closed by an operator until reset: calls pass and nothing is recorded. */
  FORCED_CLOSED,
  /** Switched off by configuration or an operator: calls pass and nothing is recorded. */
  DISABLED;

  /** Whether the breaker lets a call through in this state without a probe permit. */
  public boolean admitsAll() {
    return this == CLOSED || this == FORCED_CLOSED || this == DISABLED;
  }

  /** The numeric value exported as a metric: 0 closed, 1 open, 2 half-open, 3 forced open, 4 forced closed, 5 disabled. */
  public int metricValue() {
    return ordinal();
  }
}
