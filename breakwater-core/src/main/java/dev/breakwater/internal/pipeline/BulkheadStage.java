package dev.breakwater.internal.pipeline;

import dev.breakwater.BreakwaterException;
import dev.breakwater.CallContext;
import dev.breakwater.ErrorCode;
import dev.breakwater.OperationKind;
import dev.breakwater.Pipeline;
import dev.breakwater.bulkhead.Bulkhead;
import dev.breakwater.config.PipelineConfig;
import dev.breakwater.event.Events;
import dev.breakwater.internal.Engine;
import dev.breakwater.time.TimeSource;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.function.Supplier;

/**
 * The throttle gate's check at admission, then the bulkhead: a permit of the call's domain and lane (read or write
 * pool), waited for up to the pool's {@code maxWait} and the deadline, held across every retry and its backoff
 * (decision 0001). A call that waited checks the gate again before its first attempt (decision 0014).
 */
final class BulkheadStage<T> {
  private final Pipeline<T> pipeline;
  private final PipelinePlan<T> plan;
  private final Engine engine;
  private final TimeSource time;
  private final Events events;
  private final PipelineConfig config;
  private final Bulkhead defaultReadBulkhead;
  private final Bulkhead defaultWriteBulkhead;
  private final GateStage gate;
  private final RetryStage<T> next;

  BulkheadStage(PipelinePlan<T> plan, GateStage gate, RetryStage<T> next) {
    this.plan = plan;
    this.pipeline = plan.pipeline;
    this.engine = plan.engine;
    this.time = plan.time;
    this.events = plan.events;
    this.config = plan.config;
    this.defaultReadBulkhead = plan.defaultReadBulkhead;
    this.defaultWriteBulkhead = plan.defaultWriteBulkhead;
    this.gate = gate;
    this.next = next;
  }

  /** Synchronous step: the gate, then the attempts under a permit (released when they are done). */
  T sync(CallContext ctx, Callable<? extends T> call, long start, long deadline, SourceHolder h) {
    gate.check(ctx);
    Bulkhead b = bulkheadFor(ctx);
    if (b == null) {
      return next.sync(ctx, call, start, deadline, false, h);
    }
    long attemptStart = start;
    boolean waited = false;
    if (!b.tryAcquire(ctx.lane())) {
      waited = true;
      long wait = Math.min(b.config().maxWait().toNanos(), deadline - time.nanoTime());
      boolean got;
      try {
        got = wait > 0 && b.acquire(ctx.lane(), wait).get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        got = false;
      } catch (ExecutionException e) {
        got = false;
      }
      if (!got) {
        throw bulkheadFull(ctx, b);
      }
      attemptStart = time.nanoTime(); // the wait must not count against the first attempt's timeout
    }
    try {
      return next.sync(ctx, call, attemptStart, deadline, waited, h);
    } finally {
      b.release();
    }
  }

  /** Asynchronous step: as {@link #sync}, the wait for a permit continuing on the engine's executor. */
  CompletableFuture<T> async(CallContext ctx, Supplier<? extends CompletionStage<? extends T>> call, long deadline,
      SourceHolder h) {
    gate.check(ctx);
    Bulkhead b = bulkheadFor(ctx);
    if (b == null) {
      return next.async(ctx, call, deadline, false, h);
    }
    if (b.tryAcquire(ctx.lane())) {
      return withPermit(b, ctx, call, deadline, false, h);
    }
    long wait = Math.min(b.config().maxWait().toNanos(), deadline - time.nanoTime());
    if (wait <= 0) {
      throw bulkheadFull(ctx, b);
    }
    return b.acquire(ctx.lane(), wait).thenComposeAsync(got -> {
      if (!got) {
        throw bulkheadFull(ctx, b);
      }
      return withPermit(b, ctx, call, deadline, true, h);
    }, SourceHolder.carry(h, engine.executor));
  }

  private CompletableFuture<T> withPermit(Bulkhead b, CallContext ctx,
      Supplier<? extends CompletionStage<? extends T>> call, long deadline, boolean recheckGate, SourceHolder h) {
    CompletableFuture<T> f;
    try {
      f = next.async(ctx, call, deadline, recheckGate, h);
    } catch (Throwable t) {
      b.release();
      throw t;
    }
    return f.whenComplete((v, e) -> b.release());
  }

  private Bulkhead bulkheadFor(CallContext ctx) {
    if (defaultReadBulkhead == null) {
      return null;
    }
    boolean write = ctx.kind() != OperationKind.READ;
    String domain = ctx.domain();
    if (domain == null || domain.equals(config.domain())) {
      return write ? defaultWriteBulkhead : defaultReadBulkhead;
    }
    return write ? plan.writeBulkhead(domain) : engine.bulkhead(domain, false, config.bulkhead());
  }

  private BreakwaterException bulkheadFull(CallContext ctx, Bulkhead b) {
    if (events.active()) {
      events.emit(l -> l.onBulkheadRejected(pipeline, ctx, b));
    }
    return new BreakwaterException(ErrorCode.BULKHEAD_FULL, "bulkhead " + b.name() + " is full ("
        + b.config().maxConcurrent() + " concurrent calls)", Duration.ofSeconds(1), ctx.correlationId());
  }
}
