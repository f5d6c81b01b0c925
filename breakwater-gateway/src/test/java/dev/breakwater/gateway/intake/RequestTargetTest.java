package dev.breakwater.gateway.intake;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Request targets: dot segments resolved (RFC 3986 section 5.2.4), and the bytes that are never let through. */
class RequestTargetTest {

  private static String resource(String target) {
    RequestTarget t = RequestTarget.parse(target);
    assertThat(t.valid()).as(target + ": " + t.problem()).isTrue();
    return t.resource();
  }

  private static String problem(String target) {
    RequestTarget t = RequestTarget.parse(target);
    assertThat(t.valid()).as(target).isFalse();
    return t.problem();
  }

  @Test
  void aCleanPathAndQueryAreLeftAsTheyCame() {
    assertThat(resource("/graph/v1.0/me/messages?$top=5&$filter=a%20eq%20'b'"))
        .isEqualTo("/graph/v1.0/me/messages?$top=5&$filter=a%20eq%20'b'");
    assertThat(resource("/")).isEqualTo("/");
    assertThat(resource("/a//b/")).isEqualTo("/a//b/");
  }

  @Test
  void dotSegmentsAreResolvedLikeRfc3986Says() {
    assertThat(resource("/a/b/c/./../../g")).isEqualTo("/a/g");
    assertThat(resource("/graph/../echo/x")).isEqualTo("/echo/x");
    assertThat(resource("/graph/a/..")).isEqualTo("/graph/");
    assertThat(resource("/graph/.")).isEqualTo("/graph/");
    assertThat(resource("/graph/..")).isEqualTo("/");
    assertThat(resource("/a/..b/.c")).isEqualTo("/a/..b/.c");
  }

  @Test
  void percentEncodedDotsCountAsDots() {
    assertThat(resource("/graph/%2e%2e/echo/x")).isEqualTo("/echo/x");
    assertThat(resource("/graph/%2E./echo/x")).isEqualTo("/echo/x");
    assertThat(resource("/graph/%2e/x")).isEqualTo("/graph/x");
  }

  @Test
  void theQueryIsNeverTakenForPath() {
    assertThat(resource("/graph/x?next=/../../etc")).isEqualTo("/graph/x?next=/../../etc");
  }

  @Test
  void anAbsoluteFormTargetKeepsItsPathAndLosesItsAuthority() {
    assertThat(resource("http://elsewhere.example/graph/x?y=1")).isEqualTo("/graph/x?y=1");
    assertThat(resource("http://elsewhere.example")).isEqualTo("/");
  }

  @Test
  void climbingAboveTheRootIsRefused() {
    assertThat(problem("/..")).contains("above the root");
    assertThat(problem("/graph/../../x")).contains("above the root");
    assertThat(problem("/%2e%2e/x")).contains("above the root");
  }

  @Test
  void encodedSlashesAndBackslashesAreRefusedInThePathOnly() {
    assertThat(problem("/a%2Fb")).contains("encoded slash");
    assertThat(problem("/a%2fb")).contains("encoded slash");
    assertThat(problem("/a%5Cb")).contains("encoded backslash");
    assertThat(problem("/a\\b")).contains("backslash");
    assertThat(resource("/a?redirect=%2Fhome")).isEqualTo("/a?redirect=%2Fhome");
  }

  @Test
  void controlCharactersRawOrEncodedAreRefused() {
    assertThat(problem("/a\0b")).contains("control character (0x00)");
    assertThat(problem("/a\tb")).contains("control character (0x09)");
    assertThat(problem("/a\u007fb")).contains("control character (0x7F)");
    assertThat(problem("/a%00b")).contains("percent-encoded control character (%00)");
    assertThat(problem("/a?q=%0D%0A")).contains("(%0D) in the query");
    assertThat(problem("/a%7f")).contains("%7f");
  }

  @Test
  void brokenEscapesAreRefused() {
    assertThat(problem("/a%zz")).contains("broken percent escape");
    assertThat(problem("/a%4")).contains("broken percent escape");
    assertThat(problem("/a%")).contains("broken percent escape");
    assertThat(problem("/a%\u0663\u0663")).contains("broken percent escape"); // digits of another script
  }

  @Test
  void bytesThatAreNotUtf8AreRefused() {
    assertThat(problem("/\u00ff\u00fe\u00c3(")).contains("raw byte 0xFF");
    assertThat(problem("/%ff%fe%c3%28")).contains("not UTF-8");
    assertThat(problem("/%c3")).contains("not UTF-8");
    assertThat(resource("/caf%C3%A9")).isEqualTo("/caf%C3%A9");
  }

  @Test
  void aFragmentOrATargetThatIsNoPathIsRefused() {
    assertThat(problem("/a#b")).contains("fragment");
    assertThat(problem("*")).contains("not a path");
    assertThat(problem("")).contains("empty");
  }

  @Test
  void aRawSpaceIsRefusedBecauseItWouldSplitAnHttp1RequestLineUpstream() {
    // Found by RequestTargetFuzzTest: "/ /" was accepted with its space.
    RequestTarget t = RequestTarget.parse("/ /");
    assertThat(t.valid()).isFalse();
    assertThat(t.problem()).isEqualTo("a raw space in the path (expected %20)");
    assertThat(RequestTarget.parse("/a?b c").problem()).isEqualTo("a raw space in the query (expected %20)");
    assertThat(RequestTarget.parse("/a%20b").valid()).isTrue();
  }
}
