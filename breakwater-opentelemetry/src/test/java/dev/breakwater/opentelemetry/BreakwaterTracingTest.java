package dev.breakwater.opentelemetry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.breakwater.Breakwater;
import dev.breakwater.BreakwaterException;
import dev.breakwater.CallContext;
import dev.breakwater.ErrorCode;
import dev.breakwater.Pipeline;
import dev.breakwater.cache.CacheConfig;
import dev.breakwater.config.PipelineConfig;
import dev.breakwater.config.Policies;
import dev.breakwater.ratelimit.RateLimitConfig;
import dev.breakwater.ratelimit.RateLimitScope;
import dev.breakwater.retry.RetryConfig;
import dev.breakwater.time.VirtualTimeSource;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.EventData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Drives real pipelines of a real engine on virtual time inside a caller's span and reads what the SDK exported. */
class BreakwaterTracingTest {
  private static final String TENANT = "tenant-fabrikam-17";
  private static final String USER = "user-carol-5";
  private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");
  private static final long NOW_NANOS = NOW.getEpochSecond() * 1_000_000_000L;

  private final InMemorySpanExporter exporter = InMemorySpanExporter.create();
  private final VirtualTimeSource time = new VirtualTimeSource();
  private final CallContext ctx = CallContext.builder().tenant(TENANT).user(USER).operation("list_messages")
      .correlationId("corr-123").build();
  private OpenTelemetrySdk sdk;
  private Tracer callerTracer;
  private Breakwater breakwater;

  @BeforeEach
  void setUp() {
    sdk = OpenTelemetrySdk.builder()
        .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(exporter)).build())
        .build();
    callerTracer = sdk.getTracer("caller");
    breakwater = Breakwater.builder()
        .timeSource(time)
        .jitter(() -> 0.5)
        .policies(Policies.builder()
            .retry("retry", RetryConfig.defaults().withBackoff(Duration.ofMillis(100), Duration.ofSeconds(1))
                .withBudget(null))
            .cache("cache", CacheConfig.of(Duration.ofSeconds(30)))
            .rateLimit(RateLimitConfig.of("per-tenant", RateLimitScope.TENANT, 1, Duration.ofSeconds(1)))
            .build())
        .listener(new BreakwaterTracing(sdk, Clock.fixed(NOW, ZoneOffset.UTC)))
        .build();
  }

  @AfterEach
  void tearDown() {
    sdk.close();
  }

  @Test
  void retriesInsideTheCallersSpanRecordRetryEventsAndOneAttemptSpanPerAttemptWithItsStatus() {
    Pipeline<String> graph = pipeline(PipelineConfig.named("graph-mail").withUpstream("graph").withDomain("mail")
        .withRetry("retry"));
    AtomicInteger attempts = new AtomicInteger();

    String value = inCallerSpan(() -> graph.execute(ctx, () -> {
      int attempt = attempts.incrementAndGet();
      time.advance(Duration.ofMillis(attempt == 3 ? 300 : 200));
      if (attempt < 3) {
        throw new IOException("connection reset");
      }
      return "inbox";
    }));

    assertThat(value).isEqualTo("inbox");
    SpanData caller = span("caller-request");
    // full jitter with u = 0.5 on a 100 ms base: 50 ms before attempt 2, 100 ms before attempt 3
    List<EventData> retries = events(caller, "breakwater.retry");
    assertThat(retries).extracting(e -> e.getAttributes().get(BreakwaterTracing.ATTEMPT)).containsExactly(2L, 3L);
    assertThat(retries).extracting(e -> e.getAttributes().get(BreakwaterTracing.DELAY_MS)).containsExactly(50L, 100L);
    assertThat(retries).extracting(e -> e.getAttributes().get(BreakwaterTracing.CAUSE))
        .containsExactly("upstream_error", "upstream_error");
    assertThat(caller.getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);

    List<SpanData> attemptSpans = spans("breakwater.attempt");
    assertThat(attemptSpans).extracting(s -> s.getAttributes().get(BreakwaterTracing.ATTEMPT))
        .containsExactly(1L, 2L, 3L);
    assertThat(attemptSpans).allSatisfy(s -> {
      assertThat(s.getTraceId()).isEqualTo(caller.getTraceId());
      assertThat(s.getParentSpanId()).isEqualTo(caller.getSpanId());
      assertThat(s.getEndEpochNanos()).isEqualTo(NOW_NANOS);
      assertThat(s.getAttributes().get(BreakwaterTracing.PIPELINE)).isEqualTo("graph-mail");
      assertThat(s.getAttributes().get(BreakwaterTracing.UPSTREAM)).isEqualTo("graph");
      assertThat(s.getAttributes().get(BreakwaterTracing.OPERATION)).isEqualTo("list_messages");
      assertThat(s.getAttributes().get(BreakwaterTracing.CORRELATION_ID)).isEqualTo("corr-123");
    });
    assertThat(attemptSpans).extracting(s -> s.getStatus().getStatusCode())
        .containsExactly(StatusCode.ERROR, StatusCode.ERROR, StatusCode.UNSET);
    assertThat(attemptSpans).extracting(s -> s.getAttributes().get(BreakwaterTracing.ERROR_CODE))
        .containsExactly("upstream_error", "upstream_error", null);
    // each attempt span lasts as long as the upstream took, read on the engine's (virtual) time
    assertThat(attemptSpans).extracting(s -> (s.getEndEpochNanos() - s.getStartEpochNanos()) / 1_000_000)
        .containsExactly(200L, 200L, 300L);
  }

  @Test
  void aFailedCallMarksTheCallersSpanErrorWithItsCodeAndSaysWhyRetriesRanOut() {
    Pipeline<String> graph = pipeline(PipelineConfig.named("graph-mail").withUpstream("graph").withRetry("retry"));

    assertThatThrownBy(() -> inCallerSpan(() -> graph.execute(ctx, () -> {
      throw new IOException("down");
    }))).isInstanceOfSatisfying(BreakwaterException.class,
        e -> assertThat(e.code()).isEqualTo(ErrorCode.UPSTREAM_ERROR));

    SpanData caller = span("caller-request");
    assertThat(caller.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
    assertThat(caller.getStatus().getDescription()).isEqualTo("UPSTREAM_ERROR");
    assertThat(caller.getAttributes().get(BreakwaterTracing.ERROR_CODE)).isEqualTo("upstream_error");
    assertThat(events(caller, "breakwater.retries_exhausted")).singleElement().satisfies(e -> {
      assertThat(e.getAttributes().get(BreakwaterTracing.WHY)).isEqualTo("attempts");
      assertThat(e.getAttributes().get(BreakwaterTracing.ERROR_CODE)).isEqualTo("upstream_error");
    });
    assertThat(spans("breakwater.attempt")).hasSize(3)
        .allSatisfy(s -> assertThat(s.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR));
  }

  @Test
  void aCacheHitRecordsACacheEventAndNoAttempt() {
    Pipeline<String> graph = pipeline(PipelineConfig.named("graph-mail").withUpstream("graph").withCache("cache"));
    CallContext read = ctx.toBuilder().resource("/me/messages").build();
    graph.execute(read, () -> "inbox");

    String value = inCallerSpan(() -> graph.execute(read, () -> "not called"));

    assertThat(value).isEqualTo("inbox");
    SpanData caller = span("caller-request");
    assertThat(events(caller, "breakwater.cache")).singleElement()
        .satisfies(e -> assertThat(e.getAttributes().get(BreakwaterTracing.OUTCOME)).isEqualTo("hit"));
    assertThat(events(caller, "breakwater.call")).singleElement()
        .satisfies(e -> assertThat(e.getAttributes().get(BreakwaterTracing.SOURCE)).isEqualTo("cache"));
    assertThat(spans("breakwater.attempt")).isEmpty();
  }

  @Test
  void aDeniedRateLimitIsRecordedAndAnAllowedOneIsNot() {
    Pipeline<String> graph = pipeline(PipelineConfig.named("graph-mail").withUpstream("graph")
        .withRateLimits(List.of("per-tenant")));

    inCallerSpan(() -> graph.execute(ctx, () -> "inbox"));
    assertThatThrownBy(() -> inCallerSpan(() -> graph.execute(ctx, () -> "inbox")))
        .isInstanceOfSatisfying(BreakwaterException.class,
            e -> assertThat(e.code()).isEqualTo(ErrorCode.RATE_LIMITED));

    List<SpanData> callers = spans("caller-request");
    assertThat(events(callers.get(0), "breakwater.rate_limited")).isEmpty();
    assertThat(events(callers.get(1), "breakwater.rate_limited")).singleElement()
        .satisfies(e -> assertThat(e.getAttributes().get(BreakwaterTracing.LIMIT)).isEqualTo("per-tenant"));
  }

  @Test
  void noAttributeOfAnySpanOrEventNamesTheTenantOrTheUser() {
    Pipeline<String> graph = pipeline(PipelineConfig.named("graph-mail").withUpstream("graph").withRetry("retry")
        .withCache("cache").withRateLimits(List.of("per-tenant")));
    CallContext read = ctx.toBuilder().resource("/me/messages").build();
    AtomicInteger attempts = new AtomicInteger();
    inCallerSpan(() -> graph.execute(read, () -> {
      if (attempts.incrementAndGet() == 1) {
        throw new IOException("reset");
      }
      return "inbox";
    }));
    inCallerSpan(() -> graph.execute(read, () -> "cached"));
    assertThatThrownBy(() -> inCallerSpan(() -> graph.execute(ctx.toBuilder().resource("/other").build(),
        () -> "limited"))).isInstanceOf(BreakwaterException.class);

    List<Attributes> everyAttributeSet = new ArrayList<>();
    for (SpanData span : exporter.getFinishedSpanItems()) {
      everyAttributeSet.add(span.getAttributes());
      span.getEvents().forEach(e -> everyAttributeSet.add(e.getAttributes()));
    }
    assertThat(everyAttributeSet).hasSizeGreaterThan(6);
    everyAttributeSet.forEach(attributes -> attributes.forEach((key, v) -> {
      assertThat(key.getKey()).doesNotContainIgnoringCase("tenant").doesNotContainIgnoringCase("user");
      assertThat(String.valueOf(v)).doesNotContain(TENANT).doesNotContain(USER);
    }));
  }

  @Test
  void aCallWithNoCurrentSpanSucceedsAndRecordsNothing() {
    Pipeline<String> graph = pipeline(PipelineConfig.named("graph-mail").withUpstream("graph").withRetry("retry")
        .withCache("cache"));
    AtomicInteger attempts = new AtomicInteger();

    String value = graph.execute(ctx.toBuilder().resource("/me/messages").build(), () -> {
      if (attempts.incrementAndGet() == 1) {
        throw new IOException("reset");
      }
      return "inbox";
    });

    assertThat(value).isEqualTo("inbox");
    assertThat(attempts).hasValue(2);
    assertThat(exporter.getFinishedSpanItems()).isEmpty();
  }

  @Test
  void anAsyncCallKeepsRecordingUnderTheCallersSpanAfterItResumesOnTheEngineSchedulerAfterABackoff() {
    Breakwater direct = Breakwater.builder()
        .timeSource(time)
        .jitter(() -> 0.5)
        .executor(Runnable::run)
        .policies(Policies.builder()
            .retry("retry", RetryConfig.defaults().withBackoff(Duration.ofMillis(100), Duration.ofSeconds(1))
                .withBudget(null))
            .build())
        .listener(new BreakwaterTracing(sdk, Clock.fixed(NOW, ZoneOffset.UTC)))
        .build();
    Pipeline<String> graph = direct.<String>pipeline(PipelineConfig.named("graph-mail").withUpstream("graph")
        .withRetry("retry")).build();
    AtomicInteger attempts = new AtomicInteger();

    // The caller's span stays open until the answer arrives, but is current on the caller's thread only while the
    // call starts: attempt 2 runs later on the thread that fires the backoff's timer.
    Span request = callerTracer.spanBuilder("caller-request").startSpan();
    CompletableFuture<String> answer;
    try (Scope ignored = request.makeCurrent()) {
      answer = graph.executeAsync(ctx, () -> attempts.incrementAndGet() == 1
          ? CompletableFuture.<String>failedFuture(new IOException("reset"))
          : CompletableFuture.completedFuture("inbox")).toCompletableFuture();
    }
    time.advance(Duration.ofMillis(50));
    answer.whenComplete((v, e) -> request.end());

    assertThat(answer).isCompletedWithValue("inbox");
    assertThat(Span.current().getSpanContext().isValid()).as("the timer's thread gets its own context back").isFalse();
    SpanData caller = span("caller-request");
    assertThat(events(caller, "breakwater.retry")).hasSize(1);
    // The tracing listener is also the engine's context carrier: attempt 2 is recorded under the caller's span.
    assertThat(spans("breakwater.attempt")).extracting(s -> s.getAttributes().get(BreakwaterTracing.ATTEMPT))
        .containsExactly(1L, 2L);
    assertThat(spans("breakwater.attempt")).allSatisfy(s -> {
      assertThat(s.getTraceId()).isEqualTo(caller.getTraceId());
      assertThat(s.getParentSpanId()).isEqualTo(caller.getSpanId());
    });
  }

  private Pipeline<String> pipeline(PipelineConfig config) {
    return breakwater.<String>pipeline(config).build();
  }

  // The caller's own span around the call, as a service instrumented with OpenTelemetry would have.
  private <T> T inCallerSpan(Supplier<T> call) {
    Span span = callerTracer.spanBuilder("caller-request").startSpan();
    try (Scope ignored = span.makeCurrent()) {
      return call.get();
    } finally {
      span.end();
    }
  }

  private SpanData span(String name) {
    List<SpanData> spans = spans(name);
    assertThat(spans).hasSize(1);
    return spans.get(0);
  }

  private List<SpanData> spans(String name) {
    return exporter.getFinishedSpanItems().stream().filter(s -> s.getName().equals(name)).toList();
  }

  private static List<EventData> events(SpanData span, String name) {
    return span.getEvents().stream().filter(e -> e.getName().equals(name)).toList();
  }
}
