package dev.breakwater.spi;

import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

/**
 * Where the fleet-aware circuit breakers of several replicas meet: a replica that opens or closes such a breaker
 * publishes it, every replica hears it, and a half-open round is claimed by one replica so that only its probes reach
 * the upstream. Instants are wall-clock epoch milliseconds because a fleet shares them. A store that cannot reach its
 * fleet lets each replica act alone: publishing is lost, and a claim is granted.
 */
public interface BreakerFleetStore {

  /** Tells every replica of a change; must not block, it runs on the thread that made the transition. */
  void publish(BreakerChange change);

  /**
   * Registers {@code listener} for the changes any replica publishes (the publisher's own included: a replica skips its
   * own by {@link BreakerChange#replica()}); a store may also replay breakers still open, for instance after it
   * reconnects.
   */
  void subscribe(Consumer<BreakerChange> listener);

  /**
   * Claims the half-open round of the breaker {@code key} (built with {@link StoreKeys}) for {@code ttl}: completes
   * true for the first claimant and false for every other until the claim expires; true when the store cannot answer.
   */
  CompletionStage<Boolean> claimProbeRound(String key, Duration ttl);

  /**
   * A breaker opened or closed on one replica.
   *
   * @param replica             the publishing replica, so that it can skip its own changes ({@code null} for a change
   *                            a store replays, which every replica applies)
   * @param upstream            the breaker's upstream
   * @param tenant              the breaker's tenant, or {@code null} for a breaker shared by every tenant
   * @param config              the name of the breaker's config
   * @param openUntilEpochMillis when an opened breaker lets probes through; 0 for a breaker that closed
   */
  record BreakerChange(String replica, String upstream, String tenant, String config, long openUntilEpochMillis) {

    /** Whether the breaker opened (rather than closed). */
    public boolean opened() {
      return openUntilEpochMillis > 0;
    }

    /** The key of the breaker, the same on every replica: its upstream, tenant and config name. */
    public String breakerKey() {
      return StoreKeys.of(upstream, tenant, config);
    }
  }
}
