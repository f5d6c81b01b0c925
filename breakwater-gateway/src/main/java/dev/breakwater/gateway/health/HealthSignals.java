package dev.breakwater.gateway.health;

import java.time.Duration;

/** What the health rules read: the gateway's live signals, each answered from state it already keeps. */
public interface HealthSignals {

  /** Whether a breaker of {@code upstream} is open (OPEN or forced open). */
  boolean breakerOpen(String upstream);

  /** Whether the shared state store does not answer. */
  boolean stateStoreUnreachable();

  /** The percentage of {@code upstream}'s calls that failed over {@code window}; NaN below {@code minCalls} calls. */
  double errorRate(String upstream, Duration window, int minCalls);

  /** The percentage of {@code upstream}'s calls slower than {@code slowerThan}; NaN below {@code minCalls} calls. */
  double slowCallRate(String upstream, Duration slowerThan, Duration window, int minCalls);

  /** An SLO's SLI burn rate over one of the alert windows; NaN when there is no such SLI. */
  double burnRate(String slo, String sli, String window);

  /** The percentage of {@code upstream}'s endpoints that take no calls now (checks failing, or ejected). */
  double endpointsDown(String upstream);
}
