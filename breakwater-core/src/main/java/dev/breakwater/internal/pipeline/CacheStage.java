package dev.breakwater.internal.pipeline;

import dev.breakwater.BreakwaterException;
import dev.breakwater.CallContext;
import dev.breakwater.CallResult;
import dev.breakwater.ErrorCode;
import dev.breakwater.OperationKind;
import dev.breakwater.Pipeline;
import dev.breakwater.Source;
import dev.breakwater.cache.CacheConfig;
import dev.breakwater.cache.CacheEntry;
import dev.breakwater.cache.CacheKeys;
import dev.breakwater.event.CacheOutcome;
import dev.breakwater.event.Events;
import dev.breakwater.spi.CacheStore;
import dev.breakwater.time.TimeSource;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * The cache of reads: a fresh entry answers; on a miss one call loads (single flight) and the others with the same key
 * share its result; a load that fails with a code the fallback covers is answered from an entry still within its
 * stale-if-error window. Keys are {@link CacheKeys}' (decision 0020).
 */
final class CacheStage<T> {
  private final Pipeline<T> pipeline;
  private final TimeSource time;
  private final Events events;
  private final CacheConfig cache;
  private final CacheStore<T> cacheStore;
  private final CacheKeys cacheKeys;
  private final Predicate<? super T> cacheable;
  private final Set<ErrorCode> fallbackOn;
  private final ConcurrentHashMap<String, CompletableFuture<CallResult<T>>> inFlightLoads = new ConcurrentHashMap<>();
  private final IdempotencyStage<T> next;

  CacheStage(PipelinePlan<T> plan, IdempotencyStage<T> next) {
    this.pipeline = plan.pipeline;
    this.time = plan.time;
    this.events = plan.events;
    this.cache = plan.cache;
    this.cacheStore = plan.cacheStore;
    this.cacheKeys = plan.cacheKeys;
    this.cacheable = plan.cacheable;
    this.fallbackOn = plan.fallbackOn;
    this.next = next;
  }

  /** Whether the pipeline caches reads. */
  boolean enabled() {
    return cache != null;
  }

  /** Synchronous step: answer from the cache, share a load in flight, or load through {@code next}. */
  T sync(CallContext ctx, Callable<? extends T> call, long start, long deadline, SourceHolder h) {
    if (cache == null || ctx.kind() != OperationKind.READ) {
      return next.sync(ctx, call, start, deadline, h);
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
    SourceHolder inner = new SourceHolder();
    try {
      T v = next.sync(ctx, call, start, deadline, inner);
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
      if (h != null) {
        h.upstreamNanos += inner.upstreamNanos; // the load's attempts are this call's
      }
    }
  }

  /** Asynchronous step: as {@link #sync}; a sharer gets the leader's result or failure. */
  CompletableFuture<CallResult<T>> async(CallContext ctx, Supplier<? extends CompletionStage<? extends T>> call,
      long deadline, SourceHolder h) {
    if (cache == null || ctx.kind() != OperationKind.READ) {
      return next.async(ctx, call, deadline, h);
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
            throw Failures.asBreakwater(ctx, e).withCorrelationId(ctx.correlationId());
          }
          return r;
        });
      }
      cacheEvent(ctx, CacheOutcome.MISS);
      Failures.guard(() -> next.async(ctx, call, deadline, h)).whenComplete((r, e) -> {
        inFlightLoads.remove(key, mine);
        if (e == null) {
          storeInCache(key, r.value());
          mine.complete(r);
          return;
        }
        BreakwaterException b = Failures.asBreakwater(ctx, e);
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

  /** The value cached for a read, fresh or stale, or null: what a last-good fallback answers with. */
  T cachedValue(CallContext ctx) {
    CacheEntry<T> entry = cacheStore.get(cacheKey(ctx));
    return entry == null ? null : entry.value();
  }

  /** The cache key of a read: see {@link CacheKeys} (scoped by user and credential digest unless shared). */
  private String cacheKey(CallContext ctx) {
    return cacheKeys.key(ctx);
  }

  private CallResult<T> awaitShared(CallContext ctx, CompletableFuture<CallResult<T>> leader, long deadline) {
    try {
      long wait = deadline - time.nanoTime();
      return wait >= PipelinePlan.NO_DEADLINE / 2 ? leader.get()
          : leader.get(Math.max(0, wait), TimeUnit.NANOSECONDS);
    } catch (ExecutionException e) {
      BreakwaterException b = Failures.asBreakwater(ctx, e.getCause());
      throw b.withCorrelationId(ctx.correlationId());
    } catch (TimeoutException e) {
      throw new BreakwaterException(ErrorCode.TIMEOUT, "deadline passed waiting for a shared cache load", null,
          ctx.correlationId());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new BreakwaterException(ErrorCode.TIMEOUT, "interrupted waiting for a shared cache load", null,
          ctx.correlationId(), e);
    }
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
      events.emit(l -> l.onCache(pipeline, ctx, outcome));
    }
  }
}
