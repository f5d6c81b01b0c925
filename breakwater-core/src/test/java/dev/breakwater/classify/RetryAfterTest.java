package dev.breakwater.classify;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Parsing the HTTP Retry-After header (RFC 9110 section 10.2.3). */
class RetryAfterTest {
  /** 2026-01-01T00:00:00Z, a Thursday. */
  private static final long NOW = Instant.parse("2026-01-01T00:00:00Z").toEpochMilli();

  @Test
  void deltaSecondsIsAWaitInSeconds() {
    assertThat(RetryAfter.parse("120", NOW)).isEqualTo(Duration.ofSeconds(120));
  }

  @Test
  void zeroDeltaSecondsMeansRetryNow() {
    assertThat(RetryAfter.parse("0", NOW)).isEqualTo(Duration.ZERO);
  }

  @Test
  void leadingZerosAreStillDeltaSeconds() {
    assertThat(RetryAfter.parse("0120", NOW)).isEqualTo(Duration.ofSeconds(120));
    assertThat(RetryAfter.parse("0000000000000120", NOW)).isEqualTo(Duration.ofSeconds(120));
  }

  @Test
  void surroundingWhitespaceIsIgnored() {
    assertThat(RetryAfter.parse("  120\t", NOW)).isEqualTo(Duration.ofSeconds(120));
    assertThat(RetryAfter.parse(" Thu, 01 Jan 2026 00:02:00 GMT ", NOW)).isEqualTo(Duration.ofSeconds(120));
  }

  @Test
  void anImfFixdateInTheFutureIsTheWaitUntilThen() {
    assertThat(RetryAfter.parse("Thu, 01 Jan 2026 00:02:00 GMT", NOW)).isEqualTo(Duration.ofSeconds(120));
  }

  @Test
  void aDateIsMeasuredFromTheGivenNowToTheMillisecond() {
    assertThat(RetryAfter.parse("Thu, 01 Jan 2026 00:02:00 GMT", NOW + 1_500)).isEqualTo(Duration.ofMillis(118_500));
  }

  @Test
  void anImfFixdateInThePastMeansRetryNow() {
    assertThat(RetryAfter.parse("Wed, 31 Dec 2025 23:59:00 GMT", NOW)).isEqualTo(Duration.ZERO);
  }

  @Test
  void aDateEqualToNowMeansRetryNow() {
    assertThat(RetryAfter.parse("Thu, 01 Jan 2026 00:00:00 GMT", NOW)).isEqualTo(Duration.ZERO);
  }

  @Test
  void theObsoleteRfc850FormIsAccepted() {
    assertThat(RetryAfter.parse("Thursday, 01-Jan-26 00:02:00 GMT", NOW)).isEqualTo(Duration.ofSeconds(120));
  }

  @Test
  void theObsoleteAsctimeFormIsAccepted() {
    assertThat(RetryAfter.parse("Thu Jan  1 00:02:00 2026", NOW)).isEqualTo(Duration.ofSeconds(120));
    assertThat(RetryAfter.parse("Sat Jan 10 00:00:00 2026", NOW)).isEqualTo(Duration.ofDays(1));
  }

  @Test
  void hugeDeltaSecondsAreClampedToOneDay() {
    assertThat(RetryAfter.parse("86400", NOW)).isEqualTo(Duration.ofDays(1));
    assertThat(RetryAfter.parse("86401", NOW)).isEqualTo(Duration.ofDays(1));
    assertThat(RetryAfter.parse("999999999999", NOW)).isEqualTo(Duration.ofDays(1));
    assertThat(RetryAfter.parse("99999999999999999999999999", NOW)).as("beyond a long").isEqualTo(Duration.ofDays(1));
  }

  @Test
  void aFarFutureDateIsClampedToOneDay() {
    assertThat(RetryAfter.parse("Fri, 01 Jan 2027 00:00:00 GMT", NOW)).isEqualTo(Duration.ofDays(1));
  }

  @Test
  void aDateWhoseYearIsBeyondEpochMillisIsClampedToOneDay() {
    // Found by RetryAfterFuzzTest: the year parses, but its epoch milliseconds overflow a long.
    assertThat(RetryAfter.parse("2 Jun 400000200 0:0 GMT", NOW)).isEqualTo(Duration.ofDays(1));
  }

  @ParameterizedTest(name = "\"{0}\" is not a Retry-After value")
  @ValueSource(strings = {"soon", "-5", "+5", "1.5", "1e3", "", "   ", "120 seconds",
      "Thu, 32 Jan 2026 00:00:00 GMT", "01 Jan 2026"})
  void garbageIsNull(String value) {
    assertThat(RetryAfter.parse(value, NOW)).isNull();
  }

  @ParameterizedTest
  @NullSource
  void aMissingHeaderIsNull(String value) {
    assertThat(RetryAfter.parse(value, NOW)).isNull();
  }
}
