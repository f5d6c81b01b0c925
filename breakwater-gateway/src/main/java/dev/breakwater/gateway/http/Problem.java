package dev.breakwater.gateway.http;

import dev.breakwater.BreakwaterException;
import dev.breakwater.ErrorCode;
import java.time.Duration;
import java.util.Locale;

/**
 * An {@code application/problem+json} body (RFC 9457) for an error Breakwater made, with the extension members
 * {@code code}, {@code retry_after_seconds} and {@code correlation_id}.
 */
public final class Problem {
  /** The media type of every error Breakwater makes. */
  public static final String MEDIA_TYPE = "application/problem+json";

  private Problem() {}

  /** The status, body and Retry-After (seconds, or -1) of an engine failure. */
  public static Rendered of(BreakwaterException e, String correlationId) {
    long ra = e.retryAfter().map(Duration::getSeconds).orElse(-1L);
    return render(e.code(), e.code().httpStatus(), e.getMessage(), ra, correlationId);
  }

  /** A problem for a code, with the code's own status. */
  public static Rendered of(ErrorCode code, String detail, long retryAfterSeconds, String correlationId) {
    return render(code, code.httpStatus(), detail, retryAfterSeconds, correlationId);
  }

  /**
   * A problem with a status other than the code's own (404 no route, 413 body too large, 431 headers too large all
   * carry {@code INVALID_REQUEST}).
   */
  public static Rendered render(ErrorCode code, int status, String detail, long retryAfterSeconds,
      String correlationId) {
    // 429 and 503 always tell the client when to come back (RFC 9110 allows Retry-After on both), in the header and
    // in the body alike.
    long ra = retryAfterSeconds >= 0 ? retryAfterSeconds : (status == 429 || status == 503) ? 1 : -1;
    StringBuilder sb = new StringBuilder(256).append('{');
    field(sb, "type", "https://breakwater.dev/errors/" + code.name().toLowerCase(Locale.ROOT).replace('_', '-'));
    sb.append(',');
    field(sb, "title", title(code));
    sb.append(",\"status\":").append(status).append(',');
    field(sb, "detail", detail == null ? title(code) : detail);
    sb.append(',');
    field(sb, "code", code.name());
    if (ra >= 0) {
      sb.append(",\"retry_after_seconds\":").append(ra);
    }
    sb.append(',');
    field(sb, "correlation_id", correlationId);
    sb.append('}');
    return new Rendered(status, sb.toString(), ra);
  }

  /**
   * A rendered problem.
   *
   * @param status            the HTTP status
   * @param json              the body
   * @param retryAfterSeconds the Retry-After header value, or -1 for none
   */
  public record Rendered(int status, String json, long retryAfterSeconds) {}

  private static String title(ErrorCode code) {
    switch (code) {
      case THROTTLED:
        return "The upstream is throttling this tenant";
      case RATE_LIMITED:
        return "Rate limit exceeded";
      case CIRCUIT_OPEN:
        return "The upstream is failing; calls are suspended";
      case BULKHEAD_FULL:
        return "Too many concurrent calls";
      case TIMEOUT:
        return "The upstream did not answer in time";
      case UPSTREAM_ERROR:
        return "The upstream failed";
      case AUTH_REQUIRED:
        return "Authentication required";
      case CONSENT_REQUIRED:
        return "Consent required";
      case DEGRADED:
        return "Service degraded";
      case READ_ONLY:
        return "Service is read-only";
      case MAINTENANCE:
        return "Service under maintenance";
      case IDEMPOTENCY_CONFLICT:
        return "A request with this idempotency key is in progress";
      case IDEMPOTENCY_MISMATCH:
        return "The idempotency key was used with a different request";
      default:
        return "Invalid request";
    }
  }

  private static void field(StringBuilder sb, String name, String value) {
    sb.append('"').append(name).append("\":").append(JsonText.quote(value));
  }
}
