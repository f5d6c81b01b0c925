package dev.breakwater.internal;

import dev.breakwater.CallContext;
import dev.breakwater.ErrorCode;
import dev.breakwater.Pipeline;
import dev.breakwater.circuit.CircuitBreaker;
import dev.breakwater.circuit.CircuitState;
import dev.breakwater.control.ControlChange;
import dev.breakwater.event.BreakwaterListener;
import dev.breakwater.event.Interest;
import dev.breakwater.event.RetryStop;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs every retry, every exhausted retry, every timeout that is not retried, every breaker transition and every
 * control change once, as structured key-value events with the
 * call's context and correlation id (SLF4J 2 fluent API; a JSON encoder renders the pairs as fields).
 */
final class LoggingListener implements BreakwaterListener {
  private static final Logger RETRY = LoggerFactory.getLogger("dev.breakwater.retry");
  private static final Logger CIRCUIT = LoggerFactory.getLogger("dev.breakwater.circuit");
  private static final Logger CONTROL = LoggerFactory.getLogger("dev.breakwater.control");

  @Override
  public Set<Interest> interests() {
    return Interest.none();
  }

  @Override
  public void onRetry(Pipeline<?> p, CallContext ctx, int nextAttempt, ErrorCode cause, long delayNanos) {
    if (RETRY.isInfoEnabled()) {
      context(RETRY.atInfo(), p, ctx)
          .addKeyValue("attempt", nextAttempt)
          .addKeyValue("cause", cause)
          .addKeyValue("delay_ms", delayNanos / 1_000_000)
          .log("retrying call");
    }
  }

  @Override
  public void onRetriesExhausted(Pipeline<?> p, CallContext ctx, int attempts, ErrorCode code, RetryStop why) {
    if (RETRY.isWarnEnabled()) {
      context(RETRY.atWarn(), p, ctx)
          .addKeyValue("attempts", attempts)
          .addKeyValue("code", code)
          .addKeyValue("why", why.tag())
          .log(why == RetryStop.NOT_RETRIED ? "timed out, not retried" : "retries exhausted");
    }
  }

  @Override
  public void onCircuitTransition(CircuitBreaker b, CircuitState from, CircuitState to, String reason) {
    CIRCUIT.atWarn()
        .addKeyValue("breaker", b.name())
        .addKeyValue("from", from)
        .addKeyValue("to", to)
        .addKeyValue("reason", reason)
        .log("circuit breaker transition");
  }

  @Override
  public void onControlChange(ControlChange c) {
    CONTROL.atWarn()
        .addKeyValue("control", c.key().kind().wireName())
        .addKeyValue("target", c.key().target())
        .addKeyValue("from", c.from() == null ? "none" : c.from().text())
        .addKeyValue("to", c.to() == null ? "none" : c.to().text())
        .addKeyValue("source", c.source())
        .addKeyValue("by", c.by())
        .log("control changed");
  }

  private static org.slf4j.spi.LoggingEventBuilder context(org.slf4j.spi.LoggingEventBuilder b, Pipeline<?> p,
      CallContext ctx) {
    return b.addKeyValue("pipeline", p.name())
        .addKeyValue("upstream", ctx.upstream() != null ? ctx.upstream() : p.upstream())
        .addKeyValue("tenant", ctx.tenant())
        .addKeyValue("operation", ctx.operation())
        .addKeyValue("correlation_id", ctx.correlationId());
  }
}
