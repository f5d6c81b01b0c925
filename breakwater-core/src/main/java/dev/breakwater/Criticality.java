package dev.breakwater;

/**
 * How much a call matters when the service is degraded: non-essential work is shed first
 * ({@link Degradation#DEGRADED}), and in an emergency only critical calls run ({@link Degradation#EMERGENCY}).
 */
public enum Criticality {
  /** Optional work, shed at DEGRADED like batch work (a route marked {@code essential: false}). */
  NON_ESSENTIAL,
  /** Ordinary calls. */
  STANDARD,
  /** Calls that still run in an emergency (an allow-listed route or tenant). */
  CRITICAL
}
