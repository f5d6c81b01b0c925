package dev.breakwater.event;

import dev.breakwater.CallContext;
import dev.breakwater.ErrorCode;
import dev.breakwater.Pipeline;
import dev.breakwater.Source;
import dev.breakwater.circuit.CircuitBreaker;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fans engine events out to the listeners; state stores (in memory, Redis, or a third party's) report through it too. A listener that throws is logged and reported as an internal error; the
 * call that caused the event goes on unharmed.
 */
public final class Events {
  private static final Logger LOG = LoggerFactory.getLogger("dev.breakwater.internal-error");

  private final BreakwaterListener[] listeners;
  // The two events of every admitted call go only to listeners that ask for them (BreakwaterListener.interests), so
  // that an engine whose only listener is the logger pays nothing per successful call.
  private final BreakwaterListener[] callListeners;
  private final BreakwaterListener[] rateLimitListeners;
  private final BreakwaterListener[] circuitCallListeners;
  private final BreakwaterListener[] attemptListeners;

  /** Creates a fan-out over the given listeners. */
  public Events(List<BreakwaterListener> listeners) {
    this.listeners = listeners.toArray(new BreakwaterListener[0]);
    this.callListeners = interested(listeners, Interest.CALLS);
    this.rateLimitListeners = interested(listeners, Interest.RATE_LIMITS);
    this.circuitCallListeners = interested(listeners, Interest.CIRCUIT_CALLS);
    this.attemptListeners = interested(listeners, Interest.ATTEMPTS);
  }

  private static BreakwaterListener[] interested(List<BreakwaterListener> listeners, Interest interest) {
    return listeners.stream().filter(l -> l.interests().contains(interest)).toArray(BreakwaterListener[]::new);
  }

  /** Whether anybody listens; callers skip building an event when nobody does. */
  public boolean active() {
    return listeners.length > 0;
  }

  /** Whether anybody listens to completed calls (and so needs their durations). */
  public boolean callsObserved() {
    return callListeners.length > 0;
  }

  /** Whether anybody listens to attempts (and so needs each attempt's upstream time). */
  public boolean attemptsObserved() {
    return attemptListeners.length > 0;
  }

  /** Whether anybody listens to rate-limit decisions. */
  public boolean rateLimitsObserved() {
    return rateLimitListeners.length > 0;
  }

  /** Delivers an event to every listener. */
  public void emit(Consumer<BreakwaterListener> event) {
    for (BreakwaterListener l : listeners) {
      try {
        event.accept(l);
      } catch (Throwable t) {
        internalError("listener " + l.getClass().getName(), t);
      }
    }
  }

  /**
   * The per-call event, written out without a lambda so that the success path allocates nothing; {@code
   * upstreamNanos} is the sum of the call's attempts' upstream time.
   */
  public void callCompleted(Pipeline<?> p, CallContext ctx, ErrorCode code, Source source, long durationNanos,
      long upstreamNanos) {
    for (BreakwaterListener l : callListeners) {
      try {
        l.onCallCompleted(p, ctx, code, source, durationNanos, upstreamNanos);
      } catch (Throwable t) {
        internalError("listener " + l.getClass().getName(), t);
      }
    }
  }

  /** One attempt that reached the upstream, written out without a lambda since it happens on every attempt. */
  public void attempt(Pipeline<?> p, CallContext ctx, int attempt, ErrorCode code, long upstreamNanos) {
    for (BreakwaterListener l : attemptListeners) {
      try {
        l.onAttempt(p, ctx, attempt, code, upstreamNanos);
      } catch (Throwable t) {
        internalError("listener " + l.getClass().getName(), t);
      }
    }
  }

  /** A rate-limit decision, written out without a lambda since it happens on every admitted call. */
  public void rateLimit(Pipeline<?> p, CallContext ctx, String limit, boolean allowed) {
    for (BreakwaterListener l : rateLimitListeners) {
      try {
        l.onRateLimit(p, ctx, limit, allowed);
      } catch (Throwable t) {
        internalError("listener " + l.getClass().getName(), t);
      }
    }
  }

  /** An attempt a breaker judged, written out without a lambda since it happens on every attempt. */
  public void circuitCall(CircuitBreaker breaker, ErrorCode failure) {
    for (BreakwaterListener l : circuitCallListeners) {
      try {
        l.onCircuitCall(breaker, failure);
      } catch (Throwable t) {
        internalError("listener " + l.getClass().getName(), t);
      }
    }
  }

  /** Logs a failure inside the engine and tells the listeners; never throws. */
  public void internalError(String where, Throwable error) {
    LOG.error("breakwater internal error in {}", where, error);
    for (BreakwaterListener l : listeners) {
      try {
        l.onInternalError(where, error);
      } catch (Throwable t) {
        // A listener failing while told of a failure: logging it is all that is left to do.
        LOG.error("breakwater listener {} failed on an internal error", l.getClass().getName(), t);
      }
    }
  }
}
