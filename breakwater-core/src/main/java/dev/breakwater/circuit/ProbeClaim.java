package dev.breakwater.circuit;

import java.util.concurrent.CompletionStage;

/**
 * Asked by a breaker entering half-open whether its probes may go out: a fleet of replicas answers yes to one of them
 * per half-open round, so a recovering upstream sees one replica's probes rather than every replica's.
 */
@FunctionalInterface
public interface ProbeClaim {
  /**
   * Claims the half-open round of {@code breaker}; completes with whether it won. Until it completes the breaker admits
   * no probe; a breaker that lost admits none in this round (the claimant decides what it does next, for instance
   * reopening it); a claim that fails lets the breaker probe as if alone.
   */
  CompletionStage<Boolean> claim(CircuitBreaker breaker);
}
