package dev.breakwater;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * The one failure type a caller of Breakwater sees: an {@link ErrorCode}, the correlation id of the call, and a
 * {@code retryAfter} where the code has one.
 */
public final class BreakwaterException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final ErrorCode code;
  private final Duration retryAfter;
  private final String correlationId;
  private final String limit;

  /** Creates an exception with the given code, detail message, retry-after (nullable), correlation id and cause. */
  public BreakwaterException(ErrorCode code, String detail, Duration retryAfter, String correlationId, Throwable cause) {
    this(code, detail, retryAfter, correlationId, cause, null);
  }

  private BreakwaterException(ErrorCode code, String detail, Duration retryAfter, String correlationId,
      Throwable cause, String limit) {
    // Rejections are frequent and cheap by design (fail fast); a stack trace would cost more than the call it spares.
    super(detail, cause, false, cause != null);
    this.code = Objects.requireNonNull(code, "code");
    this.retryAfter = retryAfter;
    this.correlationId = correlationId;
    this.limit = limit;
  }

  /** Creates an exception without a cause. */
  public BreakwaterException(ErrorCode code, String detail, Duration retryAfter, String correlationId) {
    this(code, detail, retryAfter, correlationId, null);
  }

  /** The error code from the taxonomy. */
  public ErrorCode code() {
    return code;
  }

  /** How long the caller should wait before trying again, where the code has one. */
  public Optional<Duration> retryAfter() {
    return Optional.ofNullable(retryAfter);
  }

  /** The correlation id of the failed call. */
  public String correlationId() {
    return correlationId;
  }

  /** The name of the rate limit that refused the call, when one did ({@link ErrorCode#RATE_LIMITED}). */
  public Optional<String> limit() {
    return Optional.ofNullable(limit);
  }

  /** Returns a copy carrying the given correlation id. */
  public BreakwaterException withCorrelationId(String id) {
    return Objects.equals(id, correlationId) ? this
        : new BreakwaterException(code, getMessage(), retryAfter, id, getCause(), limit);
  }

  /** A {@link ErrorCode#RATE_LIMITED} refusal by the rate limit {@code limit}, admitting again after {@code retryAfter}. */
  public static BreakwaterException rateLimited(String limit, Duration retryAfter, String correlationId) {
    return new BreakwaterException(ErrorCode.RATE_LIMITED, "rate limit " + limit + " exhausted", retryAfter,
        correlationId, null, limit);
  }

  @Override
  public String toString() {
    return "BreakwaterException{code=" + code + ", detail=" + getMessage()
        + (retryAfter != null ? ", retryAfter=" + retryAfter : "")
        + ", correlationId=" + correlationId + '}';
  }
}
