package dev.breakwater.internal.pipeline;

import dev.breakwater.BreakwaterException;
import dev.breakwater.CallContext;
import dev.breakwater.ErrorCode;
import dev.breakwater.Pipeline;
import dev.breakwater.circuit.CircuitBreaker;
import dev.breakwater.classify.Verdict;
import dev.breakwater.config.PipelineConfig;
import dev.breakwater.event.Events;
import dev.breakwater.event.RetryStop;
import dev.breakwater.internal.Engine;
import dev.breakwater.internal.RepeatRule;
import dev.breakwater.retry.RetryBudget;
import dev.breakwater.retry.RetryConfig;
import dev.breakwater.time.TimeSource;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.BiConsumer;
import java.util.function.Supplier;

/**
 * The attempts of one call: before each, the deadline, the throttle gate ({@link GateStage}) and the breaker; after a
 * failed one, whether and when to try again (the retry policy, Retry-After, the retry budget, the deadline) or the
 * failure the caller gets. The breaker sits inside the retry, so every attempt asks it (decision 0001).
 */
final class RetryStage<T> {
  private final Pipeline<T> pipeline;
  private final PipelinePlan<T> plan;
  private final Engine engine;
  private final TimeSource time;
  private final Events events;
  private final PipelineConfig config;
  private final RetryConfig retry;
  private final RetryBudget defaultBudget;
  /** The call's idempotency policy, which says whether the upstream deduplicates keyed repeats; null for none. */
  private final dev.breakwater.idempotency.IdempotencyConfig idempotency;
  private final BiConsumer<CallContext, BreakwaterException> deadLetter;
  private final GateStage gate;
  private final AttemptStage<T> attempts;

  RetryStage(PipelinePlan<T> plan, GateStage gate, AttemptStage<T> attempts) {
    this.plan = plan;
    this.pipeline = plan.pipeline;
    this.engine = plan.engine;
    this.time = plan.time;
    this.events = plan.events;
    this.config = plan.config;
    this.retry = plan.retry;
    this.defaultBudget = plan.defaultBudget;
    this.idempotency = plan.idempotency;
    this.deadLetter = plan.deadLetter;
    this.gate = gate;
    this.attempts = attempts;
  }

  /**
   * The attempts of one synchronous call. {@code recheckGate} says the gate checked at admission may have closed
   * since (the call waited for its bulkhead permit); every retry checks it again anyway. {@code h}, when not null,
   * receives the attempts' upstream time.
   */
  T sync(CallContext ctx, Callable<? extends T> call, long start, long deadline, boolean recheckGate,
      SourceHolder h) {
    boolean clock = plan.clocked(ctx);
    // The upstream's own time is read around the call itself, so that it leaves out admission, stores and waits.
    boolean upstreamTimed = h != null && events.callsObserved() || events.attemptsObserved();
    CircuitBreaker breaker = attempts.breakerFor(ctx);
    RetryBudget budget = retry == null ? null : budgetFor(ctx);
    long t0 = start;
    if (budget != null) {
      budget.onFirstAttempt(t0);
    }
    for (int attempt = 1; ; attempt++) {
      if (attempt > 1 || recheckGate) {
        t0 = time.nanoTime();
      }
      if (t0 - deadline >= 0) {
        throw deadlineExceeded(ctx, t0, attempt);
      }
      if (attempt > 1 || recheckGate) {
        long hold = gate.gateHoldNanos(ctx, t0, deadline);
        if (hold > 0) {
          try {
            time.sleep(hold);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw gate.gateClosed(ctx, hold / 1_000_000);
          }
          attempt--; // the hold is not an attempt: check the gate, deadline and breaker again
          continue;
        }
      }
      attempts.permit(ctx, breaker, attempt);
      T value = null;
      Throwable error = null;
      long u0 = upstreamTimed ? time.nanoTime() : 0;
      try {
        value = call.call();
      } catch (Throwable e) {
        error = e;
      }
      long u1 = upstreamTimed ? time.nanoTime() : 0;
      // The end of a successful attempt is only read when something judges its duration.
      long t1 = clock && (attempts.timed(breaker, t0, deadline) || error != null)
          ? (upstreamTimed ? u1 : time.nanoTime()) : t0;
      Verdict v = attempts.classify(ctx, value, error, t1 - t0, attempts.limit(t0, deadline));
      if (!v.isSuccess() && clock && t1 == t0) {
        t1 = time.nanoTime(); // a failure needs the time: for the backoff, the deadline and the retry budget
      }
      attempts.record(breaker, v, t1 - t0);
      if (upstreamTimed) {
        attempts.attempted(ctx, attempt, v, u1 - u0, h);
      }
      if (v.isSuccess()) {
        if (attempt > 1 && events.active()) {
          int n = attempt;
          events.emit(l -> l.onSuccessAfterRetry(pipeline, ctx, n));
        }
        return value;
      }
      Step step = afterFailure(ctx, attempt, v, t1, deadline, budget);
      if (step.failure != null) {
        throw step.failure;
      }
      try {
        time.sleep(step.delay);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw Failures.toException(ctx, v, "interrupted while waiting to retry");
      }
    }
  }

  /** The attempts of one asynchronous call (see {@link #sync}). */
  CompletableFuture<T> async(CallContext ctx, Supplier<? extends CompletionStage<? extends T>> call, long deadline,
      boolean recheckGate, SourceHolder h) {
    return new AsyncRetry(ctx, call, deadline, recheckGate, h).start();
  }

  /** One asynchronous call's attempts: each attempt is raced against its timer; failures schedule the next one. */
  private final class AsyncRetry {
    final CallContext ctx;
    final Supplier<? extends CompletionStage<? extends T>> call;
    final long deadline;
    final CircuitBreaker breaker;
    final RetryBudget budget;
    final CompletableFuture<T> result = new CompletableFuture<>();
    /** Whether the first attempt checks the gate again (see {@link RetryStage#sync}). */
    final boolean recheckGate;
    /** Receives the attempts' upstream time, or null when nobody listens to completed calls. */
    final SourceHolder holder;

    AsyncRetry(CallContext ctx, Supplier<? extends CompletionStage<? extends T>> call, long deadline,
        boolean recheckGate, SourceHolder holder) {
      this.ctx = ctx;
      this.holder = holder;
      this.call = call;
      this.deadline = deadline;
      this.recheckGate = recheckGate;
      this.breaker = attempts.breakerFor(ctx);
      this.budget = retry == null ? null : budgetFor(ctx);
    }

    CompletableFuture<T> start() {
      if (budget != null) {
        budget.onFirstAttempt(time.nanoTime());
      }
      attempt(1);
      return result;
    }

    void attempt(int n) {
      try {
        long t0 = time.nanoTime();
        if (t0 - deadline >= 0) {
          result.completeExceptionally(deadlineExceeded(ctx, t0, n));
          return;
        }
        if (n > 1 || recheckGate) {
          long hold = gate.gateHoldNanos(ctx, t0, deadline);
          if (hold > 0) {
            later(hold, () -> attempt(n), null);
            return;
          }
        }
        attempts.permit(ctx, breaker, n);
        long limit = attempts.limit(t0, deadline);
        attempts.race(call, limit, holder).whenComplete((v, e) -> finish(n, t0, v, e, limit));
      } catch (Throwable t) {
        result.completeExceptionally(Failures.asBreakwater(ctx, t));
      }
    }

    void finish(int n, long t0, T value, Throwable error, long limit) {
      try {
        long t1 = time.nanoTime();
        Verdict v = attempts.raced(ctx, value, error, t1 - t0, limit);
        attempts.record(breaker, v, t1 - t0);
        // The attempt started the upstream call right after t0 (the breaker's permission is a memory read).
        attempts.attempted(ctx, n, v, t1 - t0, holder);
        if (v.isSuccess()) {
          if (n > 1 && events.active()) {
            events.emit(l -> l.onSuccessAfterRetry(pipeline, ctx, n));
          }
          result.complete(value);
          return;
        }
        Step step = afterFailure(ctx, n, v, t1, deadline, budget);
        if (step.failure != null) {
          result.completeExceptionally(step.failure);
          return;
        }
        later(step.delay, () -> attempt(n + 1), v);
      } catch (Throwable t) {
        result.completeExceptionally(Failures.asBreakwater(ctx, t));
      }
    }

    /** Runs {@code next} on the engine's executor after {@code delay}; {@code v} names the failure it follows. */
    private void later(long delay, Runnable next, Verdict v) {
      time.schedule(() -> {
        try {
          engine.executor.execute(SourceHolder.carry(holder, next));
        } catch (Throwable t) {
          // A rejected hand-off must fail the call, not leave its future hanging forever.
          events.internalError("executor of " + config.name(), t);
          result.completeExceptionally(v != null ? Failures.toException(ctx, v, "retry could not be scheduled")
              : new BreakwaterException(ErrorCode.THROTTLED, "retry could not be scheduled after the tenant's"
                  + " throttle gate", null, ctx.correlationId()));
        }
      }, delay);
    }
  }

  /** What follows a failed attempt: a delay before the next one, or the failure the caller gets. */
  private static final class Step {
    final long delay;
    final BreakwaterException failure;

    Step(long delay, BreakwaterException failure) {
      this.delay = delay;
      this.failure = failure;
    }
  }

  private Step afterFailure(CallContext ctx, int attempt, Verdict v, long now, long deadline, RetryBudget budget) {
    Duration ra = v.retryAfter();
    if (v.code() == ErrorCode.THROTTLED && ra != null) {
      if (gate.on()) {
        gate.closeGate(ctx, ra);
      } else {
        // Without a per-tenant gate the upstream's word still holds: nobody calls it until Retry-After has passed.
        CircuitBreaker b = attempts.breakerFor(ctx);
        if (b != null) {
          b.openFor(ra, "upstream asked to retry after " + ra);
        }
      }
    }
    boolean retryable = retry != null && v.retryable()
        && RepeatRule.mayRepeat(ctx.kind(), idempotency != null && idempotency.repeatable(ctx.idempotencyKey()),
            attempt, v.cause());
    if (!retryable) {
      return stop(ctx, attempt, v, v.code() == ErrorCode.TIMEOUT ? RetryStop.NOT_RETRIED : null, null);
    }
    if (attempt >= retry.maxAttempts()) {
      return stop(ctx, attempt, v, RetryStop.ATTEMPTS, null);
    }
    long delay;
    if (ra != null) {
      if (ra.compareTo(retry.maxRetryAfter()) > 0) {
        return stop(ctx, attempt, v, RetryStop.RETRY_AFTER, null);
      }
      delay = ra.toNanos();
    } else {
      delay = retry.backoffNanos(attempt, engine.jitter.getAsDouble());
    }
    if (now + delay - deadline >= 0) {
      return stop(ctx, attempt, v, RetryStop.DEADLINE, v.code() == ErrorCode.THROTTLED ? null : "deadline");
    }
    if (ra != null) {
      delay += gate.spread(delay, deadline - now - delay - 1);
    }
    if (budget != null && !budget.tryRetry(now)) {
      if (events.active()) {
        events.emit(l -> l.onRetryBudgetExhausted(pipeline, ctx));
      }
      return stop(ctx, attempt, v, RetryStop.BUDGET, null);
    }
    if (events.active()) {
      long d = delay;
      events.emit(l -> l.onRetry(pipeline, ctx, attempt + 1, v.code(), d));
    }
    return new Step(delay, null);
  }

  private Step stop(CallContext ctx, int attempts, Verdict v, RetryStop exhaustedWhy, String detailSuffix) {
    BreakwaterException e = Failures.toException(ctx, v,
        detailSuffix == null ? null : "retry would pass the " + detailSuffix);
    if (exhaustedWhy != null) {
      if (events.active()) {
        events.emit(l -> l.onRetriesExhausted(pipeline, ctx, attempts, e.code(), exhaustedWhy));
      }
      if (deadLetter != null && exhaustedWhy != RetryStop.NOT_RETRIED) {
        try {
          deadLetter.accept(ctx, e);
        } catch (Throwable t) {
          events.internalError("dead-letter hook of " + config.name(), t);
        }
      }
    }
    return new Step(0, e);
  }

  private RetryBudget budgetFor(CallContext ctx) {
    if (retry.budget() == null) {
      return null;
    }
    String upstream = ctx.upstream();
    if (defaultBudget != null && (upstream == null || upstream.equals(config.upstream()))) {
      return defaultBudget;
    }
    return engine.budget(plan.upstreamOf(ctx), config.retry(), retry.budget());
  }

  private BreakwaterException deadlineExceeded(CallContext ctx, long now, int attempt) {
    if (events.active()) {
      events.emit(l -> l.onTimeout(pipeline, ctx, true, 0));
    }
    return new BreakwaterException(ErrorCode.TIMEOUT, "deadline passed before attempt " + attempt, null,
        ctx.correlationId());
  }
}
