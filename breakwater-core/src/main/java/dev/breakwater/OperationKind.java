package dev.breakwater;

/** What a call does to the upstream, which decides whether it may be retried. */
public enum OperationKind {
  /** Reads nothing but state: always safe to retry. */
  READ,
  /** A write that has the same effect when repeated (PUT, DELETE): safe to retry. */
  IDEMPOTENT_WRITE,
  /**
   * A write that may take effect twice: retried only when the upstream deduplicates it (a key, under an idempotency
   * policy that says the upstream honours keys), or once when its connection could not be established (nothing of it
   * was sent).
   */
  WRITE;

  /**
   * Whether a call of this kind may be retried after it may have reached the upstream, given whether the upstream
   * deduplicates it (the call carries a key AND its idempotency policy says the upstream honours keys; Breakwater's
   * own idempotency records deduplicate the caller's repeats, not its own attempts).
   */
  public boolean retryable(boolean upstreamDeduplicates) {
    return this != WRITE || upstreamDeduplicates;
  }
}
