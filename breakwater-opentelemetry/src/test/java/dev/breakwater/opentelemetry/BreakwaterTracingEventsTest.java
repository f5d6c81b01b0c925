package dev.breakwater.opentelemetry;

import dev.breakwater.testing.NamedPipeline;
import static org.assertj.core.api.Assertions.assertThat;

import dev.breakwater.CallContext;
import dev.breakwater.ErrorCode;
import dev.breakwater.bulkhead.Bulkhead;
import dev.breakwater.bulkhead.BulkheadConfig;
import dev.breakwater.circuit.CircuitBreaker;
import dev.breakwater.circuit.CircuitBreakerConfig;
import dev.breakwater.event.IdempotencyOutcome;
import dev.breakwater.event.Interest;
import dev.breakwater.time.VirtualTimeSource;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.EventData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Each rarer decision, driven straight through the listener, becomes one event on the current span. */
class BreakwaterTracingEventsTest {
  private static final String TENANT = "tenant-northwind-3";

  private final InMemorySpanExporter exporter = InMemorySpanExporter.create();
  private final OpenTelemetrySdk sdk = OpenTelemetrySdk.builder()
      .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(exporter)).build())
      .build();
  private final BreakwaterTracing tracing = new BreakwaterTracing(sdk);
  private final NamedPipeline pipeline = new NamedPipeline("graph-mail", "graph", "mail");
  private final CallContext ctx = CallContext.builder().tenant(TENANT).operation("send_mail").build();
  private final VirtualTimeSource time = new VirtualTimeSource();

  @AfterEach
  void tearDown() {
    sdk.close();
  }

  @Test
  void everyPolicyDecisionBecomesOneNamedEventWithItsDetail() {
    CircuitBreaker perTenant = new CircuitBreaker("graph", TENANT, CircuitBreakerConfig.defaults(), time,
        (w, t) -> {});
    Bulkhead bulkhead = new Bulkhead("mail:write:bulkhead", BulkheadConfig.of(1), time);

    List<EventData> events = eventsOf(() -> {
      tracing.onThrottleGateHold(pipeline, ctx, 1_500);
      tracing.onBulkheadRejected(pipeline, ctx, bulkhead);
      tracing.onCircuitRejected(pipeline, ctx, perTenant);
      tracing.onTimeout(pipeline, ctx, false, 2_000_000_000L);
      tracing.onTimeout(pipeline, ctx, true, 10_000_000_000L);
      tracing.onIdempotency(pipeline, ctx, IdempotencyOutcome.REPLAYED);
      tracing.onDegradationReject(pipeline, ctx, ErrorCode.READ_ONLY);
    });

    assertThat(events).extracting(EventData::getName).containsExactly("breakwater.gate_hold",
        "breakwater.bulkhead_rejected", "breakwater.circuit_rejected", "breakwater.timeout", "breakwater.timeout",
        "breakwater.idempotency", "breakwater.degradation_rejected");
    assertThat(events.get(0).getAttributes().get(BreakwaterTracing.RETRY_AFTER_MS)).isEqualTo(1_500L);
    assertThat(events.get(1).getAttributes().get(BreakwaterTracing.BULKHEAD)).isEqualTo("mail:write:bulkhead");
    assertThat(events.get(2).getAttributes().get(BreakwaterTracing.ERROR_CODE)).isEqualTo("circuit_open");
    assertThat(events.get(3).getAttributes().get(BreakwaterTracing.SCOPE_KIND)).isEqualTo("attempt");
    assertThat(events.get(3).getAttributes().get(BreakwaterTracing.ELAPSED_MS)).isEqualTo(2_000L);
    assertThat(events.get(4).getAttributes().get(BreakwaterTracing.SCOPE_KIND)).isEqualTo("deadline");
    assertThat(events.get(5).getAttributes().get(BreakwaterTracing.OUTCOME)).isEqualTo("replayed");
    assertThat(events.get(6).getAttributes().get(BreakwaterTracing.ERROR_CODE)).isEqualTo("read_only");
    // a per-tenant breaker is named upstream/tenant: its name is never recorded
    events.forEach(e -> e.getAttributes().forEach((k, v) -> assertThat(String.valueOf(v)).doesNotContain(TENANT)));
    assertThat(events).allSatisfy(
        e -> assertThat(e.getAttributes().get(BreakwaterTracing.UPSTREAM)).isEqualTo("graph"));
  }

  @Test
  void declinesTheBreakersPerAttemptVerdictsButWantsCallsRateLimitsAndAttempts() {
    assertThat(tracing.interests()).containsExactlyInAnyOrder(Interest.CALLS, Interest.RATE_LIMITS,
        Interest.ATTEMPTS);
  }

  private List<EventData> eventsOf(Runnable decisions) {
    Span span = sdk.getTracer("caller").spanBuilder("caller-request").startSpan();
    try (Scope ignored = span.makeCurrent()) {
      decisions.run();
    } finally {
      span.end();
    }
    assertThat(exporter.getFinishedSpanItems()).hasSize(1);
    return exporter.getFinishedSpanItems().get(0).getEvents();
  }
}
