package dev.breakwater.event;

import java.util.Locale;

/** What the idempotency stage decided for a call that carried an idempotency key. */
public enum IdempotencyOutcome {
  /** The key was new: the call runs, holding the key until it completes. */
  RESERVED,
  /** The key was completed before: its stored value answered the call, which did not run. */
  REPLAYED,
  /** The key is held by a call still in flight: refused with {@code IDEMPOTENCY_CONFLICT}. */
  CONFLICT,
  /** The key was used with another request: refused with {@code IDEMPOTENCY_MISMATCH}. */
  MISMATCH,
  /** The call failed before it could run upstream, so its reservation was dropped and the client may retry. */
  RELEASED,
  /**
   * The call failed after it may have run upstream (a timeout, a 5xx, a broken connection): the key keeps that
   * outcome, so a repeat of it is answered, not run again.
   */
  KEPT,
  /** The store could not answer and the policy refuses rather than decide locally: refused with {@code DEGRADED}. */
  REFUSED;

  private final String tag = name().toLowerCase(Locale.ROOT);

  /** The lower-case name, as metrics and logs spell it. */
  public String tag() {
    return tag;
  }
}
