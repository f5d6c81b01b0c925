package dev.breakwater.gateway.health;

import dev.breakwater.CallContext;
import dev.breakwater.ErrorCode;
import dev.breakwater.Pipeline;
import dev.breakwater.Source;
import dev.breakwater.event.BreakwaterListener;
import dev.breakwater.event.Interest;
import dev.breakwater.gateway.slo.BudgetRing;
import dev.breakwater.time.TimeSource;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Each upstream's recent failed and slow attempts, for the health rules: one ring of one-second buckets over an hour
 * per upstream for failures, and one per (upstream, slow-call threshold) a rule watches. Fed by every engine's attempts
 * (it outlives reloads), O(1) and allocation-free per attempt once an upstream's rings exist.
 */
public final class UpstreamCallRates implements BreakwaterListener {
  private static final long WIDTH_MILLIS = 1000;
  private static final int SLOTS = 3600;

  private final TimeSource time;
  private final Map<String, BudgetRing> failures = new ConcurrentHashMap<>();
  private volatile Map<String, long[]> slowThresholds = Map.of();
  private final Map<String, BudgetRing[]> slow = new ConcurrentHashMap<>();

  /** Counts on {@code time}'s wall clock. */
  public UpstreamCallRates(TimeSource time) {
    this.time = time;
  }

  /** The slow-call thresholds the rules watch, per upstream (replaced on reload). */
  public void watchSlowCalls(Map<String, long[]> thresholdNanosByUpstream) {
    slowThresholds = Map.copyOf(thresholdNanosByUpstream);
    slow.clear();
  }

  @Override
  public Set<Interest> interests() {
    return Set.of(Interest.ATTEMPTS);
  }

  @Override
  public void onAttempt(Pipeline<?> pipeline, CallContext ctx, int attempt, ErrorCode code, long upstreamNanos) {
    String upstream = ctx.upstream() != null ? ctx.upstream() : pipeline.upstream();
    if (upstream == null) {
      return;
    }
    long now = time.epochMillis();
    failures.computeIfAbsent(upstream, u -> new BudgetRing(WIDTH_MILLIS, SLOTS)).record(now, code != null);
    long[] thresholds = slowThresholds.get(upstream);
    if (thresholds != null) {
      BudgetRing[] rings = slow.computeIfAbsent(upstream, u -> newRings(thresholds.length));
      for (int i = 0; i < thresholds.length; i++) {
        rings[i].record(now, upstreamNanos > thresholds[i]);
      }
    }
  }

  private static BudgetRing[] newRings(int n) {
    BudgetRing[] r = new BudgetRing[n];
    for (int i = 0; i < n; i++) {
      r[i] = new BudgetRing(WIDTH_MILLIS, SLOTS);
    }
    return r;
  }

  /** The percentage of failed attempts over {@code window}; NaN below {@code minCalls}. */
  public double errorRate(String upstream, Duration window, int minCalls) {
    return percent(failures.get(upstream), window, minCalls);
  }

  /** The percentage of attempts slower than {@code slowerThan} over {@code window}; NaN below {@code minCalls}. */
  public double slowCallRate(String upstream, Duration slowerThan, Duration window, int minCalls) {
    long[] thresholds = slowThresholds.get(upstream);
    BudgetRing[] rings = slow.get(upstream);
    if (thresholds == null || rings == null) {
      return Double.NaN;
    }
    for (int i = 0; i < thresholds.length; i++) {
      if (thresholds[i] == slowerThan.toNanos()) {
        return percent(rings[i], window, minCalls);
      }
    }
    return Double.NaN;
  }

  private double percent(BudgetRing ring, Duration window, int minCalls) {
    if (ring == null) {
      return Double.NaN;
    }
    BudgetRing.Counts c = ring.over(time.epochMillis(), window.toMillis());
    return c.good() + c.bad() < minCalls ? Double.NaN : 100.0 * c.errorRatio();
  }
}
