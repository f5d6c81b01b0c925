package dev.breakwater.internal.pipeline;

import dev.breakwater.BreakwaterException;
import dev.breakwater.CallContext;
import dev.breakwater.Degradation;
import dev.breakwater.ErrorCode;
import dev.breakwater.Pipeline;
import dev.breakwater.event.Events;
import dev.breakwater.internal.Engine;
import dev.breakwater.ratelimit.RateLimitConfig;
import dev.breakwater.ratelimit.RateLimitDecision;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * Admission: the operator's degradation level, then the pipeline's rate limits (all of them or none: one decision
 * across every limit). A call refused here has cost the upstream nothing.
 */
final class AdmissionStage<T> {
  private final Pipeline<T> pipeline;
  private final PipelinePlan<T> plan;
  private final Engine engine;
  private final Events events;
  private final List<RateLimitConfig> rateLimits;
  private final BulkheadStage<T> next;

  AdmissionStage(PipelinePlan<T> plan, BulkheadStage<T> next) {
    this.plan = plan;
    this.pipeline = plan.pipeline;
    this.engine = plan.engine;
    this.events = plan.events;
    this.rateLimits = plan.rateLimits;
    this.next = next;
  }

  /** Synchronous step: admit, take the rate limits' tokens (timed by the call's start when the call is clocked). */
  T sync(CallContext ctx, Callable<? extends T> call, long start, long deadline, SourceHolder h) {
    admit(ctx);
    if (!rateLimits.isEmpty()) {
      RateLimitConfig first = rateLimits.get(0);
      RateLimitDecision d = rateLimits.size() > 1
          ? engine.rateLimitStore.tryAcquireAll(rateLimits, rateLimitKeys(ctx), ctx.cost())
          : plan.clocked(ctx) ? engine.rateLimitStore.tryAcquire(first, first.scope().key(ctx), ctx.cost(), start)
          : engine.rateLimitStore.tryAcquire(first, first.scope().key(ctx), ctx.cost());
      checkRateLimit(ctx, d);
    }
    return next.sync(ctx, call, start, deadline, h);
  }

  /** Asynchronous step: as {@link #sync}; a decision the store has not made yet continues on the executor. */
  CompletableFuture<T> async(CallContext ctx, Supplier<? extends CompletionStage<? extends T>> call, long deadline,
      SourceHolder h) {
    admit(ctx);
    CompletableFuture<RateLimitDecision> limits = rateLimits.isEmpty()
        ? null : engine.rateLimitStore.tryAcquireAllAsync(rateLimits, rateLimitKeys(ctx), ctx.cost())
            .toCompletableFuture();
    if (limits == null || limits.isDone()) {
      if (limits != null) {
        checkRateLimit(ctx, limits.join());
      }
      return next.async(ctx, call, deadline, h);
    }
    return limits.thenComposeAsync(d -> {
      checkRateLimit(ctx, d);
      return next.async(ctx, call, deadline, h);
    }, SourceHolder.carry(h, engine.executor));
  }

  /** Degradation: the operator's level may reject the call before it costs anything. */
  private void admit(CallContext ctx) {
    Degradation level = engine.control.level(pipeline.name(), plan.upstreamOf(ctx));
    ErrorCode code = level.rejects(ctx.kind(), ctx.lane(), ctx.criticality());
    if (code != null) {
      if (events.active()) {
        events.emit(l -> l.onDegradationReject(pipeline, ctx, code));
      }
      throw new BreakwaterException(code, "rejected by degradation level " + level, level.retryAfter(),
          ctx.correlationId());
    }
  }

  private List<String> rateLimitKeys(CallContext ctx) {
    List<String> keys = new ArrayList<>(rateLimits.size());
    for (RateLimitConfig l : rateLimits) {
      keys.add(l.scope().key(ctx));
    }
    return keys;
  }

  private void checkRateLimit(CallContext ctx, RateLimitDecision d) {
    if (events.rateLimitsObserved()) {
      events.rateLimit(pipeline, ctx, d.isAllowed() ? rateLimits.get(0).name() : d.deniedBy(), d.isAllowed());
    }
    if (d.isAllowed()) {
      return;
    }
    if (d.never()) {
      throw new BreakwaterException(ErrorCode.INVALID_REQUEST, "cost: " + ctx.cost() + " (expected: <= the burst of "
          + d.deniedBy() + ")", null, ctx.correlationId());
    }
    throw BreakwaterException.rateLimited(d.deniedBy(), Failures.roundUpToSecond(d.retryAfter()),
        ctx.correlationId());
  }
}
