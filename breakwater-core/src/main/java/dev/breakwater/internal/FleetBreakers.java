package dev.breakwater.internal;

import dev.breakwater.circuit.CircuitBreaker;
import dev.breakwater.circuit.CircuitState;
import dev.breakwater.spi.BreakerFleetStore;
import dev.breakwater.spi.BreakerFleetStore.BreakerChange;
import dev.breakwater.spi.StoreKeys;
import dev.breakwater.time.TimeSource;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletionStage;

/**
 * Ties the fleet-aware breakers of one replica to its {@link BreakerFleetStore}: a breaker that opens on its own
 * calls (or closes after its probes) is published; an opening heard from another replica opens the local breaker for
 * the time that remains, a closing closes it; and a half-open round probes only on the replica that claimed it, the
 * others staying open for another open duration (or until they hear how the round ended).
 *
 * <p>Changes this replica applies because of the fleet are not published again: they would echo between replicas.
 * Outlives reloads (the engine that replaces another takes it over), so the store is subscribed to once.
 */
final class FleetBreakers {
  private final BreakerFleetStore store;
  private final TimeSource time;
  private final String replica = UUID.randomUUID().toString();
  // Set while this replica applies a fleet decision, so the transitions it causes are not published back.
  private final ThreadLocal<Boolean> applying = ThreadLocal.withInitial(() -> Boolean.FALSE);
  private volatile Engine engine;

  FleetBreakers(BreakerFleetStore store, TimeSource time) {
    this.store = store;
    this.time = time;
    store.subscribe(this::onChange);
  }

  /** The store this replica shares its breakers through. */
  BreakerFleetStore store() {
    return store;
  }

  /** Makes {@code e} the engine whose breakers fleet changes apply to (the one in force after a reload). */
  void serve(Engine e) {
    this.engine = e;
  }

  /** Shares {@code b}, made under the config named {@code configName}, with the fleet. */
  void attach(CircuitBreaker b, String configName) {
    b.claimProbesWith(breaker -> claim(breaker, configName));
    b.addListener((breaker, from, to, reason) -> {
      if (applying.get()) {
        return;
      }
      if (to == CircuitState.OPEN && from != CircuitState.OPEN) {
        long until = time.epochMillis() + Math.max(1, breaker.remainingOpen().toMillis());
        store.publish(new BreakerChange(replica, breaker.upstream(), breaker.tenant(), configName, until));
      } else if (to == CircuitState.CLOSED && from == CircuitState.HALF_OPEN) {
        store.publish(new BreakerChange(replica, breaker.upstream(), breaker.tenant(), configName, 0));
      }
    });
  }

  private CompletionStage<Boolean> claim(CircuitBreaker b, String configName) {
    Duration round = b.config().openDuration();
    return store.claimProbeRound(StoreKeys.of(b.upstream(), b.tenant(), configName), round).thenApply(won -> {
      if (!won) {
        apply(() -> b.openFor(round, "another replica probes the upstream in this half-open round"));
      }
      return won;
    });
  }

  private void onChange(BreakerChange change) {
    if (replica.equals(change.replica())) {
      return;
    }
    Engine e = engine;
    CircuitBreaker b = e == null ? null : e.fleetBreaker(change.upstream(), change.tenant(), change.config());
    if (b == null) {
      return;
    }
    if (change.opened()) {
      long remaining = change.openUntilEpochMillis() - time.epochMillis();
      if (remaining > 0) {
        apply(() -> b.openFor(Duration.ofMillis(remaining), "opened by another replica"));
      }
    } else {
      apply(() -> b.closeAfterRecovery("closed by another replica whose probes succeeded"));
    }
  }

  private void apply(Runnable fleetDecision) {
    Boolean outer = applying.get();
    applying.set(Boolean.TRUE);
    try {
      fleetDecision.run();
    } finally {
      applying.set(outer);
    }
  }
}
