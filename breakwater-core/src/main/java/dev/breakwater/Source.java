package dev.breakwater;

/** Where the value of a completed call came from. */
public enum Source {
  /** A live call to the upstream. */
  UPSTREAM,
  /** A fresh cache entry. */
  CACHE,
  /** A stale cache entry served because the upstream failed (degraded). */
  STALE_CACHE,
  /** A fallback value served because the call failed (degraded). */
  FALLBACK,
  /** The stored outcome of an earlier call with the same idempotency key. */
  REPLAY;

  /** Whether a value from this source is a degraded answer. */
  public boolean degraded() {
    return this == STALE_CACHE || this == FALLBACK;
  }
}
