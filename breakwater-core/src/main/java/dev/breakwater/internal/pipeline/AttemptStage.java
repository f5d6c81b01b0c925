package dev.breakwater.internal.pipeline;

import dev.breakwater.BreakwaterException;
import dev.breakwater.CallContext;
import dev.breakwater.ErrorCode;
import dev.breakwater.Pipeline;
import dev.breakwater.circuit.CircuitBreaker;
import dev.breakwater.classify.Classifier;
import dev.breakwater.classify.Verdict;
import dev.breakwater.config.PipelineConfig;
import dev.breakwater.event.Events;
import dev.breakwater.internal.Engine;
import dev.breakwater.time.Cancellable;
import dev.breakwater.time.TimeSource;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * One attempt, innermost: the circuit breaker's permission, the attempt timeout, the classifier's verdict and the
 * breaker's record of it. The synchronous attempt is judged when it returns (decision 0006); the asynchronous one is
 * raced against a timer and cancelled when the timer wins. {@link RetryStage} runs the attempts.
 */
final class AttemptStage<T> {
  private final Pipeline<T> pipeline;
  private final Engine engine;
  private final TimeSource time;
  private final Events events;
  private final PipelineConfig config;
  private final PipelinePlan<T> plan;
  private final Classifier<T> classifier;
  private final CircuitBreaker defaultBreaker;
  /** The attempt timeout, 0 for none. */
  final long attemptNanos;

  AttemptStage(PipelinePlan<T> plan) {
    this.plan = plan;
    this.pipeline = plan.pipeline;
    this.engine = plan.engine;
    this.time = plan.time;
    this.events = plan.events;
    this.config = plan.config;
    this.classifier = plan.classifier;
    this.defaultBreaker = plan.defaultBreaker;
    this.attemptNanos = plan.attemptNanos;
  }

  /** The breaker that guards this call's upstream (and tenant, if breakers are per tenant), or null for none. */
  CircuitBreaker breakerFor(CallContext ctx) {
    if (config.circuitBreaker() == null) {
      return null;
    }
    String upstream = ctx.upstream();
    if (config.breakerPerTenant()) {
      return engine.tenantBreakers(plan.upstreamOf(ctx), config.circuitBreaker()).get(PipelinePlan.tenantOf(ctx));
    }
    if (defaultBreaker != null && (upstream == null || upstream.equals(config.upstream()))) {
      return defaultBreaker;
    }
    return engine.breaker(plan.upstreamOf(ctx), config.circuitBreaker());
  }

  /** Fails attempt {@code attempt} if the breaker refuses it; an open breaker ends the call (decision 0001). */
  void permit(CallContext ctx, CircuitBreaker breaker, int attempt) {
    if (breaker != null && !breaker.tryAcquirePermission()) {
      throw circuitOpen(ctx, breaker, attempt);
    }
  }

  /** How long an attempt started at {@code t0} may take: the attempt timeout, cut short by the deadline. */
  long limit(long t0, long deadline) {
    return attemptNanos > 0 ? Math.min(attemptNanos, deadline - t0) : deadline - t0;
  }

  /** Whether a synchronous attempt's duration is judged, so its end must be read even when it succeeded. */
  boolean timed(CircuitBreaker breaker, long t0, long deadline) {
    return attemptNanos > 0 || deadline - t0 < PipelinePlan.NO_DEADLINE / 2 || (breaker != null
        && breaker.timesCalls());
  }

  /**
   * Races an asynchronous attempt against its timer: the returned future completes with the attempt's outcome, or
   * with {@link AttemptTimeout} when {@code limit} passes first (the attempt is then cancelled). Either way the
   * continuation runs with the caller's context current (on the upstream's or the timer's thread).
   */
  CompletableFuture<T> race(Supplier<? extends CompletionStage<? extends T>> call, long limit, SourceHolder h) {
    CompletableFuture<T> attemptResult = new CompletableFuture<>();
    CompletableFuture<? extends T> upstream;
    try {
      upstream = call.get().toCompletableFuture();
    } catch (Throwable t) {
      upstream = CompletableFuture.failedFuture(t);
    }
    CompletableFuture<? extends T> running = upstream;
    Cancellable timer = limit >= PipelinePlan.NO_DEADLINE / 2 ? Cancellable.NONE
        : time.schedule(SourceHolder.carry(h, () -> {
          if (attemptResult.completeExceptionally(new AttemptTimeout())) {
            running.cancel(true); // the attempt lost the race: stop the work it would still do
          }
        }), limit);
    running.whenComplete(SourceHolder.carry(h, (v, e) -> {
      timer.cancel();
      if (e == null) {
        attemptResult.complete(v);
      } else {
        attemptResult.completeExceptionally(e);
      }
    }));
    return attemptResult;
  }

  /** The verdict on a raced asynchronous attempt that ended after {@code elapsed} (see {@link #race}). */
  Verdict raced(CallContext ctx, T value, Throwable error, long elapsed, long limit) {
    Throwable e = Classifier.unwrap(error);
    return e instanceof AttemptTimeout
        ? timeoutVerdict(ctx, elapsed, limit)
        : classify(ctx, value, e instanceof CancellationException ? e : error, elapsed, Long.MAX_VALUE);
  }

  /** The verdict on an attempt: a timeout past {@code limit}, else the classifier's (which must not throw). */
  Verdict classify(CallContext ctx, T value, Throwable error, long elapsed, long limit) {
    if (elapsed > limit) {
      return timeoutVerdict(ctx, elapsed, limit);
    }
    try {
      return classifier.classify(value, error);
    } catch (Throwable t) {
      events.internalError("classifier of " + config.name(), t);
      return Verdict.failure(ErrorCode.UPSTREAM_ERROR, false, false, null, "the response could not be classified", t);
    }
  }

  private Verdict timeoutVerdict(CallContext ctx, long elapsed, long limit) {
    boolean byDeadline = attemptNanos == 0 || limit < attemptNanos;
    if (events.active()) {
      events.emit(l -> l.onTimeout(pipeline, ctx, byDeadline, elapsed));
    }
    return Verdict.timeout((byDeadline ? "deadline" : "attempt timeout") + " of "
        + Duration.ofNanos(limit) + " exceeded");
  }

  /** Tells the breaker how the attempt went: a success, a failure that says the upstream is unwell, or neither. */
  void record(CircuitBreaker breaker, Verdict v, long elapsed) {
    if (breaker == null) {
      return;
    }
    if (v.isSuccess()) {
      breaker.onSuccess(elapsed);
      events.circuitCall(breaker, null);
    } else if (v.upstreamUnhealthy()) {
      breaker.onFailure(elapsed);
      events.circuitCall(breaker, v.code());
    } else {
      breaker.onIgnored();
    }
  }

  /**
   * Reports an attempt that reached the upstream and spent {@code upstreamNanos} there: adds it to the call's sum in
   * {@code h} (when someone times calls) and tells the listeners that want attempts.
   */
  void attempted(CallContext ctx, int attempt, Verdict v, long upstreamNanos, SourceHolder h) {
    if (h != null) {
      h.upstreamNanos += upstreamNanos;
    }
    events.attempt(pipeline, ctx, attempt, v.isSuccess() ? null : v.code(), upstreamNanos);
  }

  private BreakwaterException circuitOpen(CallContext ctx, CircuitBreaker b, int attempt) {
    if (events.active()) {
      events.emit(l -> l.onCircuitRejected(pipeline, ctx, b));
    }
    return new BreakwaterException(ErrorCode.CIRCUIT_OPEN, "circuit breaker " + b.name() + " is " + b.state()
        + (attempt > 1 ? " (after attempt " + (attempt - 1) + ")" : ""), Failures.roundUpToSecond(b.remainingOpen()),
        ctx.correlationId());
  }

  /** Marks an attempt that lost the race against its timer. */
  private static final class AttemptTimeout extends RuntimeException {
    private static final long serialVersionUID = 1L;

    AttemptTimeout() {
      super("attempt timed out", null, false, false);
    }
  }
}
