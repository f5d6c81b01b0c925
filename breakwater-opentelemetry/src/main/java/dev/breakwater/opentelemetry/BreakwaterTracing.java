package dev.breakwater.opentelemetry;

import dev.breakwater.CallContext;
import dev.breakwater.ErrorCode;
import dev.breakwater.Pipeline;
import dev.breakwater.Source;
import dev.breakwater.bulkhead.Bulkhead;
import dev.breakwater.circuit.CircuitBreaker;
import dev.breakwater.event.BreakwaterListener;
import dev.breakwater.event.CacheOutcome;
import dev.breakwater.event.IdempotencyOutcome;
import dev.breakwater.event.Interest;
import dev.breakwater.event.RetryStop;
import dev.breakwater.spi.ContextCarrier;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import java.time.Clock;
import java.time.Instant;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Records the engine's decisions on the caller's trace: each decision (rate-limit denial, gate hold, bulkhead
 * rejection, retry, retries exhausted, breaker rejection, timeout, cache, idempotency, degradation) becomes an event on
 * the span current on the deciding thread, each upstream attempt a {@code breakwater.attempt} child span, and a failed
 * call sets that span's status to ERROR with its error code. Nothing is recorded when no span is current. Attributes
 * name the pipeline, upstream, operation, correlation id and error code; never a tenant, a user, a header or a body.
 * It is also the engine's {@link ContextCarrier}: an asynchronous call resumed on another thread (after a backoff, a
 * bulkhead wait, an attempt timeout) records under the span that was current when it started.
 */
public final class BreakwaterTracing implements BreakwaterListener, ContextCarrier {
  /** The instrumentation scope name under which attempt spans are created. */
  public static final String SCOPE = "dev.breakwater";

  static final AttributeKey<String> PIPELINE = AttributeKey.stringKey("breakwater.pipeline");
  static final AttributeKey<String> UPSTREAM = AttributeKey.stringKey("breakwater.upstream");
  static final AttributeKey<String> OPERATION = AttributeKey.stringKey("breakwater.operation");
  static final AttributeKey<String> CORRELATION_ID = AttributeKey.stringKey("breakwater.correlation_id");
  static final AttributeKey<String> ERROR_CODE = AttributeKey.stringKey("breakwater.error_code");
  static final AttributeKey<Long> ATTEMPT = AttributeKey.longKey("breakwater.attempt");
  static final AttributeKey<String> CAUSE = AttributeKey.stringKey("breakwater.cause");
  static final AttributeKey<Long> DELAY_MS = AttributeKey.longKey("breakwater.delay_ms");
  static final AttributeKey<String> WHY = AttributeKey.stringKey("breakwater.why");
  static final AttributeKey<String> LIMIT = AttributeKey.stringKey("breakwater.limit");
  static final AttributeKey<Long> RETRY_AFTER_MS = AttributeKey.longKey("breakwater.retry_after_ms");
  static final AttributeKey<String> BULKHEAD = AttributeKey.stringKey("breakwater.bulkhead");
  static final AttributeKey<String> SCOPE_KIND = AttributeKey.stringKey("breakwater.timeout_scope");
  static final AttributeKey<Long> ELAPSED_MS = AttributeKey.longKey("breakwater.elapsed_ms");
  static final AttributeKey<String> OUTCOME = AttributeKey.stringKey("breakwater.outcome");
  static final AttributeKey<String> SOURCE = AttributeKey.stringKey("breakwater.source");

  private final Tracer tracer;
  private final Clock clock;

  /** Records decisions with tracers of the given OpenTelemetry instance (the application's own, with its exporter). */
  public BreakwaterTracing(OpenTelemetry openTelemetry) {
    this(openTelemetry, Clock.systemUTC());
  }

  // The clock dates attempt spans after the fact; the engine's own time source may be virtual.
  BreakwaterTracing(OpenTelemetry openTelemetry, Clock clock) {
    this.tracer = Objects.requireNonNull(openTelemetry, "openTelemetry").getTracer(SCOPE);
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /**
   * Captures the current OpenTelemetry context, so that an asynchronous call's later attempts and decisions, on the
   * engine's timer and executor threads, are recorded under the caller's span; nothing when no span is recording
   * (nothing would be recorded under it), so an unsampled call pays nothing for carrying.
   */
  @Override
  public Captured capture() {
    Context captured = Context.current();
    if (!Span.fromContext(captured).isRecording()) {
      return null;
    }
    return () -> captured.makeCurrent()::close;
  }

  /** Calls (for the span status), rate limits (denials) and attempts; a breaker's per-attempt verdicts are skipped. */
  @Override
  public Set<Interest> interests() {
    return EnumSet.of(Interest.CALLS, Interest.RATE_LIMITS, Interest.ATTEMPTS);
  }

  /** A failed call marks the current span ERROR with its code; every call adds a completion event. */
  @Override
  public void onCallCompleted(Pipeline<?> pipeline, CallContext ctx, ErrorCode code, Source source,
      long durationNanos) {
    Span span = recordingSpan();
    if (span == null) {
      return;
    }
    AttributesBuilder attributes = call(pipeline, ctx).put(OUTCOME, code == null ? "success" : tag(code));
    if (source != null) {
      attributes.put(SOURCE, source.name().toLowerCase(Locale.ROOT));
    }
    if (code != null) {
      attributes.put(ERROR_CODE, tag(code));
      span.setAttribute(ERROR_CODE, tag(code));
      span.setStatus(StatusCode.ERROR, code.name());
    }
    span.addEvent("breakwater.call", attributes.build());
  }

  /**
   * Records the attempt as a child span dated after the fact (the engine reports it once it ended): it ends now and
   * started {@code upstreamNanos} before; a failed attempt has status ERROR with its code.
   */
  @Override
  public void onAttempt(Pipeline<?> pipeline, CallContext ctx, int attempt, ErrorCode code, long upstreamNanos) {
    Context parent = Context.current();
    if (!Span.fromContext(parent).isRecording()) {
      return;
    }
    Instant end = clock.instant();
    long endNanos = TimeUnit.SECONDS.toNanos(end.getEpochSecond()) + end.getNano();
    AttributesBuilder attributes = call(pipeline, ctx).put(ATTEMPT, attempt);
    if (code != null) {
      attributes.put(ERROR_CODE, tag(code));
    }
    Span span = tracer.spanBuilder("breakwater.attempt")
        .setParent(parent)
        .setSpanKind(SpanKind.INTERNAL)
        .setStartTimestamp(endNanos - Math.max(0, upstreamNanos), TimeUnit.NANOSECONDS)
        .setAllAttributes(attributes.build())
        .startSpan();
    if (code != null) {
      span.setStatus(StatusCode.ERROR, code.name());
    }
    span.end(endNanos, TimeUnit.NANOSECONDS);
  }

  /** A retry: the attempt that follows, the failure that caused it and the delay before it. */
  @Override
  public void onRetry(Pipeline<?> pipeline, CallContext ctx, int nextAttempt, ErrorCode cause, long delayNanos) {
    event("breakwater.retry", pipeline, ctx, b -> b.put(ATTEMPT, nextAttempt).put(CAUSE, tag(cause))
        .put(DELAY_MS, TimeUnit.NANOSECONDS.toMillis(delayNanos)));
  }

  /** Retries ran out: why, after how many attempts, and the code the call fails with. */
  @Override
  public void onRetriesExhausted(Pipeline<?> pipeline, CallContext ctx, int attempts, ErrorCode code, RetryStop why) {
    event("breakwater.retries_exhausted", pipeline, ctx, b -> b.put(ATTEMPT, attempts).put(WHY, why.tag())
        .put(ERROR_CODE, tag(code)));
  }

  /** An attempt or the whole call ran out of time. */
  @Override
  public void onTimeout(Pipeline<?> pipeline, CallContext ctx, boolean deadline, long elapsedNanos) {
    event("breakwater.timeout", pipeline, ctx, b -> b.put(SCOPE_KIND, deadline ? "deadline" : "attempt")
        .put(ELAPSED_MS, TimeUnit.NANOSECONDS.toMillis(elapsedNanos)));
  }

  /** The circuit breaker refused the call; the breaker is named by its upstream, never by a tenant. */
  @Override
  public void onCircuitRejected(Pipeline<?> pipeline, CallContext ctx, CircuitBreaker breaker) {
    event("breakwater.circuit_rejected", pipeline, ctx, b -> b.put(ERROR_CODE, tag(ErrorCode.CIRCUIT_OPEN)));
  }

  /** The bulkhead refused the call. */
  @Override
  public void onBulkheadRejected(Pipeline<?> pipeline, CallContext ctx, Bulkhead bulkhead) {
    event("breakwater.bulkhead_rejected", pipeline, ctx, b -> b.put(BULKHEAD, bulkhead.name())
        .put(ERROR_CODE, tag(ErrorCode.BULKHEAD_FULL)));
  }

  /** A denied rate limit; allowed ones add no time to the call and are left to metrics. */
  @Override
  public void onRateLimit(Pipeline<?> pipeline, CallContext ctx, String limit, boolean allowed) {
    if (!allowed) {
      event("breakwater.rate_limited", pipeline, ctx, b -> b.put(LIMIT, limit)
          .put(ERROR_CODE, tag(ErrorCode.RATE_LIMITED)));
    }
  }

  /** The call was held back by the upstream's closed throttle gate. */
  @Override
  public void onThrottleGateHold(Pipeline<?> pipeline, CallContext ctx, long retryAfterMillis) {
    event("breakwater.gate_hold", pipeline, ctx, b -> b.put(RETRY_AFTER_MS, retryAfterMillis));
  }

  /** An idempotency decision (reserved, replayed, conflict, mismatch, released, refused). */
  @Override
  public void onIdempotency(Pipeline<?> pipeline, CallContext ctx, IdempotencyOutcome outcome) {
    event("breakwater.idempotency", pipeline, ctx, b -> b.put(OUTCOME, outcome.tag()));
  }

  /** A cache decision (hit, miss, stale, load_shared). */
  @Override
  public void onCache(Pipeline<?> pipeline, CallContext ctx, CacheOutcome outcome) {
    event("breakwater.cache", pipeline, ctx, b -> b.put(OUTCOME, outcome.tag()));
  }

  /** The operator's degradation level refused the call. */
  @Override
  public void onDegradationReject(Pipeline<?> pipeline, CallContext ctx, ErrorCode code) {
    event("breakwater.degradation_rejected", pipeline, ctx, b -> b.put(ERROR_CODE, tag(code)));
  }

  private void event(String name, Pipeline<?> pipeline, CallContext ctx, Extra extra) {
    Span span = recordingSpan();
    if (span == null) {
      return;
    }
    AttributesBuilder attributes = call(pipeline, ctx);
    extra.add(attributes);
    span.addEvent(name, attributes.build());
  }

  // A span that is not recording (none current, or not sampled) would drop the event: skip building it at all.
  private static Span recordingSpan() {
    Span span = Span.current();
    return span.isRecording() ? span : null;
  }

  // Only these call attributes: tenant and user ids would leak who called and explode the backend's cardinality.
  private static AttributesBuilder call(Pipeline<?> pipeline, CallContext ctx) {
    AttributesBuilder b = Attributes.builder().put(PIPELINE, pipeline.name());
    String upstream = ctx.upstream() != null ? ctx.upstream() : pipeline.upstream();
    if (upstream != null) {
      b.put(UPSTREAM, upstream);
    }
    if (ctx.operation() != null) {
      b.put(OPERATION, ctx.operation());
    }
    return b.put(CORRELATION_ID, ctx.correlationId());
  }

  private static String tag(ErrorCode code) {
    return code.name().toLowerCase(Locale.ROOT);
  }

  /** Adds an event's own attributes. */
  @FunctionalInterface
  private interface Extra {
    void add(AttributesBuilder attributes);
  }
}
