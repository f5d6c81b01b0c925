package dev.breakwater.internal;

import dev.breakwater.OperationKind;
import dev.breakwater.classify.Classifier;
import java.net.ConnectException;

/**
 * Whether a failed attempt may be sent again, as far as its effect on the upstream goes (whether a retry could help
 * is the verdict's business). Reads and idempotent writes may be repeated. A write may be repeated only when the
 * upstream deduplicates it (a key, and a policy saying the upstream honours keys: the repeat cannot run twice there),
 * or once when its connection could not be established: nothing of the request was sent, so the upstream cannot have
 * run it. An error after the connection was open (a reset, a timeout, a 5xx) may follow an execution, so it never
 * is. Breakwater's own idempotency records do not make a repeat safe: they answer the caller's duplicates, while a
 * repeated attempt goes straight to the upstream.
 */
public final class RepeatRule {
  private RepeatRule() {}

  /** Whether attempt {@code attempt} of a call of {@code kind}, which failed with {@code cause}, may be repeated. */
  public static boolean mayRepeat(OperationKind kind, boolean upstreamDeduplicates, int attempt, Throwable cause) {
    if (kind.retryable(upstreamDeduplicates)) {
      return true;
    }
    return attempt == 1 && cause != null && Classifier.unwrap(cause) instanceof ConnectException;
  }
}
