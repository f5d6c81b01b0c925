package dev.breakwater.classify;

import dev.breakwater.ErrorCode;
import dev.breakwater.time.TimeSource;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.function.BiFunction;
import java.util.function.ToIntFunction;

/**
 * Classifies HTTP responses of any client type through two accessors (status, header): 2xx and 3xx succeed;
 * 401 is AUTH_REQUIRED; 403 whose {@code WWW-Authenticate} asks for consent or scope is CONSENT_REQUIRED; 408 is a
 * retryable TIMEOUT; 429, and 503 with Retry-After, are THROTTLED with the parsed Retry-After; other 5xx are
 * retryable UPSTREAM_ERRORs (501 is not retried: it will not start working); every other 4xx is the upstream's
 * answer to a request it judged, passed back as a value, since it says nothing against the upstream's health.
 *
 * @param <T> the response type
 */
public final class HttpClassifier<T> implements Classifier<T> {
  private final ToIntFunction<T> status;
  private final BiFunction<T, String, String> header;
  private final TimeSource time;

  /** Creates a classifier reading the status and headers through the given accessors. */
  public HttpClassifier(ToIntFunction<T> status, BiFunction<T, String, String> header, TimeSource time) {
    this.status = Objects.requireNonNull(status, "status");
    this.header = Objects.requireNonNull(header, "header");
    this.time = Objects.requireNonNull(time, "time");
  }

  @Override
  public Verdict classify(T value, Throwable error) {
    if (error != null) {
      return Classifier.classifyException(error);
    }
    int s = status.applyAsInt(value);
    if (s < 400) {
      return Verdict.success();
    }
    switch (s) {
      case 401:
        return Verdict.permanent(ErrorCode.AUTH_REQUIRED, "upstream answered 401", null);
      case 403:
        String challenge = header.apply(value, "WWW-Authenticate");
        if (challenge != null) {
          String c = challenge.toLowerCase(Locale.ROOT);
          if (c.contains("consent") || c.contains("insufficient_scope")) {
            return Verdict.permanent(ErrorCode.CONSENT_REQUIRED, "upstream asks for consent", null);
          }
        }
        return Verdict.success();
      case 408:
        return Verdict.timeout("upstream answered 408");
      case 429:
        return Verdict.throttled(retryAfter(value), "upstream answered 429");
      case 503:
        Duration ra = retryAfter(value);
        return ra != null ? Verdict.throttled(ra, "upstream answered 503 with Retry-After")
            : Verdict.upstreamError("upstream answered 503", null);
      case 501:
        return Verdict.failure(ErrorCode.UPSTREAM_ERROR, false, true, null, "upstream answered 501", null);
      default:
        return s >= 500 ? Verdict.upstreamError("upstream answered " + s, null) : Verdict.success();
    }
  }

  private Duration retryAfter(T value) {
    return RetryAfter.parse(header.apply(value, "Retry-After"), time.epochMillis());
  }
}
