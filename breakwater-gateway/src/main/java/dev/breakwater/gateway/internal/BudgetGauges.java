package dev.breakwater.gateway.internal;

import dev.breakwater.gateway.slo.BudgetTracker;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.List;

/**
 * The run-time error budgets as gauges: {@code breakwater_slo_burn_rate{slo,sli,window}} and
 * {@code breakwater_slo_budget_remaining{slo,sli}}, re-registered after each reload for the objectives in force.
 */
public final class BudgetGauges {
  private final MeterRegistry registry;
  private final BudgetTracker tracker;
  private final List<Meter> meters = new ArrayList<>();

  /** Publishes {@code tracker}'s objectives in {@code registry}, now and after every reconfiguration. */
  public static void publish(MeterRegistry registry, BudgetTracker tracker) {
    BudgetGauges g = new BudgetGauges(registry, tracker);
    tracker.onConfigured(g::sync);
  }

  private BudgetGauges(MeterRegistry registry, BudgetTracker tracker) {
    this.registry = registry;
    this.tracker = tracker;
  }

  /** Drops the gauges of the previous objectives and registers those of the tracker's current ones. */
  private synchronized void sync() {
    meters.forEach(registry::remove);
    meters.clear();
    for (BudgetTracker.Slo slo : tracker.status()) {
      for (BudgetTracker.Sli sli : slo.slis()) {
        String s = slo.name();
        String i = sli.sli();
        for (String w : BudgetTracker.WINDOWS) {
          meters.add(Gauge.builder("breakwater.slo.burn.rate", tracker, t -> t.burnRate(s, i, w))
              .description("This replica's error ratio over the window divided by the error budget")
              .tags("slo", s, "sli", i, "window", w).register(registry));
        }
        meters.add(Gauge.builder("breakwater.slo.budget.remaining", tracker, t -> t.budgetRemaining(s, i))
            .description("The share of the SLO window's error budget this replica has left")
            .tags("slo", s, "sli", i).register(registry));
      }
    }
  }
}
