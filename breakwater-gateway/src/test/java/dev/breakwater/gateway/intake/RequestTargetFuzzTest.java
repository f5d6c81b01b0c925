package dev.breakwater.gateway.intake;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Fuzzes the request-target check that runs before every route match: any target (one char per byte, as Netty reads
 * the request line) is either refused with a reason in words, or normalised to a path that starts with '/', holds
 * no dot segment, no control character, no encoded slash or backslash, and normalises to itself again (so the route
 * match and the upstream see one path). It never throws.
 */
class RequestTargetFuzzTest {

  @FuzzTest
  void anyTargetIsRefusedInWordsOrNormalisedToAFixedPoint(FuzzedDataProvider data) {
    String target = data.consumeRemainingAsString();
    RequestTarget t = RequestTarget.parse(target);
    if (!t.valid()) {
      assertThat(t.problem()).isNotBlank().doesNotContain("Exception").doesNotContain("java.");
      return;
    }
    String path = t.path();
    assertThat(path).startsWith("/");
    for (String segment : path.split("/", -1)) {
      String plain = segment.toLowerCase(java.util.Locale.ROOT).replace("%2e", ".");
      assertThat(plain).as("a dot segment in %s", path).isNotEqualTo(".").isNotEqualTo("..");
    }
    assertThat(path.chars().allMatch(c -> c > 0x20 && c < 0x7f)).as("control or non-ASCII byte in %s", path).isTrue();
    assertThat(path.toLowerCase(java.util.Locale.ROOT)).doesNotContain("%2f").doesNotContain("%5c")
        .doesNotContain("\\");
    RequestTarget again = RequestTarget.parse(t.resource());
    assertThat(again.valid()).as("re-parse of %s", t.resource()).isTrue();
    assertThat(again.path()).as("normalising %s twice", target).isEqualTo(path);
  }
}
