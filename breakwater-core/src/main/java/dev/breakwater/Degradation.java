package dev.breakwater;

/** The service level an operator (or a health rule) sets. */
public enum Degradation {
  /** Everything runs. */
  NORMAL,
  /** Batch and non-essential work is rejected with DEGRADED; the rest runs. */
  DEGRADED,
  /** Writes are rejected with READ_ONLY; reads run. */
  READ_ONLY,
  /**
   * The upstream is never called: a read is answered from the cache (fresh, or a stale entry within its
   * stale-if-error window) or by the pipeline's fallback, else every call is rejected with DEGRADED and a
   * Retry-After. At an upstream's target this is the "dependency disabled" level: its routes serve their fallback.
   */
  CACHED_ONLY,
  /**
   * Only critical calls (allow-listed routes or tenants) run; every other call is rejected with DEGRADED and a
   * Retry-After.
   */
  EMERGENCY,
  /** Every call is rejected with MAINTENANCE. */
  MAINTENANCE;

  /** How long a caller refused at this level is told to wait, or null when the level says nothing about it. */
  public java.time.Duration retryAfter() {
    return this == MAINTENANCE || this == EMERGENCY ? java.time.Duration.ofSeconds(60)
        : this == CACHED_ONLY ? java.time.Duration.ofSeconds(30) : null;
  }

  /** The error a standard call of this kind and lane gets at this level, or {@code null} if it may run. */
  public ErrorCode rejects(OperationKind kind, Lane lane) {
    return rejects(kind, lane, Criticality.STANDARD);
  }

  /** The error a call of this kind, lane and criticality gets at this level, or {@code null} if it may run. */
  public ErrorCode rejects(OperationKind kind, Lane lane, Criticality criticality) {
    switch (this) {
      case MAINTENANCE:
        return ErrorCode.MAINTENANCE;
      case CACHED_ONLY:
        return ErrorCode.DEGRADED;
      case EMERGENCY:
        return criticality == Criticality.CRITICAL ? null : ErrorCode.DEGRADED;
      case READ_ONLY:
        return kind == OperationKind.READ ? null : ErrorCode.READ_ONLY;
      case DEGRADED:
        return lane == Lane.BATCH || criticality == Criticality.NON_ESSENTIAL ? ErrorCode.DEGRADED : null;
      default:
        return null;
    }
  }
}
