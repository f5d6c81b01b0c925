package dev.breakwater.internal.pipeline;

import dev.breakwater.BreakwaterException;
import dev.breakwater.CallContext;
import dev.breakwater.CallResult;
import dev.breakwater.Pipeline;
import dev.breakwater.classify.Classifier;
import dev.breakwater.config.PipelineConfig;
import dev.breakwater.control.Arm;
import dev.breakwater.control.ControlPlane;
import dev.breakwater.event.Events;
import dev.breakwater.fallback.Fallback;
import dev.breakwater.internal.Engine;
import dev.breakwater.spi.CacheStore;
import dev.breakwater.spi.ContextCarrier;
import dev.breakwater.spi.IdempotencyStore;
import dev.breakwater.time.TimeSource;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.BiConsumer;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * The pipeline: the policies applied in the one fixed order (decision 0001), outermost first.
 *
 * <ol>
 *   <li>{@link FallbackStage} fallback: a failure it covers is answered by the fallback or the last good value;</li>
 *   <li>{@link CacheStage} cache of reads: fresh hit, shared load in flight, stale-if-error;</li>
 *   <li>{@link IdempotencyStage} idempotency of keyed calls: reserve, then complete or release;</li>
 *   <li>{@link AdmissionStage} admission: degradation level, rate limits;</li>
 *   <li>{@link BulkheadStage} the upstream's throttle gate ({@link GateStage}), then the bulkhead permit, held
 *       across retries;</li>
 *   <li>{@link RetryStage} retry: before each attempt the deadline, the gate again (decision 0014) and the circuit
 *       breaker; after a failed one the backoff, Retry-After, budget and deadline;</li>
 *   <li>{@link AttemptStage} one attempt: breaker permission, attempt timeout (a synchronous attempt is judged when
 *       it returns, decision 0006), classification, the breaker's record.</li>
 * </ol>
 *
 * <p>Each stage is created once, here, and holds the next one; its synchronous step is a plain method that calls the
 * next stage's (so the synchronous success path allocates nothing), its asynchronous step composes futures, and both
 * take every decision through the same methods, so the two paths cannot drift apart (decision 0023). The overall
 * deadline is fixed when the call starts and bounds every wait inside it.
 */
public final class DefaultPipeline<T> implements Pipeline<T> {
  private final PipelineConfig config;
  private final TimeSource time;
  private final Events events;
  private final PipelinePlan<T> plan;
  private final FallbackStage<T> outermost;
  private final ContextCarrier carrier;
  private final ControlPlane control;
  /**
   * The same call with no policy (the kill switch's and the rollout's other arm): the classifier's error contract and
   * the operators' levels only. Null in that pipeline itself.
   */
  private final DefaultPipeline<T> passThrough;

  /** Creates a pipeline; every named policy is resolved now, so a wrong name fails here, not on a call. */
  public DefaultPipeline(Engine engine, PipelineConfig config, Classifier<T> classifier, Fallback<T> fallback,
      BiConsumer<CallContext, BreakwaterException> deadLetter, IdempotencyStore<T> idempotencyStore,
      CacheStore<T> cacheStore, Predicate<? super T> cacheable,
      java.util.function.Function<BreakwaterException, T> unknownOutcome) {
    this(engine, config, classifier, fallback, deadLetter, idempotencyStore, cacheStore, cacheable, unknownOutcome,
        false);
  }

  private DefaultPipeline(Engine engine, PipelineConfig config, Classifier<T> classifier, Fallback<T> fallback,
      BiConsumer<CallContext, BreakwaterException> deadLetter, IdempotencyStore<T> idempotencyStore,
      CacheStore<T> cacheStore, Predicate<? super T> cacheable,
      java.util.function.Function<BreakwaterException, T> unknownOutcome, boolean bare) {
    this.config = config;
    this.control = engine.control;
    // Same name, upstream and domain: operators' levels and the listeners' series are those of this pipeline.
    this.passThrough = bare ? null : new DefaultPipeline<>(engine, PipelineConfig.named(config.name())
        .withUpstream(config.upstream()).withDomain(config.domain()), classifier, null, null, null, null, cacheable,
        null, true);
    this.time = engine.time;
    this.events = engine.events;
    this.carrier = engine.contextCarrier;
    this.plan = new PipelinePlan<>(this, engine, config, classifier, fallback, deadLetter, idempotencyStore,
        cacheStore, cacheable, unknownOutcome);
    // Innermost first: each stage is given the one it wraps.
    GateStage gate = new GateStage(plan);
    RetryStage<T> retry = new RetryStage<>(plan, gate, new AttemptStage<>(plan));
    BulkheadStage<T> bulkhead = new BulkheadStage<>(plan, gate, retry);
    AdmissionStage<T> admission = new AdmissionStage<>(plan, bulkhead);
    IdempotencyStage<T> idempotency = new IdempotencyStage<>(plan, admission);
    CacheStage<T> cache = new CacheStage<>(plan, idempotency);
    this.outermost = new FallbackStage<>(plan, cache);
  }

  @Override
  public String name() {
    return config.name();
  }

  @Override
  public String upstream() {
    return config.upstream();
  }

  @Override
  public String domain() {
    return config.domain();
  }

  /** The configuration this pipeline was built from. */
  public PipelineConfig config() {
    return config;
  }

  // --- synchronous path: nested plain calls, fallback outermost ---

  @Override
  public T execute(CallContext ctx, Callable<? extends T> call) {
    return run(ctx, call, null);
  }

  @Override
  public CallResult<T> executeForResult(CallContext ctx, Callable<? extends T> call) {
    SourceHolder h = new SourceHolder();
    T v = run(ctx, call, h);
    return new CallResult<>(v, h.source);
  }

  private T run(CallContext ctx, Callable<? extends T> call, SourceHolder h) {
    if (passThrough != null && control.arm(config.name(), config.upstream(), ctx.tenant()) == Arm.PASS_THROUGH) {
      return passThrough.run(ctx, call, h);
    }
    // One clock reading serves the deadline, the rate limiter, the retry budget and the first attempt's timer.
    long start = plan.clocked(ctx) ? time.nanoTime() : 0;
    long deadline = plan.deadline(ctx, start);
    if (!events.callsObserved()) {
      return outermost.sync(ctx, call, start, deadline, h);
    }
    SourceHolder holder = h != null ? h : new SourceHolder();
    try {
      T v = outermost.sync(ctx, call, start, deadline, holder);
      events.callCompleted(this, ctx, null, holder.source, time.nanoTime() - start, holder.upstreamNanos);
      return v;
    } catch (BreakwaterException e) {
      events.callCompleted(this, ctx, e.code(), null, time.nanoTime() - start, holder.upstreamNanos);
      throw e;
    }
  }

  // --- asynchronous path: the same stages, composed as futures ---

  @Override
  public CompletionStage<T> executeAsync(CallContext ctx, Supplier<? extends CompletionStage<? extends T>> call) {
    return executeAsyncForResult(ctx, call).thenApply(CallResult::value);
  }

  @Override
  public CompletionStage<CallResult<T>> executeAsyncForResult(CallContext ctx,
      Supplier<? extends CompletionStage<? extends T>> call) {
    if (passThrough != null && control.arm(config.name(), config.upstream(), ctx.tenant()) == Arm.PASS_THROUGH) {
      return passThrough.executeAsyncForResult(ctx, call);
    }
    long start = time.nanoTime();
    long deadline = plan.deadline(ctx, start);
    ContextCarrier.Captured captured = carrier == null ? null : carrier.capture();
    if (!events.callsObserved() && captured == null) {
      return Failures.guard(() -> outermost.async(ctx, call, deadline, null));
    }
    SourceHolder h = new SourceHolder();
    h.context = captured;
    if (!events.callsObserved()) {
      return Failures.guard(() -> outermost.async(ctx, call, deadline, h));
    }
    CompletableFuture<CallResult<T>> out = Failures.guard(() -> outermost.async(ctx, call, deadline, h));
    return out.whenComplete((r, e) -> events.callCompleted(this, ctx,
        e == null ? null : Failures.asBreakwater(ctx, e).code(), r == null ? null : r.source(),
        time.nanoTime() - start, h.upstreamNanos));
  }
}
