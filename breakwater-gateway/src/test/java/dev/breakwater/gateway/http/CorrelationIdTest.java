package dev.breakwater.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** How a request's correlation id is chosen; the traceparent cases came from RequestHeadersFuzzTest. */
class CorrelationIdTest {
  private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";

  @Test
  void theCallersOwnIdIsKept() {
    assertThat(CorrelationId.of("order-42", null)).isEqualTo("order-42");
  }

  @Test
  void withoutAnIdTheW3cTraceIdOfTheTraceparentIsTaken() {
    assertThat(CorrelationId.of(null, "00-" + TRACE_ID + "-00f067aa0ba902b7-01")).isEqualTo(TRACE_ID);
  }

  @Test
  void aTraceparentWhoseTraceIdIsNotHexGivesANewIdInsteadOfEchoingIt() {
    String cid = CorrelationId.of(null, "00-a trace id with spaces in it!!!!-00f067aa0ba902b7-01");
    assertThat(cid).matches("[0-9a-f]{32}");
  }

  @Test
  void aTraceparentWithNonAsciiInItsTraceIdGivesANewId() {
    String cid = CorrelationId.of(null, "00-4bf92f3577b34da6a3ce929d0e0e47\u00e9\u00e9-00f067aa0ba902b7-01");
    assertThat(cid).matches("[0-9a-f]{32}");
  }

  @Test
  void theAllZeroTraceIdIsInvalidAndGivesANewId() {
    String cid = CorrelationId.of(null, "00-00000000000000000000000000000000-00f067aa0ba902b7-01");
    assertThat(cid).matches("[0-9a-f]{32}").isNotEqualTo("00000000000000000000000000000000");
  }
}
