package dev.breakwater.internal.pipeline;

import dev.breakwater.BreakwaterException;
import dev.breakwater.CallContext;
import dev.breakwater.ErrorCode;
import dev.breakwater.Pipeline;
import dev.breakwater.event.Events;
import dev.breakwater.internal.Engine;
import dev.breakwater.retry.RetryConfig;
import dev.breakwater.time.TimeSource;
import java.time.Duration;

/**
 * The upstream's throttle gate of a tenant (decision 0014): checked once when a call is admitted, again before every
 * retry and before a first attempt that waited for its bulkhead, closed when the upstream answers with a
 * Retry-After. Waits after a Retry-After or a gate are spread so that the calls a window held do not all leave at
 * its end.
 */
final class GateStage {
  private static final long MAX_SPREAD_NANOS = 1_000_000_000L;
  private static final long MIN_SPREAD_BASE_NANOS = 1_000_000_000L;

  private final Pipeline<?> pipeline;
  private final PipelinePlan<?> plan;
  private final Engine engine;
  private final TimeSource time;
  private final Events events;
  private final boolean on;
  private final RetryConfig retry;

  GateStage(PipelinePlan<?> plan) {
    this.plan = plan;
    this.pipeline = plan.pipeline;
    this.engine = plan.engine;
    this.time = plan.time;
    this.events = plan.events;
    this.on = plan.config.throttleGate();
    this.retry = plan.retry;
  }

  /** Whether the pipeline keeps a per-tenant gate (otherwise a Retry-After opens the breaker instead). */
  boolean on() {
    return on;
  }

  /** Fails a call whose tenant's gate is closed; the caller learns how long it stays closed. */
  void check(CallContext ctx) {
    long left = gateMillisLeft(ctx);
    if (left > 0) {
      throw gateClosed(ctx, left);
    }
  }

  /**
   * Before a retry (or an attempt that waited for its bulkhead): how long to hold it because the tenant's gate closed
   * meanwhile, or 0 to go now. A hold that would pass the deadline or the longest Retry-After the retry policy waits
   * fails the call with THROTTLED instead: the upstream is never called inside a window it asked for.
   */
  long gateHoldNanos(CallContext ctx, long now, long deadline) {
    long left = gateMillisLeft(ctx);
    if (left <= 0) {
      return 0;
    }
    long hold = left * 1_000_000L;
    if (now + hold - deadline >= 0 || (retry != null && hold > retry.maxRetryAfter().toNanos())) {
      throw gateClosed(ctx, left);
    }
    return hold + spread(hold, deadline - now - hold - 1);
  }

  /**
   * A random extra wait after a Retry-After or a gate hold: up to a fifth of the wait, but at least 200 ms and at
   * most a second (never past the deadline). The calls a window held would otherwise all reach the upstream the
   * instant it ends, and every one after the first would land inside the next window that first call opens; spread
   * out, the first answer closes the gate before the rest are sent. The floor matters for holds: a call held near
   * the end of a window has little left to wait, yet must not join the crowd leaving when the window ends.
   */
  long spread(long waitNanos, long room) {
    long max = Math.min(Math.min(Math.max(waitNanos, MIN_SPREAD_BASE_NANOS) / 5, MAX_SPREAD_NANOS), room);
    return max <= 0 ? 0 : (long) (engine.jitter.getAsDouble() * max);
  }

  /** Closes the tenant's gate for {@code retryAfter}, as the upstream asked. */
  void closeGate(CallContext ctx, Duration retryAfter) {
    long until = time.epochMillis() + retryAfter.toMillis();
    String upstream = plan.upstreamOf(ctx);
    String tenant = PipelinePlan.tenantOf(ctx);
    engine.throttleGateStore.close(upstream, tenant, until);
    if (events.active()) {
      events.emit(l -> l.onThrottleGateClosed(upstream, tenant, until));
    }
  }

  /** The failure of a call held by a closed gate, {@code leftMillis} before it opens. */
  BreakwaterException gateClosed(CallContext ctx, long leftMillis) {
    if (events.active()) {
      events.emit(l -> l.onThrottleGateHold(pipeline, ctx, leftMillis));
    }
    return new BreakwaterException(ErrorCode.THROTTLED, "upstream " + plan.upstreamOf(ctx)
        + " throttled this tenant; holding calls until its Retry-After passes",
        Failures.roundUpToSecond(Duration.ofMillis(leftMillis)), ctx.correlationId());
  }

  private long gateMillisLeft(CallContext ctx) {
    if (!on) {
      return 0;
    }
    long until = engine.throttleGateStore.closedUntil(plan.upstreamOf(ctx), PipelinePlan.tenantOf(ctx));
    return until == 0 ? 0 : until - time.epochMillis();
  }
}
