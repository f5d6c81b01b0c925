package dev.breakwater.gateway.health;

import dev.breakwater.Breakwater;
import dev.breakwater.circuit.CircuitBreaker;
import dev.breakwater.circuit.CircuitState;
import dev.breakwater.gateway.slo.BudgetTracker;
import dev.breakwater.gateway.upstream.balance.SelectorStatus;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/** The signals of a running gateway: its engine's breakers, its state store, its call rates and its SLO budgets. */
public final class GatewaySignals implements HealthSignals {
  private final Supplier<Breakwater> engine;
  private final Supplier<Optional<String>> storeDegraded;
  private final UpstreamCallRates rates;
  private final BudgetTracker budgets;
  private final Supplier<Map<String, SelectorStatus>> endpoints;

  /**
   * Signals read from the engine in force, the store's health, the call rates, the budgets and the endpoints'
   * state.
   */
  public GatewaySignals(Supplier<Breakwater> engine, Supplier<Optional<String>> storeDegraded,
      UpstreamCallRates rates, BudgetTracker budgets, Supplier<Map<String, SelectorStatus>> endpoints) {
    this.engine = engine;
    this.storeDegraded = storeDegraded;
    this.rates = rates;
    this.budgets = budgets;
    this.endpoints = endpoints;
  }

  @Override
  public boolean breakerOpen(String upstream) {
    for (CircuitBreaker b : engine.get().circuitBreakers().values()) {
      if (b.upstream().equals(upstream)
          && (b.state() == CircuitState.OPEN || b.state() == CircuitState.FORCED_OPEN)) {
        return true;
      }
    }
    return false;
  }

  @Override
  public boolean stateStoreUnreachable() {
    return storeDegraded.get().isPresent();
  }

  @Override
  public double errorRate(String upstream, Duration window, int minCalls) {
    return rates.errorRate(upstream, window, minCalls);
  }

  @Override
  public double slowCallRate(String upstream, Duration slowerThan, Duration window, int minCalls) {
    return rates.slowCallRate(upstream, slowerThan, window, minCalls);
  }

  @Override
  public double burnRate(String slo, String sli, String window) {
    return budgets.burnRate(slo, sli, window);
  }

  @Override
  public double endpointsDown(String upstream) {
    SelectorStatus status = endpoints.get().get(upstream);
    if (status == null || status.endpoints().isEmpty()) {
      return Double.NaN;
    }
    long down = status.endpoints().stream().filter(e -> !e.available()).count();
    return 100.0 * down / status.endpoints().size();
  }
}
