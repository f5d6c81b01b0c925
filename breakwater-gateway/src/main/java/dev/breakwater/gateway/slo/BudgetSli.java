package dev.breakwater.gateway.slo;

import java.time.Duration;

/**
 * One SLI of one objective at run time: its calls in a ring of 1-minute buckets over 3 days (the burn-rate windows)
 * and one of 1-hour buckets over 90 days (the longest SLO window, for the budget left).
 */
final class BudgetSli {
  private static final long MINUTE = 60_000;
  private static final long HOUR = 3_600_000;

  final String sli;
  final double objective;
  /** The latency threshold in nanos, or -1 for availability. */
  final long thresholdNanos;
  private final BudgetRing minutes = new BudgetRing(MINUTE, 3 * 24 * 60);
  private final BudgetRing hours = new BudgetRing(HOUR, 90 * 24);

  BudgetSli(String sli, double objective, long thresholdNanos) {
    this.sli = sli;
    this.objective = objective;
    this.thresholdNanos = thresholdNanos;
  }

  /** Counts one counted call; for latency a call slower than the threshold is bad, failed or not. */
  void record(long epochMillis, boolean failed, long durationNanos) {
    boolean bad = thresholdNanos < 0 ? failed : durationNanos > thresholdNanos;
    minutes.record(epochMillis, bad);
    hours.record(epochMillis, bad);
  }

  /** The error ratio over {@code window} (at most 3 days) ending at {@code epochMillis}. */
  double errorRatio(long epochMillis, Duration window) {
    return minutes.over(epochMillis, window.toMillis()).errorRatio();
  }

  /** The error ratio over {@code window} divided by the error budget (1 − objective): 1.0 spends it exactly. */
  double burnRate(long epochMillis, Duration window) {
    return errorRatio(epochMillis, window) / (1 - objective);
  }

  /** The share of the SLO window's budget left (negative when overspent), from this replica's calls. */
  double budgetRemaining(long epochMillis, Duration sloWindow) {
    return 1 - hours.over(epochMillis, sloWindow.toMillis()).errorRatio() / (1 - objective);
  }
}
