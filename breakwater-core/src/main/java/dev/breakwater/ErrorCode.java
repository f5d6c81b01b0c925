package dev.breakwater;

/** The single taxonomy of failures a caller of Breakwater can see, with the HTTP status the gateway maps each to. */
public enum ErrorCode {
  /** The upstream throttled us (429/503 with Retry-After); calls hold off until then. */
  THROTTLED(429),
  /** This tenant, user or operation exhausted its own budget. */
  RATE_LIMITED(429),
  /** The upstream is failing and its circuit breaker is open; calls fail fast. */
  CIRCUIT_OPEN(503),
  /** Too many concurrent calls in this lane. */
  BULKHEAD_FULL(503),
  /** The attempt timeout or the overall deadline ran out. */
  TIMEOUT(504),
  /** The upstream failed and retries did not help. */
  UPSTREAM_ERROR(502),
  /** The upstream needs (re)authentication. */
  AUTH_REQUIRED(401),
  /** The upstream needs the user's or an admin's consent. */
  CONSENT_REQUIRED(403),
  /** An operator or a health rule limited the service. */
  DEGRADED(503),
  /** Writes are switched off by an operator. */
  READ_ONLY(503),
  /** Everything is switched off by an operator. */
  MAINTENANCE(503),
  /** The same idempotency key is still in flight. */
  IDEMPOTENCY_CONFLICT(409),
  /** The same idempotency key came back with a different request. */
  IDEMPOTENCY_MISMATCH(422),
  /** The caller sent something malformed. */
  INVALID_REQUEST(400);

  private final int httpStatus;

  ErrorCode(int httpStatus) {
    this.httpStatus = httpStatus;
  }

  /** The HTTP status the gateway answers with for this code. */
  public int httpStatus() {
    return httpStatus;
  }
}
