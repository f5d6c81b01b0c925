package dev.breakwater.idempotency;

/**
 * What a keyed call gets while the shared idempotency store cannot answer (unreachable, slow, or known to be down):
 * deciding on one instance's local records would let two instances both run the same write.
 */
public enum WhenStoreUnavailable {
  /** Refuse the call with {@code DEGRADED} and retry advice; a write never runs twice (the default). */
  REFUSE,
  /**
   * Decide on this instance's local records (a duplicate reaching another instance during the outage may run again);
   * the records taken locally are written to the shared store when it returns.
   */
  ACCEPT_LOCAL
}
