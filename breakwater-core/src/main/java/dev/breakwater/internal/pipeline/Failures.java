package dev.breakwater.internal.pipeline;

import dev.breakwater.BreakwaterException;
import dev.breakwater.CallContext;
import dev.breakwater.classify.Classifier;
import dev.breakwater.classify.Verdict;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/** How every stage turns a verdict or a throwable into the exception the caller gets, worded the same way. */
final class Failures {
  private Failures() {}

  /** The caller's exception for a failed verdict; {@code suffix}, if any, says why nothing more was tried. */
  static BreakwaterException toException(CallContext ctx, Verdict v, String suffix) {
    Throwable cause = v.cause();
    if (cause instanceof BreakwaterException && suffix == null) {
      return ((BreakwaterException) cause).withCorrelationId(ctx.correlationId());
    }
    String detail = v.detail() == null ? v.code().name() : v.detail();
    Duration ra = v.retryAfter() == null ? null : roundUpToSecond(v.retryAfter());
    return new BreakwaterException(v.code(), suffix == null ? detail : detail + "; " + suffix, ra,
        ctx.correlationId(), cause);
  }

  /** Any throwable as the caller's exception: a Breakwater one as it is, anything else classified. */
  static BreakwaterException asBreakwater(CallContext ctx, Throwable t) {
    Throwable e = Classifier.unwrap(t);
    if (e instanceof BreakwaterException) {
      return (BreakwaterException) e;
    }
    return toException(ctx, Classifier.classifyException(e), null);
  }

  /** A Retry-After as whole seconds, rounded up, at least one. */
  static Duration roundUpToSecond(Duration d) {
    // Retry-After on the wire is whole seconds; rounding down would invite a call that is still refused.
    long ms = d.toMillis();
    return Duration.ofSeconds(Math.max(1, (ms + 999) / 1000));
  }

  /** Turns a synchronous throw of a stage-building step into a failed future, so cleanup stages still run. */
  static <X> CompletableFuture<X> guard(Supplier<CompletableFuture<X>> step) {
    try {
      return step.get();
    } catch (Throwable t) {
      return CompletableFuture.failedFuture(t);
    }
  }
}
