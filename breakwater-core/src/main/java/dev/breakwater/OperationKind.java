package dev.breakwater;

/** What a call does to the upstream, which decides whether it may be retried. */
public enum OperationKind {
  /** Reads nothing but state: always safe to retry. */
  READ,
  /** A write that has the same effect when repeated (PUT, DELETE): safe to retry. */
  IDEMPOTENT_WRITE,
  /**
   * A write that may take effect twice: retried only when the pipeline deduplicates it (an idempotency policy and an
   * idempotency key), or once when its connection could not be established (nothing of it was sent).
   */
  WRITE;

  /**
   * Whether a call of this kind may be retried after it may have reached the upstream, given whether the pipeline
   * deduplicates it (an idempotency policy is configured AND the call carries a key; a key alone deduplicates
   * nothing).
   */
  public boolean retryable(boolean deduplicated) {
    return this != WRITE || deduplicated;
  }
}
