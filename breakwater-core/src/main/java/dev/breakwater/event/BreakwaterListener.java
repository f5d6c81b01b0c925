package dev.breakwater.event;

import dev.breakwater.CallContext;
import dev.breakwater.ErrorCode;
import dev.breakwater.Pipeline;
import dev.breakwater.Source;
import dev.breakwater.bulkhead.Bulkhead;
import dev.breakwater.circuit.CircuitBreaker;
import dev.breakwater.circuit.CircuitState;
import dev.breakwater.control.ControlChange;
import java.util.Set;

/**
 * Receives every decision the engine makes, for metrics, logs and traces. Every method has an empty default, is
 * called on the thread that made the decision, and must not block; an exception it throws is logged and counted by the
 * engine, never passed to the caller and never swallowed silently.
 */
public interface BreakwaterListener {

  /**
   * The per-call events this listener wants ({@link #onCallCompleted}, {@link #onRateLimit},
   * {@link #onCircuitCall}, {@link #onAttempt}); the engine skips the
   * others on its hot path. Every per-call event by default; a listener that implements neither returns
   * {@link Interest#none()}.
   */
  default Set<Interest> interests() {
    return Interest.all();
  }

  /** A call finished: {@code code} is {@code null} on success; {@code source} says where a value came from. */
  default void onCallCompleted(Pipeline<?> pipeline, CallContext ctx, ErrorCode code, Source source, long durationNanos) {}

  /**
   * A call finished, with the part of its duration its attempts spent in the upstream: {@code durationNanos -
   * upstreamNanos} is the time Breakwater added (bulkhead queueing, gate holds, backoffs, Retry-After waits, cache and
   * idempotency stores). The engine calls this one; by default it forwards to the five-argument method.
   */
  default void onCallCompleted(Pipeline<?> pipeline, CallContext ctx, ErrorCode code, Source source, long durationNanos,
      long upstreamNanos) {
    onCallCompleted(pipeline, ctx, code, source, durationNanos);
  }

  /**
   * Attempt number {@code attempt} of a call reached the upstream and ended after {@code upstreamNanos}: {@code code}
   * is {@code null} when the attempt succeeded, else the error code it was judged with (an attempt that ran out of
   * time reports the time until it was given up). An attempt the circuit breaker refused is not reported.
   */
  default void onAttempt(Pipeline<?> pipeline, CallContext ctx, int attempt, ErrorCode code, long upstreamNanos) {}

  /** An attempt failed with {@code cause} and attempt number {@code nextAttempt} will follow after {@code delayNanos}. */
  default void onRetry(Pipeline<?> pipeline, CallContext ctx, int nextAttempt, ErrorCode cause, long delayNanos) {}

  /** Retries ran out ({@code why}: attempts, deadline, Retry-After or budget) and the call fails with {@code code}. */
  default void onRetriesExhausted(Pipeline<?> pipeline, CallContext ctx, int attempts, ErrorCode code,
      RetryStop why) {}

  /** The call succeeded on attempt {@code attempts} after earlier failures. */
  default void onSuccessAfterRetry(Pipeline<?> pipeline, CallContext ctx, int attempts) {}

  /** A retry was refused by the retry budget. */
  default void onRetryBudgetExhausted(Pipeline<?> pipeline, CallContext ctx) {}

  /** An attempt ({@code deadline == false}) or the whole call ({@code deadline == true}) ran out of time. */
  default void onTimeout(Pipeline<?> pipeline, CallContext ctx, boolean deadline, long elapsedNanos) {}

  /** A circuit breaker was created (for state gauges). */
  default void onCircuitBreakerCreated(CircuitBreaker breaker) {}

  /** A circuit breaker changed state. */
  default void onCircuitTransition(CircuitBreaker breaker, CircuitState from, CircuitState to, String reason) {}

  /**
   * A circuit breaker judged an attempt: {@code failure} is {@code null} for a success, else the error code of a
   * failure it counted against the upstream (failures it ignores, such as a 4xx, are not reported).
   */
  default void onCircuitCall(CircuitBreaker breaker, ErrorCode failure) {}

  /** A circuit breaker refused a call. */
  default void onCircuitRejected(Pipeline<?> pipeline, CallContext ctx, CircuitBreaker breaker) {}

  /** A bulkhead was created (for active and queue gauges). */
  default void onBulkheadCreated(Bulkhead bulkhead) {}

  /** A bulkhead refused a call. */
  default void onBulkheadRejected(Pipeline<?> pipeline, CallContext ctx, Bulkhead bulkhead) {}

  /** A rate limit was checked: {@code limit} is the name of the limit that denied, or of the first checked. */
  default void onRateLimit(Pipeline<?> pipeline, CallContext ctx, String limit, boolean allowed) {}

  /** A call was held back by a closed upstream throttle gate. */
  default void onThrottleGateHold(Pipeline<?> pipeline, CallContext ctx, long retryAfterMillis) {}

  /** An upstream throttle gate was closed for a tenant until {@code untilEpochMillis}. */
  default void onThrottleGateClosed(String upstream, String tenant, long untilEpochMillis) {}

  /** An idempotency decision for a call that carried a key. */
  default void onIdempotency(Pipeline<?> pipeline, CallContext ctx, IdempotencyOutcome outcome) {}

  /** A cache decision. */
  default void onCache(Pipeline<?> pipeline, CallContext ctx, CacheOutcome outcome) {}

  /** A call was rejected by the operator's degradation level. */
  default void onDegradationReject(Pipeline<?> pipeline, CallContext ctx, ErrorCode code) {}

  /** A bounded registry evicted {@code count} idle or excess keys. */
  default void onRegistryEviction(String registry, long count) {}

  /** A bounded registry crossed 90 % of its key capacity. */
  default void onRegistryNearCapacity(String registry, long size, long capacity) {}

  /** A shared state store (such as Redis) was opened: it starts shared, and says so before any change. */
  default void onStateStoreOpened(String store) {}

  /** A shared state store (such as Redis) became unreachable and fell back to local state, or came back. */
  default void onStateStore(String store, boolean degraded, String detail) {}

  /** A decision was taken on local fallback state because the shared store was unreachable. */
  default void onDegradedDecision(String store) {}

  /**
   * A control's effective value at one target changed on this instance (an operator's setting arrived, lapsed or was
   * removed, or a health rule moved): once per change, for gauges and logs.
   */
  default void onControlChange(ControlChange change) {}

  /** Something inside the engine failed (a listener, a background task); it was logged and the call went on. */
  default void onInternalError(String where, Throwable error) {}
}
