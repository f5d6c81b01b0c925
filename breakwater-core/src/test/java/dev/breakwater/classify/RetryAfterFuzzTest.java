package dev.breakwater.classify;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Fuzzes {@link RetryAfter#parse}: an upstream's Retry-After is untrusted text, so any value must give either no
 * wait (null) or a wait between zero and the one-day clamp, never an exception.
 */
class RetryAfterFuzzTest {
  // A fixed "now" (2024-06-01T00:00:00Z) keeps every input's outcome reproducible.
  private static final long NOW = 1_717_200_000_000L;

  /** Any header value parses to null or a wait in [0, 1 day]. */
  @FuzzTest
  void anyHeaderValueGivesNoWaitOrABoundedOne(byte[] input) {
    // Header values reach the classifier as ISO-8859-1 text (Vert.x and the JDK client decode them so).
    String value = new String(input, StandardCharsets.ISO_8859_1);
    Duration d = RetryAfter.parse(value, NOW);
    if (d != null) {
      assertThat(d).isBetween(Duration.ZERO, Duration.ofDays(1));
    }
    String trimmed = value.trim();
    if (!trimmed.isEmpty() && trimmed.chars().allMatch(c -> c >= '0' && c <= '9')) {
      // Delta-seconds are always understood, however many digits.
      assertThat(d).isNotNull();
    }
  }
}
