package dev.breakwater.internal;

import dev.breakwater.BreakwaterException;
import dev.breakwater.CallContext;
import dev.breakwater.CallResult;
import dev.breakwater.ErrorCode;
import dev.breakwater.OperationKind;
import dev.breakwater.Pipeline;
import dev.breakwater.Source;
import dev.breakwater.bulkhead.Bulkhead;
import dev.breakwater.cache.CacheConfig;
import dev.breakwater.cache.CacheEntry;
import dev.breakwater.cache.CacheKeys;
import dev.breakwater.circuit.CircuitBreaker;
import dev.breakwater.classify.Classifier;
import dev.breakwater.classify.Verdict;
import dev.breakwater.config.ConfigException;
import dev.breakwater.config.PipelineConfig;
import dev.breakwater.config.TimeoutConfig;
import dev.breakwater.event.CacheOutcome;
import dev.breakwater.event.Events;
import dev.breakwater.event.IdempotencyOutcome;
import dev.breakwater.event.RetryStop;
import dev.breakwater.fallback.Fallback;
import dev.breakwater.idempotency.IdempotencyConfig;
import dev.breakwater.idempotency.Reservation;
import dev.breakwater.ratelimit.RateLimitConfig;
import dev.breakwater.ratelimit.RateLimitDecision;
import dev.breakwater.retry.RetryBudget;
import dev.breakwater.retry.RetryConfig;
import dev.breakwater.spi.CacheStore;
import dev.breakwater.spi.IdempotencyStore;
import dev.breakwater.spi.StoreKeys;
import dev.breakwater.time.Cancellable;
import dev.breakwater.time.TimeSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Supplier;

/**
 * The pipeline: one class that applies the policies in the canonical order, with a synchronous path written as
 * plain nested calls (no per-call objects on success) and an asynchronous path written as future composition. Both
 * paths take every decision through the same methods ({@link #admit}, {@link #classify}, {@link #afterFailure},
 * {@link #cacheKey}...), so they cannot drift apart.
 *
 * <p>Order, outermost first: fallback, cache, idempotency, admission (degradation, rate limits), upstream throttle
 * gate, bulkhead, retry, circuit breaker, attempt timeout. The overall deadline is fixed when the call starts and
 * bounds every wait inside it.
 */
public final class DefaultPipeline<T> implements Pipeline<T> {
  private static final long NO_DEADLINE = Long.MAX_VALUE / 4;
  private static final long MAX_SPREAD_NANOS = 1_000_000_000L;
  private static final long MIN_SPREAD_BASE_NANOS = 1_000_000_000L;

  private final Engine engine;
  private final TimeSource time;
  private final PipelineConfig config;
  private final Classifier<T> classifier;
  private final Fallback<T> fallback;
  private final boolean lastGood;
  private final Set<ErrorCode> fallbackOn;
  private final BiConsumer<CallContext, BreakwaterException> deadLetter;
  private final Events events;

  private final long attemptNanos;
  private final long deadlineNanos;
  private final RetryConfig retry;
  private final RetryBudget defaultBudget;
  private final CircuitBreaker defaultBreaker;
  private final Bulkhead defaultReadBulkhead;
  private final Bulkhead defaultWriteBulkhead;
  private final List<RateLimitConfig> rateLimits;
  private final IdempotencyConfig idempotency;
  private final IdempotencyStore<T> idempotencyStore;
  private final CacheConfig cache;
  private final CacheStore<T> cacheStore;
  private final CacheKeys cacheKeys;
  private final KeyedRegistry<T> lastGoodValues;
  private final ConcurrentHashMap<String, CompletableFuture<CallResult<T>>> inFlightLoads = new ConcurrentHashMap<>();
  private final boolean needsClock;
  private final java.util.function.Predicate<? super T> cacheable;

  /** Creates a pipeline; every named policy is resolved now, so a wrong name fails here, not on a call. */
  @SuppressWarnings("unchecked")
  public DefaultPipeline(Engine engine, PipelineConfig config, Classifier<T> classifier, Fallback<T> fallback,
      BiConsumer<CallContext, BreakwaterException> deadLetter, IdempotencyStore<T> idempotencyStore,
      CacheStore<T> cacheStore, java.util.function.Predicate<? super T> cacheable) {
    this.cacheable = cacheable;
    this.engine = engine;
    this.time = engine.time;
    this.config = config;
    this.classifier = classifier;
    this.fallback = fallback;
    this.lastGood = fallback instanceof Fallback.LastGood;
    this.fallbackOn = config.fallbackOn();
    this.deadLetter = deadLetter;
    this.events = engine.events;
    try {
      TimeoutConfig t = config.timeout() == null ? null : engine.policies.timeout(config.timeout());
      this.attemptNanos = t != null && t.enabled() ? t.attempt().toNanos() : 0;
      this.deadlineNanos = t != null && t.enabled() ? t.deadline().toNanos() : 0;
      RetryConfig r = config.retry() == null ? null : engine.policies.retry(config.retry());
      this.retry = r != null && r.enabled() && r.maxAttempts() > 1 ? r : null;
      this.defaultBudget = retry != null && retry.budget() != null && config.upstream() != null
          ? engine.budget(config.upstream(), config.retry(), retry.budget()) : null;
      this.defaultBreaker = config.circuitBreaker() != null && !config.breakerPerTenant() && config.upstream() != null
          ? engine.breaker(config.upstream(), config.circuitBreaker()) : null;
      if (config.circuitBreaker() != null) {
        engine.policies.circuitBreaker(config.circuitBreaker());
      }
      boolean bulkheadOn = config.bulkhead() != null && engine.policies.bulkhead(config.bulkhead()).enabled();
      String domain = config.domain() != null ? config.domain() : "default";
      this.defaultReadBulkhead = bulkheadOn ? engine.bulkhead(domain, false, config.bulkhead()) : null;
      this.defaultWriteBulkhead = bulkheadOn ? writeBulkhead(domain) : null;
      List<RateLimitConfig> limits = new ArrayList<>();
      for (String name : config.rateLimits()) {
        RateLimitConfig rl = engine.policies.rateLimit(name);
        if (rl.enabled()) {
          limits.add(rl);
        }
      }
      this.rateLimits = List.copyOf(limits);
      IdempotencyConfig i = config.idempotency() == null ? null : engine.policies.idempotency(config.idempotency());
      this.idempotency = i != null && i.enabled() ? i : null;
      CacheConfig c = config.cache() == null ? null : engine.policies.cache(config.cache());
      this.cache = c != null && c.enabled() ? c : null;
      this.cacheKeys = cache == null ? null : new CacheKeys(cache);
    } catch (ConfigException e) {
      throw e.within("pipelines." + config.name());
    }
    this.idempotencyStore = idempotencyStore != null ? idempotencyStore : (IdempotencyStore<T>) engine.idempotencyStore;
    this.cacheStore = cacheStore != null ? cacheStore : (CacheStore<T>) engine.cacheStore;
    this.lastGoodValues = lastGood && cache == null ? new KeyedRegistry<>("lastgood:" + config.name(),
        engine.registryCapacity, Duration.ofDays(1), k -> null, time, events) : null;
    this.needsClock = attemptNanos > 0 || deadlineNanos > 0 || retry != null || events.callsObserved()
        || (defaultBreaker != null && defaultBreaker.timesCalls()) || config.breakerPerTenant();
  }

  private Bulkhead writeBulkhead(String domain) {
    return config.writeBulkhead() != null ? engine.bulkhead(domain, true, config.writeBulkhead())
        : engine.bulkhead(domain, false, config.bulkhead());
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

  // ------------------------------------------------------------------------------------------------------------
  // Synchronous path
  // ------------------------------------------------------------------------------------------------------------

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

  /** Where a synchronous call's value came from; only allocated when the caller asks. */
  private static final class SourceHolder {
    Source source = Source.UPSTREAM;
  }

  private T run(CallContext ctx, Callable<? extends T> call, SourceHolder h) {
    // One clock reading serves the deadline, the rate limiter, the retry budget and the first attempt's timer.
    long start = clocked(ctx) ? time.nanoTime() : 0;
    long deadline = deadline(ctx, start);
    if (!events.callsObserved()) {
      return syncFallback(ctx, call, start, deadline, h);
    }
    SourceHolder holder = h != null ? h : new SourceHolder();
    try {
      T v = syncFallback(ctx, call, start, deadline, holder);
      events.callCompleted(this, ctx, null, holder.source, time.nanoTime() - start);
      return v;
    } catch (BreakwaterException e) {
      events.callCompleted(this, ctx, e.code(), null, time.nanoTime() - start);
      throw e;
    }
  }

  private boolean clocked(CallContext ctx) {
    return needsClock || ctx.deadline() != null;
  }

  private T syncFallback(CallContext ctx, Callable<? extends T> call, long start, long deadline, SourceHolder h) {
    if (fallback == null) {
      return syncCache(ctx, call, start, deadline, h);
    }
    try {
      T v = syncCache(ctx, call, start, deadline, h);
      rememberLastGood(ctx, v);
      return v;
    } catch (BreakwaterException e) {
      CallResult<T> r = fallbackFor(ctx, e);
      if (h != null) {
        h.source = r.source();
      }
      return r.value();
    }
  }

  private T syncCache(CallContext ctx, Callable<? extends T> call, long start, long deadline, SourceHolder h) {
    if (cache == null || ctx.kind() != OperationKind.READ) {
      return syncIdempotency(ctx, call, start, deadline, h);
    }
    String key = cacheKey(ctx);
    CacheEntry<T> entry = cacheStore.get(key);
    if (entry != null && entry.freshAt(time.epochMillis())) {
      cacheEvent(ctx, CacheOutcome.HIT);
      if (h != null) {
        h.source = Source.CACHE;
      }
      return entry.value();
    }
    CompletableFuture<CallResult<T>> mine = new CompletableFuture<>();
    CompletableFuture<CallResult<T>> leader = inFlightLoads.putIfAbsent(key, mine);
    if (leader != null) {
      cacheEvent(ctx, CacheOutcome.LOAD_SHARED);
      CallResult<T> r = awaitShared(ctx, leader, deadline);
      if (h != null) {
        h.source = r.source();
      }
      return r.value();
    }
    cacheEvent(ctx, CacheOutcome.MISS);
    try {
      SourceHolder inner = new SourceHolder();
      T v = syncIdempotency(ctx, call, start, deadline, inner);
      storeInCache(key, v);
      mine.complete(new CallResult<>(v, inner.source));
      return v;
    } catch (BreakwaterException e) {
      CallResult<T> stale = staleFor(ctx, entry, e);
      if (stale == null) {
        mine.completeExceptionally(e);
        throw e;
      }
      mine.complete(stale);
      if (h != null) {
        h.source = Source.STALE_CACHE;
      }
      return stale.value();
    } finally {
      inFlightLoads.remove(key, mine);
    }
  }

  private CallResult<T> awaitShared(CallContext ctx, CompletableFuture<CallResult<T>> leader, long deadline) {
    try {
      long wait = deadline - time.nanoTime();
      return wait >= NO_DEADLINE / 2 ? leader.get() : leader.get(Math.max(0, wait), TimeUnit.NANOSECONDS);
    } catch (ExecutionException e) {
      BreakwaterException b = asBreakwater(ctx, e.getCause());
      throw b.withCorrelationId(ctx.correlationId());
    } catch (java.util.concurrent.TimeoutException e) {
      throw new BreakwaterException(ErrorCode.TIMEOUT, "deadline passed waiting for a shared cache load", null,
          ctx.correlationId());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new BreakwaterException(ErrorCode.TIMEOUT, "interrupted waiting for a shared cache load", null,
          ctx.correlationId(), e);
    }
  }

  private T syncIdempotency(CallContext ctx, Callable<? extends T> call, long start, long deadline,
      SourceHolder h) {
    if (idempotency == null || ctx.idempotencyKey() == null) {
      return syncAdmission(ctx, call, start, deadline);
    }
    String key = idempotencyKey(ctx);
    Reservation<T> r;
    try {
      r = idempotencyStore.reserve(key, ctx.fingerprint(), lease(deadline), idempotency.whenStoreUnavailable());
    } catch (BreakwaterException e) {
      throw storeRefused(ctx, e);
    }
    if (r.status() == Reservation.Status.REPLAY) {
      idempotencyEvent(ctx, IdempotencyOutcome.REPLAYED);
      if (h != null) {
        h.source = Source.REPLAY;
      }
      return r.value();
    }
    checkReservation(ctx, r);
    try {
      T v = syncAdmission(ctx, call, start, deadline);
      idempotencyStore.complete(key, ctx.fingerprint(), v, idempotency.ttl());
      return v;
    } catch (RuntimeException e) {
      idempotencyStore.release(key, ctx.fingerprint());
      idempotencyEvent(ctx, IdempotencyOutcome.RELEASED);
      throw e;
    }
  }

  private T syncAdmission(CallContext ctx, Callable<? extends T> call, long start, long deadline) {
    admit(ctx);
    if (!rateLimits.isEmpty()) {
      RateLimitConfig first = rateLimits.get(0);
      RateLimitDecision d = rateLimits.size() > 1
          ? engine.rateLimitStore.tryAcquireAll(rateLimits, rateLimitKeys(ctx), ctx.cost())
          : clocked(ctx) ? engine.rateLimitStore.tryAcquire(first, first.scope().key(ctx), ctx.cost(), start)
          : engine.rateLimitStore.tryAcquire(first, first.scope().key(ctx), ctx.cost());
      checkRateLimit(ctx, d);
    }
    checkGate(ctx);
    Bulkhead b = bulkheadFor(ctx);
    if (b == null) {
      return syncRetry(ctx, call, start, deadline, false);
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
      return syncRetry(ctx, call, attemptStart, deadline, waited);
    } finally {
      b.release();
    }
  }

  /**
   * The attempts of one call. {@code recheckGate} says the gate checked at admission may have closed since (the call
   * waited for its bulkhead permit); every retry checks it again anyway.
   */
  private T syncRetry(CallContext ctx, Callable<? extends T> call, long start, long deadline, boolean recheckGate) {
    boolean clock = clocked(ctx);
    CircuitBreaker breaker = breakerFor(ctx);
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
        long hold = gateHoldNanos(ctx, t0, deadline);
        if (hold > 0) {
          try {
            time.sleep(hold);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw gateClosed(ctx, hold / 1_000_000);
          }
          attempt--; // the hold is not an attempt: check the gate, deadline and breaker again
          continue;
        }
      }
      if (breaker != null && !breaker.tryAcquirePermission()) {
        throw circuitOpen(ctx, breaker, attempt);
      }
      T value = null;
      Throwable error = null;
      try {
        value = call.call();
      } catch (Throwable e) {
        error = e;
      }
      // The end of a successful attempt is only read when something judges its duration.
      boolean timed = attemptNanos > 0 || deadline - t0 < NO_DEADLINE / 2 || (breaker != null && breaker.timesCalls());
      long t1 = clock && (timed || error != null) ? time.nanoTime() : t0;
      Verdict v = classify(ctx, value, error, t1 - t0, attemptNanos > 0 ? Math.min(attemptNanos, deadline - t0)
          : deadline - t0);
      if (!v.isSuccess() && clock && t1 == t0) {
        t1 = time.nanoTime(); // a failure needs the time: for the backoff, the deadline and the retry budget
      }
      record(breaker, v, t1 - t0);
      if (v.isSuccess()) {
        if (attempt > 1 && events.active()) {
          int n = attempt;
          events.emit(l -> l.onSuccessAfterRetry(this, ctx, n));
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
        throw toException(ctx, v, "interrupted while waiting to retry");
      }
    }
  }

  // ------------------------------------------------------------------------------------------------------------
  // Asynchronous path
  // ------------------------------------------------------------------------------------------------------------

  @Override
  public CompletionStage<T> executeAsync(CallContext ctx, Supplier<? extends CompletionStage<? extends T>> call) {
    return executeAsyncForResult(ctx, call).thenApply(CallResult::value);
  }

  @Override
  public CompletionStage<CallResult<T>> executeAsyncForResult(CallContext ctx,
      Supplier<? extends CompletionStage<? extends T>> call) {
    long start = time.nanoTime();
    long deadline = deadline(ctx, start);
    CompletableFuture<CallResult<T>> out = guard(() -> asyncFallback(ctx, call, deadline));
    if (!events.callsObserved()) {
      return out;
    }
    return out.whenComplete((r, e) -> events.callCompleted(this, ctx,
        e == null ? null : asBreakwater(ctx, e).code(), r == null ? null : r.source(), time.nanoTime() - start));
  }

  private CompletableFuture<CallResult<T>> asyncFallback(CallContext ctx,
      Supplier<? extends CompletionStage<? extends T>> call, long deadline) {
    CompletableFuture<CallResult<T>> inner = guard(() -> asyncCache(ctx, call, deadline));
    if (fallback == null) {
      return inner;
    }
    return inner.handle((r, e) -> {
      if (e == null) {
        rememberLastGood(ctx, r.value());
        return r;
      }
      return fallbackFor(ctx, asBreakwater(ctx, e));
    });
  }

  private CompletableFuture<CallResult<T>> asyncCache(CallContext ctx,
      Supplier<? extends CompletionStage<? extends T>> call, long deadline) {
    if (cache == null || ctx.kind() != OperationKind.READ) {
      return asyncIdempotency(ctx, call, deadline);
    }
    String key = cacheKey(ctx);
    return cacheStore.getAsync(key).toCompletableFuture().thenCompose(entry -> {
      if (entry != null && entry.freshAt(time.epochMillis())) {
        cacheEvent(ctx, CacheOutcome.HIT);
        return CompletableFuture.completedFuture(new CallResult<>(entry.value(), Source.CACHE));
      }
      CompletableFuture<CallResult<T>> mine = new CompletableFuture<>();
      CompletableFuture<CallResult<T>> leader = inFlightLoads.putIfAbsent(key, mine);
      if (leader != null) {
        cacheEvent(ctx, CacheOutcome.LOAD_SHARED);
        return leader.handle((r, e) -> {
          if (e != null) {
            throw asBreakwater(ctx, e).withCorrelationId(ctx.correlationId());
          }
          return r;
        });
      }
      cacheEvent(ctx, CacheOutcome.MISS);
      guard(() -> asyncIdempotency(ctx, call, deadline)).whenComplete((r, e) -> {
        inFlightLoads.remove(key, mine);
        if (e == null) {
          storeInCache(key, r.value());
          mine.complete(r);
          return;
        }
        BreakwaterException b = asBreakwater(ctx, e);
        CallResult<T> stale = staleFor(ctx, entry, b);
        if (stale != null) {
          mine.complete(stale);
        } else {
          mine.completeExceptionally(b);
        }
      });
      return mine;
    });
  }

  private CompletableFuture<CallResult<T>> asyncIdempotency(CallContext ctx,
      Supplier<? extends CompletionStage<? extends T>> call, long deadline) {
    if (idempotency == null || ctx.idempotencyKey() == null) {
      return asyncAdmission(ctx, call, deadline).thenApply(v -> new CallResult<>(v, Source.UPSTREAM));
    }
    String key = idempotencyKey(ctx);
    return idempotencyStore.reserveAsync(key, ctx.fingerprint(), lease(deadline), idempotency.whenStoreUnavailable())
        .toCompletableFuture().<Reservation<T>>handle((r, e) -> {
          if (e != null) {
            Throwable c = Classifier.unwrap(e);
            throw c instanceof BreakwaterException ? storeRefused(ctx, (BreakwaterException) c)
                : new java.util.concurrent.CompletionException(c);
          }
          return r;
        }).thenCompose(r -> {
          if (r.status() == Reservation.Status.REPLAY) {
            idempotencyEvent(ctx, IdempotencyOutcome.REPLAYED);
            return CompletableFuture.completedFuture(new CallResult<>(r.value(), Source.REPLAY));
          }
          checkReservation(ctx, r);
          CompletableFuture<CallResult<T>> done = new CompletableFuture<>();
          guard(() -> asyncAdmission(ctx, call, deadline)).whenComplete((v, e) -> {
            if (e == null) {
              idempotencyStore.completeAsync(key, ctx.fingerprint(), v, idempotency.ttl())
                  .whenComplete((x, storeError) -> {
                    if (storeError != null) {
                      // The call ran; failing it now would invite a duplicate. Answer, and report the lost record.
                      events.internalError("idempotency store complete", storeError);
                    }
                    done.complete(new CallResult<>(v, Source.UPSTREAM));
                  });
            } else {
              idempotencyStore.releaseAsync(key, ctx.fingerprint()).whenComplete((x, storeError) -> {
                if (storeError != null) {
                  // The key stays reserved until its lease ends; the caller still gets the call's own error.
                  events.internalError("idempotency store release", storeError);
                }
                idempotencyEvent(ctx, IdempotencyOutcome.RELEASED);
                done.completeExceptionally(e);
              });
            }
          });
          return done;
        });
  }

  private CompletableFuture<T> asyncAdmission(CallContext ctx, Supplier<? extends CompletionStage<? extends T>> call,
      long deadline) {
    admit(ctx);
    CompletableFuture<RateLimitDecision> limits = rateLimits.isEmpty()
        ? null : engine.rateLimitStore.tryAcquireAllAsync(rateLimits, rateLimitKeys(ctx), ctx.cost())
            .toCompletableFuture();
    if (limits == null || limits.isDone()) {
      if (limits != null) {
        checkRateLimit(ctx, limits.join());
      }
      return gateAndBulkhead(ctx, call, deadline);
    }
    return limits.thenComposeAsync(d -> {
      checkRateLimit(ctx, d);
      return gateAndBulkhead(ctx, call, deadline);
    }, engine.executor);
  }

  private CompletableFuture<T> gateAndBulkhead(CallContext ctx, Supplier<? extends CompletionStage<? extends T>> call,
      long deadline) {
    checkGate(ctx);
    Bulkhead b = bulkheadFor(ctx);
    if (b == null) {
      return new AsyncRetry(ctx, call, deadline, false).start();
    }
    if (b.tryAcquire(ctx.lane())) {
      return withPermit(b, ctx, call, deadline, false);
    }
    long wait = Math.min(b.config().maxWait().toNanos(), deadline - time.nanoTime());
    if (wait <= 0) {
      throw bulkheadFull(ctx, b);
    }
    return b.acquire(ctx.lane(), wait).thenComposeAsync(got -> {
      if (!got) {
        throw bulkheadFull(ctx, b);
      }
      return withPermit(b, ctx, call, deadline, true);
    }, engine.executor);
  }

  private CompletableFuture<T> withPermit(Bulkhead b, CallContext ctx,
      Supplier<? extends CompletionStage<? extends T>> call, long deadline, boolean recheckGate) {
    CompletableFuture<T> f;
    try {
      f = new AsyncRetry(ctx, call, deadline, recheckGate).start();
    } catch (Throwable t) {
      b.release();
      throw t;
    }
    return f.whenComplete((v, e) -> b.release());
  }

  /** Turns a synchronous throw of a stage-building step into a failed future, so cleanup stages still run. */
  private static <X> CompletableFuture<X> guard(Supplier<CompletableFuture<X>> step) {
    try {
      return step.get();
    } catch (Throwable t) {
      return CompletableFuture.failedFuture(t);
    }
  }

  /** One asynchronous call's attempts: each attempt is raced against its timer; failures schedule the next one. */
  private final class AsyncRetry {
    final CallContext ctx;
    final Supplier<? extends CompletionStage<? extends T>> call;
    final long deadline;
    final CircuitBreaker breaker;
    final RetryBudget budget;
    final CompletableFuture<T> result = new CompletableFuture<>();
    /** Whether the first attempt checks the gate again (see {@link #syncRetry}). */
    final boolean recheckGate;

    AsyncRetry(CallContext ctx, Supplier<? extends CompletionStage<? extends T>> call, long deadline,
        boolean recheckGate) {
      this.ctx = ctx;
      this.call = call;
      this.deadline = deadline;
      this.recheckGate = recheckGate;
      this.breaker = breakerFor(ctx);
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
          long hold = gateHoldNanos(ctx, t0, deadline);
          if (hold > 0) {
            later(hold, () -> attempt(n), null);
            return;
          }
        }
        if (breaker != null && !breaker.tryAcquirePermission()) {
          result.completeExceptionally(circuitOpen(ctx, breaker, n));
          return;
        }
        long limit = attemptNanos > 0 ? Math.min(attemptNanos, deadline - t0) : deadline - t0;
        CompletableFuture<T> attemptResult = new CompletableFuture<>();
        CompletableFuture<? extends T> upstream;
        try {
          upstream = call.get().toCompletableFuture();
        } catch (Throwable t) {
          upstream = CompletableFuture.failedFuture(t);
        }
        CompletableFuture<? extends T> running = upstream;
        Cancellable timer = limit >= NO_DEADLINE / 2 ? Cancellable.NONE : time.schedule(() -> {
          if (attemptResult.completeExceptionally(new AttemptTimeout())) {
            running.cancel(true); // the attempt lost the race: stop the work it would still do
          }
        }, limit);
        running.whenComplete((v, e) -> {
          timer.cancel();
          if (e == null) {
            attemptResult.complete(v);
          } else {
            attemptResult.completeExceptionally(e);
          }
        });
        attemptResult.whenComplete((v, e) -> finish(n, t0, v, e, limit));
      } catch (Throwable t) {
        result.completeExceptionally(asBreakwater(ctx, t));
      }
    }

    void finish(int n, long t0, T value, Throwable error, long limit) {
      try {
        long t1 = time.nanoTime();
        Throwable e = Classifier.unwrap(error);
        Verdict v = e instanceof AttemptTimeout
            ? timeoutVerdict(ctx, t1 - t0, limit)
            : classify(ctx, value, e instanceof CancellationException ? e : error, t1 - t0, Long.MAX_VALUE);
        record(breaker, v, t1 - t0);
        if (v.isSuccess()) {
          if (n > 1 && events.active()) {
            events.emit(l -> l.onSuccessAfterRetry(DefaultPipeline.this, ctx, n));
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
        result.completeExceptionally(asBreakwater(ctx, t));
      }
    }

    /** Runs {@code next} on the engine's executor after {@code delay}; {@code v} names the failure it follows. */
    private void later(long delay, Runnable next, Verdict v) {
      time.schedule(() -> {
        try {
          engine.executor.execute(next);
        } catch (Throwable t) {
          // A rejected hand-off must fail the call, not leave its future hanging forever.
          events.internalError("executor of " + config.name(), t);
          result.completeExceptionally(v != null ? toException(ctx, v, "retry could not be scheduled")
              : new BreakwaterException(ErrorCode.THROTTLED, "retry could not be scheduled after the tenant's"
                  + " throttle gate", null, ctx.correlationId()));
        }
      }, delay);
    }
  }

  /** Marks an attempt that lost the race against its timer. */
  private static final class AttemptTimeout extends RuntimeException {
    private static final long serialVersionUID = 1L;

    AttemptTimeout() {
      super("attempt timed out", null, false, false);
    }
  }

  // ------------------------------------------------------------------------------------------------------------
  // Decisions shared by both paths
  // ------------------------------------------------------------------------------------------------------------

  private long deadline(CallContext ctx, long start) {
    long d = deadlineNanos > 0 ? deadlineNanos : NO_DEADLINE;
    Duration own = ctx.deadline();
    if (own != null) {
      d = Math.min(d, own.toNanos());
    }
    return d >= NO_DEADLINE ? NO_DEADLINE + start : start + d;
  }

  /** Degradation: the operator's level may reject the call before it costs anything. */
  private void admit(CallContext ctx) {
    ErrorCode code = engine.degradation(upstreamOf(ctx)).rejects(ctx.kind(), ctx.lane());
    if (code != null) {
      if (events.active()) {
        events.emit(l -> l.onDegradationReject(this, ctx, code));
      }
      throw new BreakwaterException(code, "rejected by degradation level " + engine.degradation(upstreamOf(ctx)),
          code == ErrorCode.MAINTENANCE ? Duration.ofSeconds(60) : null, ctx.correlationId());
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
      events.rateLimit(this, ctx, d.isAllowed() ? rateLimits.get(0).name() : d.deniedBy(), d.isAllowed());
    }
    if (d.isAllowed()) {
      return;
    }
    if (d.never()) {
      throw new BreakwaterException(ErrorCode.INVALID_REQUEST, "cost: " + ctx.cost() + " (expected: <= the burst of "
          + d.deniedBy() + ")", null, ctx.correlationId());
    }
    throw BreakwaterException.rateLimited(d.deniedBy(), roundUpToSecond(d.retryAfter()), ctx.correlationId());
  }

  /** Fails a call whose tenant's gate is closed; the caller learns how long it stays closed. */
  private void checkGate(CallContext ctx) {
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
  private long gateHoldNanos(CallContext ctx, long now, long deadline) {
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
  private long spread(long waitNanos, long room) {
    long max = Math.min(Math.min(Math.max(waitNanos, MIN_SPREAD_BASE_NANOS) / 5, MAX_SPREAD_NANOS), room);
    return max <= 0 ? 0 : (long) (engine.jitter.getAsDouble() * max);
  }

  private long gateMillisLeft(CallContext ctx) {
    if (!config.throttleGate()) {
      return 0;
    }
    long until = engine.throttleGateStore.closedUntil(upstreamOf(ctx), tenantOf(ctx));
    return until == 0 ? 0 : until - time.epochMillis();
  }

  private BreakwaterException gateClosed(CallContext ctx, long leftMillis) {
    if (events.active()) {
      events.emit(l -> l.onThrottleGateHold(this, ctx, leftMillis));
    }
    return new BreakwaterException(ErrorCode.THROTTLED, "upstream " + upstreamOf(ctx)
        + " throttled this tenant; holding calls until its Retry-After passes",
        roundUpToSecond(Duration.ofMillis(leftMillis)), ctx.correlationId());
  }

  private Verdict classify(CallContext ctx, T value, Throwable error, long elapsed, long limit) {
    if (elapsed > limit) {
      return timeoutVerdict(ctx, elapsed, limit);
    }
    try {
      return classifier.classify(value, error);
    } catch (Throwable t) {
      events.internalError("classifier of " + config.name(), t);
      return Verdict.failure(ErrorCode.UPSTREAM_ERROR, false, false, null, "classifier failed: " + t, t);
    }
  }

  private Verdict timeoutVerdict(CallContext ctx, long elapsed, long limit) {
    boolean byDeadline = attemptNanos == 0 || limit < attemptNanos;
    if (events.active()) {
      events.emit(l -> l.onTimeout(this, ctx, byDeadline, elapsed));
    }
    return Verdict.timeout((byDeadline ? "deadline" : "attempt timeout") + " of "
        + Duration.ofNanos(limit) + " exceeded");
  }

  private void record(CircuitBreaker breaker, Verdict v, long elapsed) {
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
      if (config.throttleGate()) {
        closeGate(ctx, ra);
      } else {
        // Without a per-tenant gate the upstream's word still holds: nobody calls it until Retry-After has passed.
        CircuitBreaker b = breakerFor(ctx);
        if (b != null) {
          b.openFor(ra, "upstream asked to retry after " + ra);
        }
      }
    }
    boolean deduplicated = idempotency != null && ctx.idempotencyKey() != null;
    boolean retryable = retry != null && v.retryable()
        && RepeatRule.mayRepeat(ctx.kind(), deduplicated, attempt, v.cause());
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
      delay += spread(delay, deadline - now - delay - 1);
    }
    if (budget != null && !budget.tryRetry(now)) {
      if (events.active()) {
        events.emit(l -> l.onRetryBudgetExhausted(this, ctx));
      }
      return stop(ctx, attempt, v, RetryStop.BUDGET, null);
    }
    if (events.active()) {
      long d = delay;
      events.emit(l -> l.onRetry(this, ctx, attempt + 1, v.code(), d));
    }
    return new Step(delay, null);
  }

  private Step stop(CallContext ctx, int attempts, Verdict v, RetryStop exhaustedWhy, String detailSuffix) {
    BreakwaterException e = toException(ctx, v, detailSuffix == null ? null : "retry would pass the " + detailSuffix);
    if (exhaustedWhy != null) {
      if (events.active()) {
        events.emit(l -> l.onRetriesExhausted(this, ctx, attempts, e.code(), exhaustedWhy));
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

  private void closeGate(CallContext ctx, Duration retryAfter) {
    long until = time.epochMillis() + retryAfter.toMillis();
    String upstream = upstreamOf(ctx);
    String tenant = tenantOf(ctx);
    engine.throttleGateStore.close(upstream, tenant, until);
    if (events.active()) {
      events.emit(l -> l.onThrottleGateClosed(upstream, tenant, until));
    }
  }

  private BreakwaterException toException(CallContext ctx, Verdict v, String suffix) {
    Throwable cause = v.cause();
    if (cause instanceof BreakwaterException && suffix == null) {
      return ((BreakwaterException) cause).withCorrelationId(ctx.correlationId());
    }
    String detail = v.detail() == null ? v.code().name() : v.detail();
    Duration ra = v.retryAfter() == null ? null : roundUpToSecond(v.retryAfter());
    return new BreakwaterException(v.code(), suffix == null ? detail : detail + "; " + suffix, ra,
        ctx.correlationId(), cause);
  }

  private BreakwaterException deadlineExceeded(CallContext ctx, long now, int attempt) {
    if (events.active()) {
      events.emit(l -> l.onTimeout(this, ctx, true, 0));
    }
    return new BreakwaterException(ErrorCode.TIMEOUT, "deadline passed before attempt " + attempt, null,
        ctx.correlationId());
  }

  private BreakwaterException circuitOpen(CallContext ctx, CircuitBreaker b, int attempt) {
    if (events.active()) {
      events.emit(l -> l.onCircuitRejected(this, ctx, b));
    }
    return new BreakwaterException(ErrorCode.CIRCUIT_OPEN, "circuit breaker " + b.name() + " is " + b.state()
        + (attempt > 1 ? " (after attempt " + (attempt - 1) + ")" : ""), roundUpToSecond(b.remainingOpen()),
        ctx.correlationId());
  }

  private BreakwaterException bulkheadFull(CallContext ctx, Bulkhead b) {
    if (events.active()) {
      events.emit(l -> l.onBulkheadRejected(this, ctx, b));
    }
    return new BreakwaterException(ErrorCode.BULKHEAD_FULL, "bulkhead " + b.name() + " is full ("
        + b.config().maxConcurrent() + " concurrent calls)", Duration.ofSeconds(1), ctx.correlationId());
  }

  private BreakwaterException asBreakwater(CallContext ctx, Throwable t) {
    Throwable e = Classifier.unwrap(t);
    if (e instanceof BreakwaterException) {
      return (BreakwaterException) e;
    }
    return toException(ctx, Classifier.classifyException(e), null);
  }

  private static Duration roundUpToSecond(Duration d) {
    // Retry-After on the wire is whole seconds; rounding down would invite a call that is still refused.
    long ms = d.toMillis();
    return Duration.ofSeconds(Math.max(1, (ms + 999) / 1000));
  }

  private CircuitBreaker breakerFor(CallContext ctx) {
    if (config.circuitBreaker() == null) {
      return null;
    }
    String upstream = ctx.upstream();
    if (config.breakerPerTenant()) {
      return engine.tenantBreakers(upstreamOf(ctx), config.circuitBreaker()).get(tenantOf(ctx));
    }
    if (defaultBreaker != null && (upstream == null || upstream.equals(config.upstream()))) {
      return defaultBreaker;
    }
    return engine.breaker(upstreamOf(ctx), config.circuitBreaker());
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
    return write ? writeBulkhead(domain) : engine.bulkhead(domain, false, config.bulkhead());
  }

  private RetryBudget budgetFor(CallContext ctx) {
    if (retry.budget() == null) {
      return null;
    }
    String upstream = ctx.upstream();
    if (defaultBudget != null && (upstream == null || upstream.equals(config.upstream()))) {
      return defaultBudget;
    }
    return engine.budget(upstreamOf(ctx), config.retry(), retry.budget());
  }

  private String upstreamOf(CallContext ctx) {
    String u = ctx.upstream();
    return u != null ? u : config.upstream() != null ? config.upstream() : "default";
  }

  private static String tenantOf(CallContext ctx) {
    return ctx.tenant() != null ? ctx.tenant() : "";
  }

  // --- idempotency ---

  private String idempotencyKey(CallContext ctx) {
    String key = ctx.idempotencyKey();
    if (key.isEmpty() || key.length() > idempotency.maxKeyLength()) {
      throw new BreakwaterException(ErrorCode.INVALID_REQUEST, "idempotency key: length " + key.length()
          + " (expected: 1 to " + idempotency.maxKeyLength() + " characters)", null, ctx.correlationId());
    }
    // Scoped by tenant, user and operation: nobody else's request, even one of the same tenant, replays a response.
    return StoreKeys.of(ctx.tenant(), ctx.user(), ctx.operation(), key);
  }

  private Duration lease(long deadline) {
    long left = deadline - time.nanoTime();
    return left < idempotency.lease().toNanos() && left > 0 ? Duration.ofNanos(left) : idempotency.lease();
  }

  private void checkReservation(CallContext ctx, Reservation<T> r) {
    if (r.status() == Reservation.Status.CONFLICT) {
      idempotencyEvent(ctx, IdempotencyOutcome.CONFLICT);
      throw new BreakwaterException(ErrorCode.IDEMPOTENCY_CONFLICT, "a request with this idempotency key is in "
          + "flight", Duration.ofSeconds(1), ctx.correlationId());
    }
    if (r.status() == Reservation.Status.MISMATCH) {
      idempotencyEvent(ctx, IdempotencyOutcome.MISMATCH);
      throw new BreakwaterException(ErrorCode.IDEMPOTENCY_MISMATCH, "this idempotency key was used with a "
          + "different request", null, ctx.correlationId());
    }
    idempotencyEvent(ctx, IdempotencyOutcome.RESERVED);
  }

  /** The store refused to decide (it cannot answer and the policy refuses): counted, with this call's id. */
  private BreakwaterException storeRefused(CallContext ctx, BreakwaterException e) {
    idempotencyEvent(ctx, IdempotencyOutcome.REFUSED);
    return e.withCorrelationId(ctx.correlationId());
  }

  private void idempotencyEvent(CallContext ctx, IdempotencyOutcome outcome) {
    if (events.active()) {
      events.emit(l -> l.onIdempotency(this, ctx, outcome));
    }
  }

  // --- cache and fallback ---

  /** The cache key of a read: see {@link CacheKeys} (scoped by user and credential digest unless shared). */
  String cacheKey(CallContext ctx) {
    return cacheKeys.key(ctx);
  }

  private void storeInCache(String key, T value) {
    if (!cacheable.test(value)) {
      return;
    }
    long now = time.epochMillis();
    long fresh = now + cache.ttl().toMillis();
    try {
      cacheStore.put(key, new CacheEntry<>(value, fresh, fresh + cache.staleIfError().toMillis()));
    } catch (Throwable t) {
      events.internalError("cache store put", t); // a cache that cannot store must not fail the call
    }
  }

  private CallResult<T> staleFor(CallContext ctx, CacheEntry<T> entry, BreakwaterException e) {
    if (entry == null || !entry.servableStaleAt(time.epochMillis()) || !fallbackOn.contains(e.code())) {
      return null;
    }
    cacheEvent(ctx, CacheOutcome.STALE);
    return new CallResult<>(entry.value(), Source.STALE_CACHE);
  }

  private void cacheEvent(CallContext ctx, CacheOutcome outcome) {
    if (events.active()) {
      events.emit(l -> l.onCache(this, ctx, outcome));
    }
  }

  private void rememberLastGood(CallContext ctx, T value) {
    if (lastGoodValues != null && value != null) {
      lastGoodValues.put(lastGoodKey(ctx), value);
    }
  }

  private String lastGoodKey(CallContext ctx) {
    // The credential digest too: a last-good value stands in only for the credential the upstream answered.
    return StoreKeys.of(ctx.tenant(), ctx.user(), ctx.credential(), ctx.operation(), ctx.resource());
  }

  private CallResult<T> fallbackFor(CallContext ctx, BreakwaterException e) {
    if (!fallbackOn.contains(e.code())) {
      throw e;
    }
    if (lastGood) {
      T v = null;
      if (cache != null && ctx.kind() == OperationKind.READ) {
        CacheEntry<T> entry = cacheStore.get(cacheKey(ctx));
        v = entry == null ? null : entry.value();
      } else if (lastGoodValues != null) {
        v = lastGoodValues.getIfPresent(lastGoodKey(ctx));
      }
      if (v == null) {
        throw e;
      }
      return new CallResult<>(v, cache != null ? Source.STALE_CACHE : Source.FALLBACK);
    }
    try {
      return new CallResult<>(fallback.apply(ctx, e), Source.FALLBACK);
    } catch (BreakwaterException again) {
      throw again;
    } catch (Throwable t) {
      events.internalError("fallback of " + config.name(), t);
      throw e;
    }
  }
}
