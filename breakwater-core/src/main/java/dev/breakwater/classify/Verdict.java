package dev.breakwater.classify;

import dev.breakwater.ErrorCode;
import java.time.Duration;
import java.util.Objects;

/**
 * What one attempt's outcome means: success, or a failure with its error code, whether it may be retried, whether it
 * says the upstream is unhealthy (counts against the circuit breaker) and the upstream's Retry-After if it sent one.
 */
public final class Verdict {
  private static final Verdict SUCCESS = new Verdict(null, false, false, null, null, null);

  private final ErrorCode code;
  private final boolean retryable;
  private final boolean upstreamUnhealthy;
  private final Duration retryAfter;
  private final String detail;
  private final Throwable cause;

  private Verdict(ErrorCode code, boolean retryable, boolean upstreamUnhealthy, Duration retryAfter, String detail,
      Throwable cause) {
    this.code = code;
    this.retryable = retryable;
    this.upstreamUnhealthy = upstreamUnhealthy;
    this.retryAfter = retryAfter;
    this.detail = detail;
    this.cause = cause;
  }

  /** The success verdict (a shared instance: classifying a success allocates nothing). */
  public static Verdict success() {
    return SUCCESS;
  }

  /** A failure with every attribute given. */
  public static Verdict failure(ErrorCode code, boolean retryable, boolean upstreamUnhealthy, Duration retryAfter,
      String detail, Throwable cause) {
    return new Verdict(Objects.requireNonNull(code, "code"), retryable, upstreamUnhealthy, retryAfter, detail, cause);
  }

  /** A transient upstream failure (5xx, network error): retryable, and counted against the breaker. */
  public static Verdict upstreamError(String detail, Throwable cause) {
    return new Verdict(ErrorCode.UPSTREAM_ERROR, true, true, null, detail, cause);
  }

  /** An attempt that ran out of time: retryable, and counted against the breaker. */
  public static Verdict timeout(String detail) {
    return new Verdict(ErrorCode.TIMEOUT, true, true, null, detail, null);
  }

  /** The upstream throttled the call, with its Retry-After when it sent one: retryable after that wait. */
  public static Verdict throttled(Duration retryAfter, String detail) {
    return new Verdict(ErrorCode.THROTTLED, true, false, retryAfter, detail, null);
  }

  /** A failure that retrying cannot fix and that says nothing against the upstream's health (auth, consent...). */
  public static Verdict permanent(ErrorCode code, String detail, Throwable cause) {
    return new Verdict(Objects.requireNonNull(code, "code"), false, false, null, detail, cause);
  }

  /** Whether the attempt succeeded. */
  public boolean isSuccess() {
    return code == null;
  }

  /** The error code, or {@code null} on success. */
  public ErrorCode code() {
    return code;
  }

  /** Whether a retry may help. */
  public boolean retryable() {
    return retryable;
  }

  /** Whether the failure says the upstream is unhealthy (counts against the circuit breaker). */
  public boolean upstreamUnhealthy() {
    return upstreamUnhealthy;
  }

  /** The upstream's Retry-After, or {@code null}. */
  public Duration retryAfter() {
    return retryAfter;
  }

  /** A human-readable detail, or {@code null}. */
  public String detail() {
    return detail;
  }

  /** The exception behind the failure, or {@code null}. */
  public Throwable cause() {
    return cause;
  }

  @Override
  public String toString() {
    return isSuccess() ? "Verdict{success}" : "Verdict{" + code + (retryable ? ", retryable" : "")
        + (upstreamUnhealthy ? ", unhealthy" : "") + (retryAfter != null ? ", retryAfter=" + retryAfter : "")
        + (detail != null ? ", " + detail : "") + '}';
  }
}
