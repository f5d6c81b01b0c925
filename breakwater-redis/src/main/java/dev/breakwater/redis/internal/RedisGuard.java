package dev.breakwater.redis.internal;

import dev.breakwater.BreakwaterException;
import dev.breakwater.ErrorCode;
import dev.breakwater.circuit.CircuitBreaker;
import dev.breakwater.circuit.CircuitBreakerConfig;
import dev.breakwater.circuit.CircuitState;
import dev.breakwater.event.Events;
import dev.breakwater.redis.RedisStateConfig;
import dev.breakwater.time.TimeSource;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every Redis command goes through here: a failed or timed-out command, or one refused because Redis is known to be
 * down, is answered from local state instead, so no caller ever sees an exception because Redis is down. Redis's own
 * health is a Breakwater circuit breaker (one mechanism): {@code failuresToOpen} failures in a row move the instance
 * to local state for {@code openDuration}; then one probe decides whether it goes back. Each change is logged once.
 *
 * <p>A decision that must not be taken on one instance's state alone (an idempotency reservation: two instances would
 * both run the write) uses {@link #callOrRefuse} instead: it fails with {@code DEGRADED} and retry advice.
 */
public final class RedisGuard {
  private static final Logger LOG = LoggerFactory.getLogger("dev.breakwater.redis");

  private final CircuitBreaker breaker;
  private final Events events;
  private final LongAdder degradedDecisions = new LongAdder();
  private final LongAdder refusals = new LongAdder();
  private final TimeSource time;
  private final long refusalWindowNanos;
  // When the last refusal happened and when one was last logged (logging is rate-limited: a refusal storm is one line).
  private final AtomicLong lastRefusal = new AtomicLong(Long.MIN_VALUE / 2);
  private final AtomicLong lastRefusalLog = new AtomicLong(Long.MIN_VALUE / 2);
  private final AtomicLong refusalsAtLastLog = new AtomicLong();
  private final List<Runnable> onRecovered = new CopyOnWriteArrayList<>();
  private volatile String lastFailure = "";
  private final long boundMillis;

  /** Creates the guard of one connection. */
  public RedisGuard(RedisStateConfig config, TimeSource time, Events events) {
    this.events = events;
    this.time = time;
    this.refusalWindowNanos = Math.max(config.openDuration().toNanos(), TimeUnit.SECONDS.toNanos(10));
    // A decision may take a few commands (a script reloaded after NOSCRIPT, a second slot group on a Cluster).
    this.boundMillis = config.commandTimeout().toMillis() * 3;
    int n = config.failuresToOpen();
    this.breaker = new CircuitBreaker("redis", new CircuitBreakerConfig(true,
        CircuitBreakerConfig.WindowType.COUNT_BASED, n, n, 100, 100, Duration.ofMinutes(1),
        config.openDuration(), 1, 1), time, events::internalError);
    breaker.addListener((b, from, to, reason) -> {
      if (from == CircuitState.CLOSED && to == CircuitState.OPEN) {
        LOG.warn("redis unreachable ({}); deciding on local state until it returns", lastFailure);
        events.emit(l -> l.onStateStore("redis", true, "redis unreachable: " + lastFailure));
      } else if (to == CircuitState.CLOSED) {
        LOG.info("redis is back; shared state resumed after {} decisions on local state", degradedDecisions.sum());
        events.emit(l -> l.onStateStore("redis", false, "redis reachable"));
        onRecovered.forEach(Runnable::run);
      }
    });
    // A dashboard shows "shared" (0) from the start rather than no series until the first outage.
    events.emit(l -> l.onStateStoreOpened("redis"));
  }

  /**
   * Runs {@code redis}; when Redis is down, the command fails or it times out, answers {@code local} instead.
   * {@code local} must not throw.
   */
  public <T> CompletableFuture<T> call(Supplier<CompletableFuture<T>> redis, Supplier<T> local) {
    CompletableFuture<? extends T> f = guarded(redis, "");
    return f == null ? CompletableFuture.completedFuture(degraded(local))
        : f.handle((v, e) -> e == null ? v : degraded(local));
  }

  /**
   * Runs {@code redis}; when Redis is down, the command fails or it times out, fails with a {@link BreakwaterException}
   * of code {@code DEGRADED} whose retry-after is the time Redis stays known down (at least 1 s), naming {@code what}
   * was refused. Never answers from local state: for decisions one instance must not take alone.
   */
  public <T> CompletableFuture<T> callOrRefuse(Supplier<CompletableFuture<T>> redis, String what) {
    CompletableFuture<? extends T> f = guarded(redis, "");
    if (f == null) {
      return CompletableFuture.failedFuture(refused(what));
    }
    return f.handle((v, e) -> {
      if (e != null) {
        throw refused(what);
      }
      return v;
    });
  }

  /** Registers {@code r} to run when Redis is back after being known down (on the thread that saw it return). */
  public void onRecovered(Runnable r) {
    onRecovered.add(r);
  }

  private BreakwaterException refused(String what) {
    refusals.increment();
    long now = time.nanoTime();
    lastRefusal.set(now);
    if (events.active()) {
      events.emit(l -> l.onDegradedDecision("redis"));
    }
    long logged = lastRefusalLog.get();
    if (now - logged >= refusalWindowNanos && lastRefusalLog.compareAndSet(logged, now)) {
      long total = refusals.sum();
      long since = total - refusalsAtLastLog.getAndSet(total);
      LOG.warn("redis did not answer ({}); refused {} ({} since the last report): a shared decision is not taken on "
          + "local state", lastFailure, what, since);
    }
    Duration open = breaker.state() == CircuitState.OPEN ? breaker.remainingOpen() : Duration.ZERO;
    long seconds = Math.max(1, (open.toMillis() + 999) / 1000);
    return new BreakwaterException(ErrorCode.DEGRADED, "the shared state store did not answer; " + what
        + " was refused so that it cannot run twice; retry later", Duration.ofSeconds(seconds), null);
  }

  /** Runs a Redis command whose answer nobody waits for (publish, replication of a local decision). */
  public void fireAndForget(Supplier<CompletableFuture<?>> redis, String what) {
    guarded(redis, what + ": ");
  }

  /**
   * The command, bounded in time and recorded by the breaker; null when the breaker refuses it (Redis is known to be
   * down). A failure is named, prefixed by {@code what}, for the health detail.
   */
  private <T> CompletableFuture<? extends T> guarded(Supplier<? extends CompletableFuture<? extends T>> redis,
      String what) {
    if (!breaker.tryAcquirePermission()) {
      return null;
    }
    CompletableFuture<? extends T> f;
    try {
      // Bounded here as well as by Lettuce's command timeout: a command queued behind a connection that is still
      // being established is not covered by the latter.
      f = redis.get().orTimeout(boundMillis, TimeUnit.MILLISECONDS);
    } catch (Throwable t) {
      f = CompletableFuture.failedFuture(t);
    }
    return f.whenComplete((v, e) -> {
      if (e == null) {
        breaker.onSuccess(0);
      } else {
        lastFailure = what + (e.getCause() != null ? e.getCause() : e);
        breaker.onFailure(0);
      }
    });
  }

  private <T> T degraded(Supplier<T> local) {
    degradedDecisions.increment();
    if (events.active()) {
      events.emit(l -> l.onDegradedDecision("redis"));
    }
    return local.get();
  }

  /** Whether the instance currently decides on local state. */
  public boolean degraded() {
    return breaker.state() != CircuitState.CLOSED;
  }

  /** Decisions refused because Redis did not answer, so far. */
  public long refusals() {
    return refusals.sum();
  }

  /** Whether a decision was refused recently (within the longer of {@code openDuration} and 10 s). */
  public boolean refusedRecently() {
    return time.nanoTime() - lastRefusal.get() < refusalWindowNanos;
  }

  /** Decisions made on local state so far. */
  public long degradedDecisions() {
    return degradedDecisions.sum();
  }

  /** The last Redis failure seen, for health details. */
  public String lastFailure() {
    return lastFailure;
  }
}
