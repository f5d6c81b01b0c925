package dev.breakwater.internal.pipeline;

import dev.breakwater.BreakwaterException;
import dev.breakwater.CallContext;
import dev.breakwater.ErrorCode;
import dev.breakwater.Pipeline;
import dev.breakwater.bulkhead.Bulkhead;
import dev.breakwater.cache.CacheConfig;
import dev.breakwater.cache.CacheKeys;
import dev.breakwater.circuit.CircuitBreaker;
import dev.breakwater.classify.Classifier;
import dev.breakwater.config.ConfigException;
import dev.breakwater.config.PipelineConfig;
import dev.breakwater.config.TimeoutConfig;
import dev.breakwater.event.Events;
import dev.breakwater.fallback.Fallback;
import dev.breakwater.idempotency.IdempotencyConfig;
import dev.breakwater.internal.Engine;
import dev.breakwater.internal.KeyedRegistry;
import dev.breakwater.ratelimit.RateLimitConfig;
import dev.breakwater.retry.RetryBudget;
import dev.breakwater.retry.RetryConfig;
import dev.breakwater.spi.CacheStore;
import dev.breakwater.spi.IdempotencyStore;
import dev.breakwater.time.TimeSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.Predicate;

/**
 * What a pipeline resolves once, when it is built: its named policies (a wrong name fails here, not on a call), the
 * default breaker, bulkheads and retry budget of its own upstream and domain, and its stores. The stages copy what
 * they need from it; nothing in it changes after construction.
 */
final class PipelinePlan<T> {
  /** A deadline far enough away to mean "none", yet safe to add to a clock reading. */
  static final long NO_DEADLINE = Long.MAX_VALUE / 4;

  final Pipeline<T> pipeline;
  final Engine engine;
  final TimeSource time;
  final PipelineConfig config;
  final Classifier<T> classifier;
  final Fallback<T> fallback;
  final boolean lastGood;
  final Set<ErrorCode> fallbackOn;
  final BiConsumer<CallContext, BreakwaterException> deadLetter;
  final Events events;

  final long attemptNanos;
  final long deadlineNanos;
  final RetryConfig retry;
  final RetryBudget defaultBudget;
  final CircuitBreaker defaultBreaker;
  final Bulkhead defaultReadBulkhead;
  final Bulkhead defaultWriteBulkhead;
  final List<RateLimitConfig> rateLimits;
  final IdempotencyConfig idempotency;
  final IdempotencyStore<T> idempotencyStore;
  final CacheConfig cache;
  final CacheStore<T> cacheStore;
  final CacheKeys cacheKeys;
  final KeyedRegistry<T> lastGoodValues;
  final boolean needsClock;
  final Predicate<? super T> cacheable;
  /** The value a keyed call's record keeps when the call failed after it may have run upstream; null: none. */
  final java.util.function.Function<BreakwaterException, T> unknownOutcome;

  /** Resolves every policy {@code config} names; events name {@code pipeline}. */
  @SuppressWarnings("unchecked")
  PipelinePlan(Pipeline<T> pipeline, Engine engine, PipelineConfig config, Classifier<T> classifier,
      Fallback<T> fallback, BiConsumer<CallContext, BreakwaterException> deadLetter,
      IdempotencyStore<T> idempotencyStore, CacheStore<T> cacheStore, Predicate<? super T> cacheable,
      java.util.function.Function<BreakwaterException, T> unknownOutcome) {
    this.pipeline = pipeline;
    this.unknownOutcome = unknownOutcome;
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

  /** The write pool of {@code domain}: its own config if the pipeline names one, else the read pool's config. */
  Bulkhead writeBulkhead(String domain) {
    return config.writeBulkhead() != null ? engine.bulkhead(domain, true, config.writeBulkhead())
        : engine.bulkhead(domain, false, config.bulkhead());
  }

  /** Whether a call reads the clock: something judges time, or the caller set a deadline of its own. */
  boolean clocked(CallContext ctx) {
    return needsClock || ctx.deadline() != null;
  }

  /** The call's deadline on the nano clock: the tighter of the timeout policy's and the caller's own. */
  long deadline(CallContext ctx, long start) {
    long d = deadlineNanos > 0 ? deadlineNanos : NO_DEADLINE;
    Duration own = ctx.deadline();
    if (own != null) {
      d = Math.min(d, own.toNanos());
    }
    return d >= NO_DEADLINE ? NO_DEADLINE + start : start + d;
  }

  /** The upstream a call goes to: its own, else the pipeline's, else "default". */
  String upstreamOf(CallContext ctx) {
    String u = ctx.upstream();
    return u != null ? u : config.upstream() != null ? config.upstream() : "default";
  }

  /** The tenant a call's state is kept under ("" when it names none). */
  static String tenantOf(CallContext ctx) {
    return ctx.tenant() != null ? ctx.tenant() : "";
  }
}
