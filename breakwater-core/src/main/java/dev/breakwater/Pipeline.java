package dev.breakwater;

import java.util.concurrent.Callable;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * Runs calls through the policies of one configuration in the canonical order (outermost first): fallback, cache,
 * idempotency, admission (degradation, rate limits), upstream throttle gate, bulkhead, retry, circuit breaker,
 * attempt timeout; the overall deadline bounds them all. Every failure is a {@link BreakwaterException}.
 *
 * @param <T> the type of the call's value
 */
public interface Pipeline<T> {

  /** The pipeline's name. */
  String name();

  /** The upstream used when a call's context names none. */
  String upstream();

  /** The domain (bulkhead lane) used when a call's context names none. */
  String domain();

  /** Runs {@code call} on the calling thread, which it may block for backoff and bulkhead waits. */
  T execute(CallContext ctx, Callable<? extends T> call);

  /** Like {@link #execute} but also says where the value came from. */
  CallResult<T> executeForResult(CallContext ctx, Callable<? extends T> call);

  /**
   * Runs an asynchronous call; never blocks the calling thread. An attempt that outlives its timeout is cancelled
   * through its future.
   */
  CompletionStage<T> executeAsync(CallContext ctx, Supplier<? extends CompletionStage<? extends T>> call);

  /** Like {@link #executeAsync} but also says where the value came from. */
  CompletionStage<CallResult<T>> executeAsyncForResult(CallContext ctx,
      Supplier<? extends CompletionStage<? extends T>> call);
}
