package dev.breakwater.classify;

import dev.breakwater.BreakwaterException;
import dev.breakwater.ErrorCode;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.SocketTimeoutException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;

/**
 * Maps one attempt's value or exception to a {@link Verdict}. An implementation must be thread-safe and should return
 * {@link Verdict#success()} without allocating on the success path.
 *
 * @param <T> the type of the call's value
 */
@FunctionalInterface
public interface Classifier<T> {

  /** Classifies an attempt that returned {@code value} (when {@code error} is null) or threw {@code error}. */
  Verdict classify(T value, Throwable error);

  /**
   * The default: every value is a success; a {@link BreakwaterException} keeps its code; timeouts are TIMEOUT and
   * other I/O errors UPSTREAM_ERROR, both retryable; any other exception is an UPSTREAM_ERROR that is not retried
   * (a bug in the caller's code does not get better by repetition) but counts against the breaker.
   */
  static <T> Classifier<T> exceptions() {
    return (value, error) -> error == null ? Verdict.success() : classifyException(error);
  }

  /** The default classification of an exception, for classifiers that handle values and delegate exceptions. */
  static Verdict classifyException(Throwable error) {
    Throwable e = unwrap(error);
    if (e instanceof BreakwaterException) {
      BreakwaterException b = (BreakwaterException) e;
      ErrorCode c = b.code();
      switch (c) {
        case UPSTREAM_ERROR:
        case TIMEOUT:
          return Verdict.failure(c, true, true, null, b.getMessage(), b);
        case THROTTLED:
          return Verdict.failure(c, true, false, b.retryAfter().orElse(null), b.getMessage(), b);
        default:
          return Verdict.failure(c, false, false, b.retryAfter().orElse(null), b.getMessage(), b);
      }
    }
    if (e instanceof TimeoutException || e instanceof SocketTimeoutException) {
      return Verdict.failure(ErrorCode.TIMEOUT, true, true, null, Failures.describe(e), e);
    }
    if (e instanceof IOException && !(e instanceof InterruptedIOException)) {
      return Verdict.upstreamError(Failures.describe(e), e);
    }
    return Verdict.failure(ErrorCode.UPSTREAM_ERROR, false, true, null, Failures.describe(e), e);
  }

  /** Strips the wrappers that futures put around an exception. */
  static Throwable unwrap(Throwable t) {
    Throwable e = t;
    while ((e instanceof CompletionException || e instanceof ExecutionException) && e.getCause() != null) {
      e = e.getCause();
    }
    return e;
  }
}
