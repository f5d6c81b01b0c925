package dev.breakwater.testing;

import dev.breakwater.CallContext;
import dev.breakwater.ErrorCode;
import dev.breakwater.Pipeline;
import dev.breakwater.Source;
import dev.breakwater.circuit.CircuitBreaker;
import dev.breakwater.circuit.CircuitState;
import dev.breakwater.event.BreakwaterListener;
import dev.breakwater.event.CacheOutcome;
import dev.breakwater.event.IdempotencyOutcome;
import dev.breakwater.event.RetryStop;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Records engine events as short strings, for assertions. */
public final class RecordingListener implements BreakwaterListener {
  public final List<String> events = new CopyOnWriteArrayList<>();

  /** The recorded events that start with {@code prefix}. */
  public List<String> named(String prefix) {
    return events.stream().filter(e -> e.startsWith(prefix)).toList();
  }

  @Override
  public void onCallCompleted(Pipeline<?> p, CallContext ctx, ErrorCode code, Source source, long durationNanos) {
    events.add("call " + (code == null ? "success " + source : code));
  }

  @Override
  public void onCallCompleted(Pipeline<?> p, CallContext ctx, ErrorCode code, Source source, long durationNanos,
      long upstreamNanos) {
    events.add("call-time " + durationNanos + " upstream " + upstreamNanos);
    onCallCompleted(p, ctx, code, source, durationNanos);
  }

  @Override
  public void onAttempt(Pipeline<?> p, CallContext ctx, int attempt, ErrorCode code, long upstreamNanos) {
    events.add("attempt " + attempt + " " + (code == null ? "success" : code) + " " + upstreamNanos);
  }

  @Override
  public void onRetry(Pipeline<?> p, CallContext ctx, int nextAttempt, ErrorCode cause, long delayNanos) {
    events.add("retry " + nextAttempt + " " + cause + " " + delayNanos);
  }

  @Override
  public void onRetriesExhausted(Pipeline<?> p, CallContext ctx, int attempts, ErrorCode code, RetryStop why) {
    events.add("exhausted " + attempts + " " + code + " " + why.tag());
  }

  @Override
  public void onSuccessAfterRetry(Pipeline<?> p, CallContext ctx, int attempts) {
    events.add("success-after-retry " + attempts);
  }

  @Override
  public void onRetryBudgetExhausted(Pipeline<?> p, CallContext ctx) {
    events.add("budget-exhausted");
  }

  @Override
  public void onTimeout(Pipeline<?> p, CallContext ctx, boolean deadline, long elapsedNanos) {
    events.add("timeout " + (deadline ? "deadline" : "attempt"));
  }

  @Override
  public void onCircuitTransition(CircuitBreaker b, CircuitState from, CircuitState to, String reason) {
    events.add("circuit " + from + "->" + to);
  }

  @Override
  public void onThrottleGateHold(Pipeline<?> p, CallContext ctx, long retryAfterMillis) {
    events.add("gate-hold");
  }

  @Override
  public void onThrottleGateClosed(String upstream, String tenant, long untilEpochMillis) {
    events.add("gate-closed " + upstream + " " + tenant);
  }

  @Override
  public void onIdempotency(Pipeline<?> p, CallContext ctx, IdempotencyOutcome outcome) {
    events.add("idempotency " + outcome.tag());
  }

  @Override
  public void onCache(Pipeline<?> p, CallContext ctx, CacheOutcome outcome) {
    events.add("cache " + outcome.tag());
  }

  @Override
  public void onInternalError(String where, Throwable error) {
    events.add("internal-error " + where);
  }
}
