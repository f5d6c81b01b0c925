package dev.breakwater;

/** The service level an operator (or a health rule) sets. */
public enum Degradation {
  /** Everything runs. */
  NORMAL,
  /** Batch work is rejected with DEGRADED; interactive calls run. */
  DEGRADED,
  /** Writes are rejected with READ_ONLY; reads run. */
  READ_ONLY,
  /** Every call is rejected with MAINTENANCE. */
  MAINTENANCE;

  /** The error a call of this kind and lane gets at this level, or {@code null} if it may run. */
  public ErrorCode rejects(OperationKind kind, Lane lane) {
    switch (this) {
      case MAINTENANCE:
        return ErrorCode.MAINTENANCE;
      case READ_ONLY:
        return kind == OperationKind.READ ? null : ErrorCode.READ_ONLY;
      case DEGRADED:
        return lane == Lane.BATCH ? ErrorCode.DEGRADED : null;
      default:
        return null;
    }
  }
}
