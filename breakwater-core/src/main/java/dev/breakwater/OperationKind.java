package dev.breakwater;

/** What a call does to the upstream, which decides whether it may be retried. */
public enum OperationKind {
  /** Reads nothing but state: always safe to retry. */
  READ,
  /** A write that has the same effect when repeated (PUT, DELETE): safe to retry. */
  IDEMPOTENT_WRITE,
  /** A write that may take effect twice: retried only when it carries an idempotency key. */
  WRITE;

  /** Whether a call of this kind may be retried, given whether it carries an idempotency key. */
  public boolean retryable(boolean hasIdempotencyKey) {
    return this != WRITE || hasIdempotencyKey;
  }
}
