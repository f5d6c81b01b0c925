package dev.breakwater.classify;

import static org.assertj.core.api.Assertions.assertThat;

import dev.breakwater.ErrorCode;
import dev.breakwater.time.VirtualTimeSource;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** How HTTP responses and client exceptions are classified. */
class HttpClassifierTest {

  /** A minimal response: a status and case-insensitive headers. */
  record Response(int status, Map<String, String> headers) {
    static Response of(int status, String... nameValues) {
      Map<String, String> h = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
      for (int i = 0; i < nameValues.length; i += 2) {
        h.put(nameValues[i], nameValues[i + 1]);
      }
      return new Response(status, h);
    }
  }

  private final VirtualTimeSource time = new VirtualTimeSource(); // 2026-01-01T00:00:00Z
  private final HttpClassifier<Response> classifier =
      new HttpClassifier<>(Response::status, (r, name) -> r.headers().get(name), time);

  private Verdict classify(int status, String... headers) {
    return classifier.classify(Response.of(status, headers), null);
  }

  private Verdict classify(Throwable error) {
    return classifier.classify(null, error);
  }

  @Nested
  class Responses {

    @ParameterizedTest(name = "{0} is a success")
    @ValueSource(ints = {200, 201, 204, 301, 304})
    void twoHundredsAndThreeHundredsSucceed(int status) {
      assertThat(classify(status).isSuccess()).isTrue();
    }

    @ParameterizedTest(name = "{0} is the upstream's answer, passed back as a value")
    @ValueSource(ints = {400, 404, 409, 410, 422})
    void otherClientErrorsArePassedThrough(int status) {
      Verdict v = classify(status);

      assertThat(v.isSuccess()).isTrue();
      assertThat(v).isSameAs(Verdict.success());
    }

    @Test
    void unauthorizedNeedsAuthenticationAndIsNotRetried() {
      Verdict v = classify(401);

      assertThat(v.code()).isEqualTo(ErrorCode.AUTH_REQUIRED);
      assertThat(v.retryable()).isFalse();
      assertThat(v.upstreamUnhealthy()).isFalse();
    }

    @Test
    void forbiddenWithAnInsufficientScopeChallengeNeedsConsent() {
      Verdict v = classify(403, "WWW-Authenticate", "Bearer error=\"insufficient_scope\", scope=\"Mail.Read\"");

      assertThat(v.code()).isEqualTo(ErrorCode.CONSENT_REQUIRED);
      assertThat(v.retryable()).isFalse();
      assertThat(v.upstreamUnhealthy()).isFalse();
    }

    @Test
    void forbiddenAskingForConsentNeedsConsent() {
      assertThat(classify(403, "www-authenticate", "Bearer error=\"Consent_Required\"").code())
          .isEqualTo(ErrorCode.CONSENT_REQUIRED);
    }

    @Test
    void aPlainForbiddenIsPassedThrough() {
      assertThat(classify(403).isSuccess()).isTrue();
      assertThat(classify(403, "WWW-Authenticate", "Bearer error=\"invalid_token\"").isSuccess()).isTrue();
    }

    @Test
    void requestTimeoutIsARetryableTimeout() {
      Verdict v = classify(408);

      assertThat(v.code()).isEqualTo(ErrorCode.TIMEOUT);
      assertThat(v.retryable()).isTrue();
      assertThat(v.upstreamUnhealthy()).isTrue();
    }

    @Test
    void tooManyRequestsWithRetryAfterIsThrottledForThatLong() {
      Verdict v = classify(429, "Retry-After", "30");

      assertThat(v.code()).isEqualTo(ErrorCode.THROTTLED);
      assertThat(v.retryAfter()).isEqualTo(Duration.ofSeconds(30));
      assertThat(v.retryable()).isTrue();
      assertThat(v.upstreamUnhealthy()).as("throttling says nothing against the upstream's health").isFalse();
    }

    @Test
    void aRetryAfterDateIsMeasuredOnTheClassifiersClock() {
      time.advance(Duration.ofSeconds(15));

      Verdict v = classify(429, "Retry-After", "Thu, 01 Jan 2026 00:01:00 GMT");

      assertThat(v.retryAfter()).isEqualTo(Duration.ofSeconds(45));
    }

    @Test
    void tooManyRequestsWithoutRetryAfterIsThrottledWithoutAWait() {
      Verdict v = classify(429);

      assertThat(v.code()).isEqualTo(ErrorCode.THROTTLED);
      assertThat(v.retryAfter()).isNull();
    }

    @Test
    void tooManyRequestsWithAMalformedRetryAfterIsThrottledWithoutAWait() {
      assertThat(classify(429, "Retry-After", "soon").retryAfter()).isNull();
    }

    @Test
    void unavailableWithRetryAfterIsThrottled() {
      Verdict v = classify(503, "Retry-After", "120");

      assertThat(v.code()).isEqualTo(ErrorCode.THROTTLED);
      assertThat(v.retryAfter()).isEqualTo(Duration.ofSeconds(120));
      assertThat(v.retryable()).isTrue();
    }

    @Test
    void unavailableWithoutRetryAfterIsARetryableUpstreamError() {
      Verdict v = classify(503);

      assertThat(v.code()).isEqualTo(ErrorCode.UPSTREAM_ERROR);
      assertThat(v.retryable()).isTrue();
      assertThat(v.upstreamUnhealthy()).isTrue();
      assertThat(v.retryAfter()).isNull();
    }

    @ParameterizedTest(name = "{0} is a retryable upstream error counted against the upstream")
    @ValueSource(ints = {500, 502, 504, 599})
    void serverErrorsAreRetryableAndUnhealthy(int status) {
      Verdict v = classify(status);

      assertThat(v.code()).isEqualTo(ErrorCode.UPSTREAM_ERROR);
      assertThat(v.retryable()).isTrue();
      assertThat(v.upstreamUnhealthy()).isTrue();
      assertThat(v.detail()).contains(String.valueOf(status));
    }

    @Test
    void notImplementedIsNotRetried() {
      Verdict v = classify(501);

      assertThat(v.code()).isEqualTo(ErrorCode.UPSTREAM_ERROR);
      assertThat(v.retryable()).as("501 will not start working").isFalse();
    }
  }

  @Nested
  class Exceptions {

    @Test
    void anIoErrorIsARetryableUpstreamError() {
      IOException e = new ConnectException("connection refused");
      Verdict v = classify(e);

      assertThat(v.code()).isEqualTo(ErrorCode.UPSTREAM_ERROR);
      assertThat(v.retryable()).isTrue();
      assertThat(v.upstreamUnhealthy()).isTrue();
      assertThat(v.cause()).isSameAs(e);
    }

    @Test
    void aTimeoutExceptionIsARetryableTimeout() {
      Verdict v = classify(new TimeoutException("attempt timed out"));

      assertThat(v.code()).isEqualTo(ErrorCode.TIMEOUT);
      assertThat(v.retryable()).isTrue();
    }

    @Test
    void aSocketTimeoutIsATimeoutNotAnIoError() {
      assertThat(classify(new SocketTimeoutException("read timed out")).code()).isEqualTo(ErrorCode.TIMEOUT);
    }

    @Test
    void aBugInTheCallersCodeIsNotRetried() {
      Verdict v = classify(new IllegalStateException("bug"));

      assertThat(v.code()).isEqualTo(ErrorCode.UPSTREAM_ERROR);
      assertThat(v.retryable()).isFalse();
    }

    @Test
    void futureWrappersAreUnwrapped() {
      Verdict v = classify(new CompletionException(new TimeoutException("late")));

      assertThat(v.code()).isEqualTo(ErrorCode.TIMEOUT);
      assertThat(v.cause()).isInstanceOf(TimeoutException.class);
    }
  }
}
