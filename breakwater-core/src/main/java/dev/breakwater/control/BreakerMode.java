package dev.breakwater.control;

/** What an operator forces an upstream's circuit breaker to. */
public enum BreakerMode {
  /** Held open: calls fail fast with CIRCUIT_OPEN. */
  OPEN,
  /** Held closed: calls pass and nothing is recorded. */
  CLOSED,
  /** Switched off: calls pass and nothing is recorded. */
  DISABLED
}
