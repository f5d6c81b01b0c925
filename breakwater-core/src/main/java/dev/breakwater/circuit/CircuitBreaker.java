package dev.breakwater.circuit;

import dev.breakwater.time.TimeSource;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;

/**
 * A circuit breaker: ask {@link #tryAcquirePermission()} before a call, then report exactly one of
 * {@link #onSuccess(long)}, {@link #onFailure(long)} or {@link #onIgnored()} for every permission granted.
 *
 * <p>The state lives in one immutable phase object swapped by compare-and-set, so a transition happens once however
 * many threads see its cause. In the closed state a permission is one volatile read and a success is recorded
 * without allocation.
 */
public final class CircuitBreaker {
  private final String name;
  private final String upstream;
  private final String tenant;
  private final CircuitBreakerConfig config;
  private final TimeSource time;
  private final List<CircuitBreakerListener> listeners = new CopyOnWriteArrayList<>();
  private final BiConsumer<String, Throwable> errorSink;
  private final AtomicReference<Phase> phase;
  private final long slowNanos;
  private final boolean judgesSlowCalls;
  private volatile ProbeClaim probeClaim;

  /**
   * Creates a breaker; {@code errorSink} receives any exception a listener throws (it is never passed to a caller).
   */
  public CircuitBreaker(String name, CircuitBreakerConfig config, TimeSource time,
      BiConsumer<String, Throwable> errorSink) {
    this(name, null, config, time, errorSink);
  }

  /**
   * Creates the breaker of {@code upstream}, or of one tenant's calls to it when {@code tenant} is not null (a
   * per-tenant breaker, named {@code upstream/tenant} in logs).
   */
  public CircuitBreaker(String upstream, String tenant, CircuitBreakerConfig config, TimeSource time,
      BiConsumer<String, Throwable> errorSink) {
    this.upstream = Objects.requireNonNull(upstream, "upstream");
    this.tenant = tenant;
    this.name = tenant == null ? upstream : upstream + "/" + tenant;
    this.config = Objects.requireNonNull(config, "config");
    this.time = Objects.requireNonNull(time, "time");
    this.errorSink = Objects.requireNonNull(errorSink, "errorSink");
    this.slowNanos = config.slowCallDuration().toNanos();
    this.judgesSlowCalls = config.slowCallDetection();
    CircuitState initial = config.enabled() ? CircuitState.CLOSED : CircuitState.DISABLED;
    this.phase = new AtomicReference<>(fresh(initial));
  }

  /** The breaker's name (usually the upstream's). */
  public String name() {
    return name;
  }

  /** The upstream whose calls this breaker judges. */
  public String upstream() {
    return upstream;
  }

  /** The tenant whose calls this breaker judges, or {@code null} for a breaker shared by every tenant. */
  public String tenant() {
    return tenant;
  }

  /** The breaker's config. */
  public CircuitBreakerConfig config() {
    return config;
  }

  /** The current state; an open breaker whose open duration has passed still reads OPEN until the next call. */
  public CircuitState state() {
    return phase.get().state;
  }

  /** Whether slow calls are judged, so that callers know whether to time a call. */
  public boolean timesCalls() {
    return config.slowCallDetection();
  }

  /** The failure rate of the current window in percent, or -1 while below the minimum calls. */
  public float failureRate() {
    return phase.get().window.failureRate();
  }

  /** The slow-call rate of the current window in percent, or -1 while below the minimum calls. */
  public float slowCallRate() {
    return phase.get().window.slowCallRate();
  }

  /** Adds a listener told of every transition. */
  public void addListener(CircuitBreakerListener listener) {
    listeners.add(Objects.requireNonNull(listener, "listener"));
  }

  /**
   * Makes every half-open round ask {@code claim} before its probes go out (a fleet-aware breaker: one replica of a
   * fleet probes per round); set once, by whoever wires the breaker to its fleet.
   */
  public void claimProbesWith(ProbeClaim claim) {
    this.probeClaim = Objects.requireNonNull(claim, "claim");
  }

  /** Asks to make a call: true in closed states, false while open, and a limited number of probes while half-open. */
  public boolean tryAcquirePermission() {
    Phase p = phase.get();
    switch (p.state) {
      case CLOSED:
      case FORCED_CLOSED:
      case DISABLED:
        return true;
      case OPEN:
        if (time.nanoTime() - p.openUntil < 0) {
          return false;
        }
        ProbeClaim claim = probeClaim;
        Phase half = p.next(CircuitState.HALF_OPEN, 0, claim == null ? config.halfOpenProbes() : 0);
        if (transition(p, half, "open duration elapsed") && claim != null) {
          claimRound(claim, half);
        }
        return tryAcquirePermission();
      case HALF_OPEN:
        // Count only granted probes, so that a probe handed back by onIgnored() frees a slot for the next call.
        while (true) {
          int c = p.probes.get();
          if (c >= p.allowedProbes) {
            return false;
          }
          if (p.probes.compareAndSet(c, c + 1)) {
            return true;
          }
        }
      default:
        return false;
    }
  }

  private void claimRound(ProbeClaim claim, Phase half) {
    try {
      claim.claim(this).whenComplete((won, e) -> {
        if (e != null || Boolean.TRUE.equals(won)) {
          half.allowedProbes = config.halfOpenProbes();
        }
      });
    } catch (RuntimeException e) {
      errorSink.accept("probe claim of circuit breaker " + name, e);
      half.allowedProbes = config.halfOpenProbes();
    }
  }

  /** How long until an open breaker lets a probe through; zero unless open. */
  public Duration remainingOpen() {
    Phase p = phase.get();
    if (p.state == CircuitState.OPEN) {
      return Duration.ofNanos(Math.max(0, p.openUntil - time.nanoTime()));
    }
    return p.state == CircuitState.FORCED_OPEN ? config.openDuration() : Duration.ZERO;
  }

  /** Records a successful call that took {@code durationNanos} (ignored when slow calls are not judged). */
  public void onSuccess(long durationNanos) {
    record(false, durationNanos);
  }

  /** Records a failed call that took {@code durationNanos}. */
  public void onFailure(long durationNanos) {
    record(true, durationNanos);
  }

  /** Returns a permission whose call ended in an outcome that says nothing about the upstream's health. */
  public void onIgnored() {
    Phase p = phase.get();
    if (p.state == CircuitState.HALF_OPEN) {
      p.probes.decrementAndGet();
    }
  }

  private void record(boolean failure, long durationNanos) {
    Phase p = phase.get();
    boolean slow = judgesSlowCalls && durationNanos >= slowNanos;
    if (p.state == CircuitState.CLOSED) {
      if (p.window.record(failure, slow)) {
        // The call that tipped the window may be a success: the rate that crossed its threshold says why.
        boolean byFailures = p.window.failureRate() >= config.failureRateThreshold();
        open(p, config.openDuration().toNanos(), byFailures ? "failure rate reached "
            + config.failureRateThreshold() + "%" : "slow-call rate reached " + config.slowCallRateThreshold() + "%");
      } else if (failure && p.failureCount != null && p.failureCount.record(time.nanoTime())) {
        open(p, config.openDuration().toNanos(), p.failureCount.describe(config));
      }
    } else if (p.state == CircuitState.HALF_OPEN) {
      if (failure || slow) {
        if (p.failures.incrementAndGet() > config.halfOpenProbes() - config.halfOpenSuccesses()) {
          open(p, config.openDuration().toNanos(), "probe failed in half-open");
        }
      } else if (p.successes.incrementAndGet() >= config.halfOpenSuccesses()) {
        transition(p, fresh(CircuitState.CLOSED), config.halfOpenSuccesses() + " probe(s) succeeded");
      }
    }
  }

  /**
   * Opens the breaker for {@code duration}, for instance because the upstream answered 503 with Retry-After; an open
   * breaker that would stay open longer keeps its own time. Operator states (forced, disabled) are left alone.
   */
  public void openFor(Duration duration, String reason) {
    long nanos = duration.toNanos();
    while (true) {
      Phase p = phase.get();
      if (p.state == CircuitState.FORCED_OPEN || p.state == CircuitState.FORCED_CLOSED
          || p.state == CircuitState.DISABLED) {
        return;
      }
      if (p.state == CircuitState.OPEN && p.openUntil - (time.nanoTime() + nanos) >= 0) {
        return;
      }
      if (open(p, nanos, reason)) {
        return;
      }
    }
  }

  /**
   * Closes an open or half-open breaker because its upstream was seen to recover (by another replica of a fleet);
   * a closed breaker and operator states (forced, disabled) are left alone.
   */
  public void closeAfterRecovery(String reason) {
    while (true) {
      Phase p = phase.get();
      if (p.state != CircuitState.OPEN && p.state != CircuitState.HALF_OPEN) {
        return;
      }
      if (transition(p, fresh(CircuitState.CLOSED), reason)) {
        return;
      }
    }
  }

  /** Holds the breaker open until {@link #reset()}. */
  public void forceOpen() {
    force(CircuitState.FORCED_OPEN, "forced open by operator");
  }

  /** Holds the breaker closed until {@link #reset()}. */
  public void forceClosed() {
    force(CircuitState.FORCED_CLOSED, "forced closed by operator");
  }

  /** Switches the breaker off until {@link #reset()}. */
  public void disable() {
    force(CircuitState.DISABLED, "disabled by operator");
  }

  /**
   * Takes the operator's setting of the breaker this one replaces (a reload that changed its config): a forced open,
   * forced closed or disabled state carries over; any other state starts afresh under the new config.
   */
  public void takeOperatorStateFrom(CircuitBreaker previous) {
    CircuitState s = previous.state();
    if (s == CircuitState.FORCED_OPEN || s == CircuitState.FORCED_CLOSED
        || s == CircuitState.DISABLED && previous.config().enabled()) {
      force(s, "kept from before the reload: " + s);
    }
  }

  /** Returns the breaker to CLOSED with an empty window. */
  public void reset() {
    force(CircuitState.CLOSED, "reset by operator");
  }

  private void force(CircuitState to, String reason) {
    while (true) {
      Phase p = phase.get();
      if (p.state == to && to != CircuitState.CLOSED) {
        return; // a reset always empties the window, even of a breaker that is already closed
      }
      if (transition(p, fresh(to), reason)) {
        return;
      }
    }
  }

  private boolean open(Phase from, long nanos, String reason) {
    return transition(from, from.next(CircuitState.OPEN, time.nanoTime() + nanos, 0), reason);
  }

  /** A phase with empty windows. */
  private Phase fresh(CircuitState state) {
    return new Phase(state, 0, Window.create(config, time), FailureCount.create(config), 0);
  }

  private boolean transition(Phase from, Phase to, String reason) {
    if (!phase.compareAndSet(from, to)) {
      return false;
    }
    if (from.state != to.state) {
      for (CircuitBreakerListener l : listeners) {
        try {
          l.onTransition(this, from.state, to.state, reason);
        } catch (Throwable t) {
          errorSink.accept("circuit breaker listener of " + name, t);
        }
      }
    }
    return true;
  }

  @Override
  public String toString() {
    return "CircuitBreaker{" + name + ", " + state() + '}';
  }

  /**
   * One state with what it needs: the windows (closed), the reopen instant (open), probe counters and the probes
   * allowed (half-open; raised once when a fleet's claim is won).
   */
  private static final class Phase {
    final CircuitState state;
    final long openUntil;
    final Window window;
    final FailureCount failureCount;
    final AtomicInteger probes;
    final AtomicInteger successes;
    final AtomicInteger failures;
    volatile int allowedProbes;

    Phase(CircuitState state, long openUntil, Window window, FailureCount failureCount, int allowedProbes) {
      this.state = state;
      this.openUntil = openUntil;
      this.window = window;
      this.failureCount = failureCount;
      this.allowedProbes = allowedProbes;
      boolean half = state == CircuitState.HALF_OPEN;
      this.probes = half ? new AtomicInteger() : null;
      this.successes = half ? new AtomicInteger() : null;
      this.failures = half ? new AtomicInteger() : null;
    }

    /** The next phase, keeping this one's windows. */
    Phase next(CircuitState to, long openUntil, int allowedProbes) {
      return new Phase(to, openUntil, window, failureCount, allowedProbes);
    }
  }
}
