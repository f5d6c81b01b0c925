package dev.breakwater.event;

import java.util.EnumSet;
import java.util.Set;

/**
 * The per-call events a listener may decline, so that the engine does not dispatch them on its hot path: a listener
 * says which it wants in {@link BreakwaterListener#interests()}. Every other event is rare and always delivered.
 */
public enum Interest {
  /** {@link BreakwaterListener#onCallCompleted}: one per call, with its duration. */
  CALLS,
  /** {@link BreakwaterListener#onRateLimit}: one per rate-limited call. */
  RATE_LIMITS,
  /** {@link BreakwaterListener#onCircuitCall}: one per attempt a circuit breaker judged. */
  CIRCUIT_CALLS,
  /** {@link BreakwaterListener#onAttempt}: one per attempt that reached the upstream, with its upstream time. */
  ATTEMPTS;

  /** Every per-call event. */
  public static Set<Interest> all() {
    return EnumSet.allOf(Interest.class);
  }

  /** No per-call event. */
  public static Set<Interest> none() {
    return EnumSet.noneOf(Interest.class);
  }
}
