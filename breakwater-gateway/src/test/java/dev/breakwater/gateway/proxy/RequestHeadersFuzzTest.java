package dev.breakwater.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.breakwater.gateway.http.CorrelationId;
import dev.breakwater.gateway.http.IdempotencyHeader;
import java.nio.charset.StandardCharsets;

/**
 * Fuzzes the checks of request headers: the Idempotency-Key syntax and the correlation id taken from
 * {@code X-Correlation-Id} or {@code traceparent}. Header values reach the gateway as ISO-8859-1 text.
 */
class RequestHeadersFuzzTest {

  /**
   * An Idempotency-Key is accepted exactly when it is 1 to 255 visible ASCII characters; the correlation id is always
   * 1 to 128 visible ASCII characters, and the caller's own when that one is valid.
   */
  @FuzzTest
  void headersGiveAValidKeyVerdictAndAPrintableCorrelationId(FuzzedDataProvider data) {
    String key = latin1(data.consumeBytes(300));
    String correlation = data.consumeBoolean() ? null : latin1(data.consumeBytes(200));
    String traceparent = data.consumeBoolean() ? null : latin1(data.consumeRemainingAsBytes());

    assertThat(IdempotencyHeader.valid(key, 255)).as("key %s", key).isEqualTo(key.matches("[\\x21-\\x7e]{1,255}"));

    String cid = CorrelationId.of(correlation, traceparent);
    assertThat(cid).as("correlation id of %s / %s", correlation, traceparent).matches("[\\x21-\\x7e]{1,128}");
    if (correlation != null && correlation.matches("[\\x21-\\x7e]{1,128}")) {
      assertThat(cid).isEqualTo(correlation);
    }
  }

  private static String latin1(byte[] b) {
    return new String(b, StandardCharsets.ISO_8859_1);
  }
}
