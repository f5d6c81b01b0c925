package dev.breakwater.internal.pipeline;

import dev.breakwater.BreakwaterException;
import dev.breakwater.CallContext;
import dev.breakwater.CallResult;
import dev.breakwater.ErrorCode;
import dev.breakwater.OperationKind;
import dev.breakwater.Source;
import dev.breakwater.config.PipelineConfig;
import dev.breakwater.event.Events;
import dev.breakwater.fallback.Fallback;
import dev.breakwater.internal.KeyedRegistry;
import dev.breakwater.spi.StoreKeys;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * The fallback, outermost: a call that fails with a code the pipeline's {@code fallbackOn} covers is answered by the
 * fallback function, or by the last good value (the cached one when the pipeline caches, else one remembered here,
 * per tenant, user, credential, operation and resource).
 */
final class FallbackStage<T> {
  private final Events events;
  private final PipelineConfig config;
  private final Fallback<T> fallback;
  private final boolean lastGood;
  private final Set<ErrorCode> fallbackOn;
  private final KeyedRegistry<T> lastGoodValues;
  private final CacheStage<T> next;

  FallbackStage(PipelinePlan<T> plan, CacheStage<T> next) {
    this.events = plan.events;
    this.config = plan.config;
    this.fallback = plan.fallback;
    this.lastGood = plan.lastGood;
    this.fallbackOn = plan.fallbackOn;
    this.lastGoodValues = plan.lastGoodValues;
    this.next = next;
  }

  /** Synchronous step: run {@code next}; remember a good value, or answer a failure with the fallback's. */
  T sync(CallContext ctx, Callable<? extends T> call, long start, long deadline, SourceHolder h) {
    if (fallback == null) {
      return next.sync(ctx, call, start, deadline, h);
    }
    try {
      T v = next.sync(ctx, call, start, deadline, h);
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

  /** Asynchronous step: as {@link #sync}. */
  CompletableFuture<CallResult<T>> async(CallContext ctx, Supplier<? extends CompletionStage<? extends T>> call,
      long deadline, SourceHolder h) {
    CompletableFuture<CallResult<T>> inner = Failures.guard(() -> next.async(ctx, call, deadline, h));
    if (fallback == null) {
      return inner;
    }
    return inner.handle((r, e) -> {
      if (e == null) {
        rememberLastGood(ctx, r.value());
        return r;
      }
      return fallbackFor(ctx, Failures.asBreakwater(ctx, e));
    });
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
      if (next.enabled() && ctx.kind() == OperationKind.READ) {
        v = next.cachedValue(ctx);
      } else if (lastGoodValues != null) {
        v = lastGoodValues.getIfPresent(lastGoodKey(ctx));
      }
      if (v == null) {
        throw e;
      }
      return new CallResult<>(v, next.enabled() ? Source.STALE_CACHE : Source.FALLBACK);
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
