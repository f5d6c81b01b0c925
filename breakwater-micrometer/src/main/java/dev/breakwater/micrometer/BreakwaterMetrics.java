package dev.breakwater.micrometer;

import dev.breakwater.CallContext;
import dev.breakwater.ErrorCode;
import dev.breakwater.Pipeline;
import dev.breakwater.Source;
import dev.breakwater.bulkhead.Bulkhead;
import dev.breakwater.circuit.CircuitBreaker;
import dev.breakwater.circuit.CircuitState;
import dev.breakwater.control.ControlChange;
import dev.breakwater.control.Setting;
import dev.breakwater.event.BreakwaterListener;
import dev.breakwater.event.CacheOutcome;
import dev.breakwater.event.IdempotencyOutcome;
import dev.breakwater.event.RetryStop;
import dev.breakwater.time.TimeSource;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * A {@link BreakwaterListener} that publishes every engine decision as Micrometer meters named {@code breakwater.*}
 * (rendered {@code breakwater_*} by Prometheus).
 *
 * <p>Tags carry only upstream, domain, operation, outcome and policy names, never tenant or user ids, so that the
 * number of series stays bounded however many tenants call. A context without an upstream or domain takes the
 * pipeline's; a value still missing reads {@code none}.
 *
 * <p>Counters and timers are cached after their first use, so a callback is one map lookup and an increment; a meter
 * removed from the registry behind this listener's back is therefore not re-created.
 *
 * <p>The latency timers ({@code breakwater.call.duration}, {@code breakwater.attempt.duration} and {@code
 * breakwater.call.added}) publish histogram buckets at explicit boundaries: {@link #DEFAULT_BOUNDARIES} merged with
 * the extra ones given to the constructor, so that every latency objective is a bucket boundary and its quantile is
 * read exactly instead of interpolated (decision 0027). Further percentiles are left to the registry's
 * {@code MeterFilter}s.
 */
public final class BreakwaterMetrics implements BreakwaterListener {

  /** The tag value used when a label is unknown. */
  public static final String NONE = "none";

  /**
   * Past this many cached meters new ones are looked up through the registry on every call instead: a caller that
   * puts unbounded values into the operation name must not also make this cache grow without bound.
   */
  private static final int MAX_CACHED = 10_000;

  // Lower-case enum names computed once, because the hot path must not allocate a string per call.
  private static final String[] ERROR_TAGS = lowerNames(ErrorCode.values());
  private static final String[] SOURCE_TAGS = lowerNames(Source.values());
  private static final String[] STATE_TAGS = lowerNames(CircuitState.values());
  private static final String[] ATTEMPT_TAGS = {"2", "3", "4", "5+"};

  private static final int MAX_TAG_LENGTH = 48;

  /**
   * The default latency bucket boundaries, chosen for API calls: 5, 10, 25, 50, 100, 250 and 500 ms, then 1, 1.5, 2,
   * 3, 5, 10, 15, 30 and 60 s (16 buckets and +Inf per series).
   */
  public static final List<Duration> DEFAULT_BOUNDARIES = List.of(Duration.ofMillis(5), Duration.ofMillis(10),
      Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250),
      Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(1500), Duration.ofSeconds(2),
      Duration.ofSeconds(3), Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(15),
      Duration.ofSeconds(30), Duration.ofSeconds(60));

  private static final CounterDef RETRY_ATTEMPTS = new CounterDef("breakwater.retry.attempts",
      "Retries scheduled, by the number of the attempt that follows and the error that caused it",
      "attempt", "upstream", "domain", "operation", "cause");
  private static final CounterDef RETRY_EXHAUSTED = new CounterDef("breakwater.retry.exhausted",
      "Calls that failed because retries ran out", "upstream", "domain", "operation", "code", "why");
  private static final CounterDef RETRY_SUCCESS = new CounterDef("breakwater.retry.success.after.retry",
      "Calls that succeeded after at least one failed attempt", "attempt", "upstream", "domain", "operation");
  private static final CounterDef RETRY_BUDGET = new CounterDef("breakwater.retry.budget.exhausted",
      "Retries refused by the retry budget", "upstream", "domain", "operation");
  private static final CounterDef TIMEOUTS = new CounterDef("breakwater.timeout.violations",
      "Attempts (scope=attempt) or whole calls (scope=deadline) that ran out of time",
      "scope", "upstream", "domain", "operation");
  private static final CounterDef CIRCUIT_TRANSITIONS = new CounterDef("breakwater.circuit.transitions",
      "Circuit breaker state changes", "name", "from", "to");
  private static final CounterDef CIRCUIT_SUCCESSES = new CounterDef("breakwater.circuit.successes",
      "Attempts a circuit breaker counted as successes", "name");
  private static final CounterDef CIRCUIT_FAILURES = new CounterDef("breakwater.circuit.failures",
      "Attempts a circuit breaker counted as failures, by error code", "name", "code");
  private static final CounterDef CIRCUIT_REJECTED = new CounterDef("breakwater.circuit.rejected",
      "Calls refused by an open circuit breaker", "name", "upstream", "domain", "operation");
  private static final CounterDef BULKHEAD_REJECTIONS = new CounterDef("breakwater.bulkhead.rejections",
      "Calls refused by a full bulkhead", "name", "upstream", "domain", "operation");
  private static final CounterDef RATE_LIMIT = new CounterDef("breakwater.ratelimit.decisions",
      "Rate limit checks, allowed or denied", "limit", "decision", "upstream", "operation");
  private static final CounterDef THROTTLE_HOLDS = new CounterDef("breakwater.throttle.holds",
      "Calls held back by a closed upstream throttle gate", "upstream", "domain", "operation");
  private static final CounterDef THROTTLE_CLOSED = new CounterDef("breakwater.throttle.closed",
      "Upstream throttle gates closed after the upstream throttled us", "upstream");
  private static final CounterDef IDEMPOTENCY = new CounterDef("breakwater.idempotency",
      "Idempotency decisions", "outcome", "upstream", "domain", "operation");
  private static final CounterDef CACHE = new CounterDef("breakwater.cache",
      "Cache decisions", "outcome", "upstream", "domain", "operation");
  private static final CounterDef DEGRADATION = new CounterDef("breakwater.degradation.rejections",
      "Calls rejected by the operator's degradation level", "code", "upstream", "domain", "operation");
  private static final CounterDef REGISTRY_EVICTIONS = new CounterDef("breakwater.registry.evictions",
      "Idle or excess keys evicted from a bounded registry", "registry");
  private static final CounterDef REGISTRY_NEAR_CAPACITY = new CounterDef("breakwater.registry.near.capacity",
      "Times a bounded registry crossed 90% of its key capacity", "registry");
  private static final CounterDef STATE_STORE_TRANSITIONS = new CounterDef("breakwater.state.store.transitions",
      "A shared state store became unreachable (to=degraded) or came back (to=shared)", "store", "to");
  private static final CounterDef DEGRADED_DECISIONS = new CounterDef("breakwater.state.store.degraded.decisions",
      "Decisions taken on local fallback state because the shared state store was unreachable", "store");
  private static final CounterDef INTERNAL_ERRORS = new CounterDef("breakwater.internal.errors",
      "Failures inside the engine (a listener, a background task) that were logged and did not reach a caller",
      "where");

  private final MeterRegistry registry;
  private final Duration[] boundaries;
  private final TimeSource time;
  // When each breaker stopped letting calls through, until it does again. Weak keys: core evicts idle per-tenant
  // breakers, and one evicted while open must not be pinned here. Transitions are rare, so one lock is enough.
  private final Map<CircuitBreaker, Long> stoppedAt = Collections.synchronizedMap(new WeakHashMap<>());
  private final ConcurrentHashMap<String, Timer> recoveryTimers = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<CallKey, CallMeters> callMeters = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<AttemptKey, Timer> attemptTimers = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<CounterKey, Counter> counters = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<TimerKey, Timer> timeoutTimers = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, List<Meter>> breakerGauges = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, List<Meter>> bulkheadGauges = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, AtomicInteger> controlValues = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, AtomicInteger> storeDegraded =
      new ConcurrentHashMap<>();

  /** Creates a listener that registers its meters in {@code registry}, with the default latency buckets. */
  public BreakwaterMetrics(MeterRegistry registry) {
    this(registry, List.of());
  }

  /**
   * Creates a listener whose latency histograms have a bucket boundary at each of {@link #DEFAULT_BOUNDARIES} and
   * each of {@code extraBoundaries} (such as the thresholds of latency objectives), merged, deduplicated and sorted.
   *
   * @throws IllegalArgumentException if an extra boundary is not positive
   */
  public BreakwaterMetrics(MeterRegistry registry, Collection<Duration> extraBoundaries) {
    this(registry, extraBoundaries, TimeSource.system());
  }

  /**
   * As {@link #BreakwaterMetrics(MeterRegistry, Collection)}, timing what the engine does not time itself (how long a
   * circuit breaker stayed open) on {@code time}: the engine's own time source.
   *
   * @throws IllegalArgumentException if an extra boundary is not positive
   */
  public BreakwaterMetrics(MeterRegistry registry, Collection<Duration> extraBoundaries, TimeSource time) {
    this.registry = Objects.requireNonNull(registry, "registry");
    this.time = Objects.requireNonNull(time, "time");
    TreeSet<Duration> merged = new TreeSet<>(DEFAULT_BOUNDARIES);
    for (Duration d : Objects.requireNonNull(extraBoundaries, "extraBoundaries")) {
      if (d == null || d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException("a latency bucket boundary must be a positive duration, got " + d);
      }
      merged.add(d);
    }
    this.boundaries = merged.toArray(new Duration[0]);
  }

  /** The latency histograms' bucket boundaries, ascending. */
  public List<Duration> boundaries() {
    return List.of(boundaries);
  }

  /** The registry the meters are registered in. */
  public MeterRegistry registry() {
    return registry;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Calls

  /**
   * Counts the call in {@code breakwater.calls} and times it in {@code breakwater.call.duration}; without the
   * upstream time, {@code breakwater.call.added} is not recorded.
   */
  @Override
  public void onCallCompleted(Pipeline<?> pipeline, CallContext ctx, ErrorCode code, Source source,
      long durationNanos) {
    callMeters(pipeline, ctx, code, source).record(durationNanos);
  }

  /**
   * As {@link #onCallCompleted(Pipeline, CallContext, ErrorCode, Source, long)}, and records the time Breakwater added
   * (the duration less the upstream time) in {@code breakwater.call.added}.
   */
  @Override
  public void onCallCompleted(Pipeline<?> pipeline, CallContext ctx, ErrorCode code, Source source,
      long durationNanos, long upstreamNanos) {
    CallMeters m = callMeters(pipeline, ctx, code, source);
    m.record(durationNanos);
    m.added.record(Math.max(0, durationNanos - upstreamNanos), TimeUnit.NANOSECONDS);
  }

  private CallMeters callMeters(Pipeline<?> pipeline, CallContext ctx, ErrorCode code, Source source) {
    CallKey key = new CallKey(upstream(pipeline, ctx), domain(pipeline, ctx), operation(ctx), outcome(code),
        source == null ? NONE : SOURCE_TAGS[source.ordinal()]);
    CallMeters m = callMeters.get(key);
    return m != null ? m : cached(callMeters, key, this::newCallMeters);
  }

  /** Times an attempt's upstream time in {@code breakwater.attempt.duration}, by the attempt's outcome. */
  @Override
  public void onAttempt(Pipeline<?> pipeline, CallContext ctx, int attempt, ErrorCode code, long upstreamNanos) {
    AttemptKey key = new AttemptKey(upstream(pipeline, ctx), domain(pipeline, ctx), operation(ctx), outcome(code));
    Timer t = attemptTimers.get(key);
    if (t == null) {
      t = cached(attemptTimers, key, k -> latencyTimer("breakwater.attempt.duration",
          "Time single attempts spent in the upstream, by the attempt's outcome")
          .tag("upstream", k.upstream).tag("domain", k.domain).tag("operation", k.operation)
          .tag("outcome", k.outcome)
          .register(registry));
    }
    t.record(Math.max(0, upstreamNanos), TimeUnit.NANOSECONDS);
  }

  private CallMeters newCallMeters(CallKey k) {
    Counter calls = Counter.builder("breakwater.calls")
        .description("Completed calls by outcome (success or error code) and where the value came from")
        .tag("upstream", k.upstream).tag("domain", k.domain).tag("operation", k.operation)
        .tag("outcome", k.outcome).tag("source", k.source)
        .register(registry);
    // The timer leaves out source: a cache hit and an upstream call of one operation are compared on one series set.
    Timer duration = latencyTimer("breakwater.call.duration",
        "Duration of completed calls, including retries, waits and backoff")
        .tag("upstream", k.upstream).tag("domain", k.domain).tag("operation", k.operation)
        .tag("outcome", k.outcome)
        .register(registry);
    // One series per operation, shared by the call series of every outcome and source (the registry hands back the
    // registered timer): the time added is about Breakwater's waits, not about how the call ended.
    Timer added = latencyTimer("breakwater.call.added",
        "Time Breakwater added to completed calls: bulkhead queueing, gate holds, backoffs, Retry-After waits, "
            + "cache and idempotency stores (the duration less the attempts' upstream time)")
        .tag("upstream", k.upstream).tag("domain", k.domain).tag("operation", k.operation)
        .register(registry);
    return new CallMeters(calls, duration, added);
  }

  /** A timer publishing histogram buckets at this listener's boundaries, and no other distribution statistics. */
  private Timer.Builder latencyTimer(String name, String description) {
    return Timer.builder(name).description(description).serviceLevelObjectives(boundaries);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Retry

  /** Counts a scheduled retry in {@code breakwater.retry.attempts}. */
  @Override
  public void onRetry(Pipeline<?> pipeline, CallContext ctx, int nextAttempt, ErrorCode cause, long delayNanos) {
    increment(RETRY_ATTEMPTS, attemptTag(nextAttempt), upstream(pipeline, ctx), domain(pipeline, ctx),
        operation(ctx), code(cause));
  }

  /** Counts a call whose retries ran out in {@code breakwater.retry.exhausted}. */
  @Override
  public void onRetriesExhausted(Pipeline<?> pipeline, CallContext ctx, int attempts, ErrorCode code,
      RetryStop why) {
    increment(RETRY_EXHAUSTED, upstream(pipeline, ctx), domain(pipeline, ctx), operation(ctx), code(code),
        why == null ? NONE : why.tag());
  }

  /** Counts a success that needed retries in {@code breakwater.retry.success.after.retry}. */
  @Override
  public void onSuccessAfterRetry(Pipeline<?> pipeline, CallContext ctx, int attempts) {
    increment(RETRY_SUCCESS, attemptTag(attempts), upstream(pipeline, ctx), domain(pipeline, ctx), operation(ctx),
        null);
  }

  /** Counts a retry refused by the budget in {@code breakwater.retry.budget.exhausted}. */
  @Override
  public void onRetryBudgetExhausted(Pipeline<?> pipeline, CallContext ctx) {
    increment(RETRY_BUDGET, upstream(pipeline, ctx), domain(pipeline, ctx), operation(ctx), null, null);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Timeouts

  /** Counts the violation in {@code breakwater.timeout.violations} and records the elapsed time. */
  @Override
  public void onTimeout(Pipeline<?> pipeline, CallContext ctx, boolean deadline, long elapsedNanos) {
    String scope = deadline ? "deadline" : "attempt";
    String upstream = upstream(pipeline, ctx);
    String domain = domain(pipeline, ctx);
    String operation = operation(ctx);
    increment(TIMEOUTS, scope, upstream, domain, operation, null);
    TimerKey key = new TimerKey(scope, upstream, domain, operation);
    Timer t = timeoutTimers.get(key);
    if (t == null) {
      t = cached(timeoutTimers, key, k -> Timer.builder("breakwater.timeout.duration")
          .description("Time elapsed when an attempt or a call ran out of time")
          .tag("scope", k.scope).tag("upstream", k.upstream).tag("domain", k.domain).tag("operation", k.operation)
          .register(registry));
    }
    t.record(Math.max(0, elapsedNanos), TimeUnit.NANOSECONDS);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Circuit breaker

  /**
   * Registers {@code breakwater.circuit.state}, {@code .failure.rate} and {@code .slow.call.rate} for a shared breaker,
   * replacing the gauges of an earlier breaker of the same name; a per-tenant breaker gets no gauges.
   */
  @Override
  public void onCircuitBreakerCreated(CircuitBreaker breaker) {
    if (breaker.tenant() != null) {
      // One gauge per tenant would be one series per tenant; per-tenant breakers are seen through the transition and
      // rejection counters, which carry the upstream only.
      return;
    }
    String name = tag(breaker.name());
    // Gauges hold the breaker weakly (Micrometer's default): core keeps breakers in bounded registries that evict idle
    // ones, and a strong reference here would pin every evicted breaker for the life of the process. A breaker created
    // again under the same name must replace the old gauges, or Micrometer would hand back the existing gauge still
    // bound to the old (possibly collected) instance and the new breaker would never be reported. Core keys shared
    // breakers by upstream and config name but names them by upstream, so two configs of one upstream share a gauge
    // and the breaker created last is the one reported.
    breakerGauges.compute(name, (n, old) -> {
      removeAll(old);
      return List.of(
          Gauge.builder("breakwater.circuit.state", breaker, b -> b.state().metricValue())
              .description("Circuit breaker state: 0 closed, 1 open, 2 half-open, 3 forced open, 4 forced closed, "
                  + "5 disabled")
              .tag("name", n)
              .register(registry),
          Gauge.builder("breakwater.circuit.failure.rate", breaker, CircuitBreaker::failureRate)
              .description("Failure rate of the breaker's current window in percent, -1 below the minimum calls")
              .tag("name", n)
              .register(registry),
          // A breaker also opens on slow calls alone: without this the failure rate cannot explain that opening.
          Gauge.builder("breakwater.circuit.slow.call.rate", breaker, CircuitBreaker::slowCallRate)
              .description("Slow-call rate of the breaker's current window in percent, -1 below the minimum calls")
              .tag("name", n)
              .register(registry));
    });
  }

  /**
   * Counts the transition in {@code breakwater.circuit.transitions}; when the breaker lets calls through again
   * (closed, forced closed or disabled) after it stopped, records how long that took in
   * {@code breakwater.circuit.recovery}.
   */
  @Override
  public void onCircuitTransition(CircuitBreaker breaker, CircuitState from, CircuitState to, String reason) {
    // The reason is free text (it may carry numbers), so it is left to logs rather than made a tag.
    increment(CIRCUIT_TRANSITIONS, breakerName(breaker), state(from), state(to), null, null);
    if (breaker == null || from == null || to == null || from.admitsAll() == to.admitsAll()) {
      return; // open to half-open and back is one outage; closed to forced closed is none
    }
    if (!to.admitsAll()) {
      stoppedAt.putIfAbsent(breaker, time.nanoTime());
      return;
    }
    Long since = stoppedAt.remove(breaker);
    if (since != null) {
      recoveryTimers.computeIfAbsent(breakerName(breaker), n -> Timer.builder("breakwater.circuit.recovery")
              .description("Time from a circuit breaker's opening until it let calls through again (time to "
                  + "recovery): open and half-open, or forced open, until closed, forced closed or disabled")
              .tag("name", n)
              .register(registry))
          .record(Math.max(0, time.nanoTime() - since), TimeUnit.NANOSECONDS);
    }
  }

  /** Counts the attempt in {@code breakwater.circuit.successes} or {@code breakwater.circuit.failures}. */
  @Override
  public void onCircuitCall(CircuitBreaker breaker, ErrorCode failure) {
    if (failure == null) {
      increment(CIRCUIT_SUCCESSES, breakerName(breaker), null, null, null, null);
    } else {
      increment(CIRCUIT_FAILURES, breakerName(breaker), code(failure), null, null, null);
    }
  }

  /** Counts a call refused by an open breaker in {@code breakwater.circuit.rejected}. */
  @Override
  public void onCircuitRejected(Pipeline<?> pipeline, CallContext ctx, CircuitBreaker breaker) {
    increment(CIRCUIT_REJECTED, breakerName(breaker), upstream(pipeline, ctx),
        domain(pipeline, ctx), operation(ctx), null);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Bulkhead

  /**
   * Registers {@code breakwater.bulkhead.active}, {@code .queue.depth} and {@code .max} for the bulkhead, replacing
   * the gauges of an earlier bulkhead of the same name.
   */
  @Override
  public void onBulkheadCreated(Bulkhead bulkhead) {
    String name = tag(bulkhead.name());
    // Weak references and replacement for the same reasons as the circuit breaker gauges.
    bulkheadGauges.compute(name, (n, old) -> {
      removeAll(old);
      return List.of(
          Gauge.builder("breakwater.bulkhead.active", bulkhead, Bulkhead::activeCalls)
              .description("Calls holding a bulkhead permit")
              .tag("name", n)
              .register(registry),
          Gauge.builder("breakwater.bulkhead.queue.depth", bulkhead, Bulkhead::queueDepth)
              .description("Calls waiting for a bulkhead permit")
              .tag("name", n)
              .register(registry),
          Gauge.builder("breakwater.bulkhead.max", bulkhead, b -> b.config().maxConcurrent())
              .description("The bulkhead's concurrency limit")
              .tag("name", n)
              .register(registry));
    });
  }

  /** Counts a call refused by a full bulkhead in {@code breakwater.bulkhead.rejections}. */
  @Override
  public void onBulkheadRejected(Pipeline<?> pipeline, CallContext ctx, Bulkhead bulkhead) {
    increment(BULKHEAD_REJECTIONS, bulkhead == null ? NONE : tag(bulkhead.name()), upstream(pipeline, ctx),
        domain(pipeline, ctx), operation(ctx), null);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Admission

  /** Counts the decision in {@code breakwater.ratelimit.decisions}. */
  @Override
  public void onRateLimit(Pipeline<?> pipeline, CallContext ctx, String limit, boolean allowed) {
    increment(RATE_LIMIT, tag(limit), allowed ? "allowed" : "denied", upstream(pipeline, ctx), operation(ctx), null);
  }

  /** Counts a held call in {@code breakwater.throttle.holds}. */
  @Override
  public void onThrottleGateHold(Pipeline<?> pipeline, CallContext ctx, long retryAfterMillis) {
    increment(THROTTLE_HOLDS, upstream(pipeline, ctx), domain(pipeline, ctx), operation(ctx), null, null);
  }

  /** Counts a closed gate in {@code breakwater.throttle.closed}; the tenant is deliberately not a tag. */
  @Override
  public void onThrottleGateClosed(String upstream, String tenant, long untilEpochMillis) {
    increment(THROTTLE_CLOSED, tag(upstream), null, null, null, null);
  }

  /** Counts the decision in {@code breakwater.idempotency}. */
  @Override
  public void onIdempotency(Pipeline<?> pipeline, CallContext ctx, IdempotencyOutcome outcome) {
    increment(IDEMPOTENCY, outcome == null ? NONE : outcome.tag(), upstream(pipeline, ctx), domain(pipeline, ctx),
        operation(ctx), null);
  }

  /** Counts the decision in {@code breakwater.cache}. */
  @Override
  public void onCache(Pipeline<?> pipeline, CallContext ctx, CacheOutcome outcome) {
    increment(CACHE, outcome == null ? NONE : outcome.tag(), upstream(pipeline, ctx), domain(pipeline, ctx), operation(ctx),
        null);
  }

  /** Counts the rejection in {@code breakwater.degradation.rejections}. */
  @Override
  public void onDegradationReject(Pipeline<?> pipeline, CallContext ctx, ErrorCode code) {
    increment(DEGRADATION, code(code), upstream(pipeline, ctx), domain(pipeline, ctx), operation(ctx), null);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Registries and internal errors

  /** Adds {@code count} to {@code breakwater.registry.evictions}. */
  @Override
  public void onRegistryEviction(String registry, long count) {
    if (count > 0) {
      counter(REGISTRY_EVICTIONS, tag(registry), null, null, null, null).increment(count);
    }
  }

  /** Counts the crossing in {@code breakwater.registry.near.capacity}. */
  @Override
  public void onRegistryNearCapacity(String registry, long size, long capacity) {
    increment(REGISTRY_NEAR_CAPACITY, tag(registry), null, null, null, null);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Shared state stores

  /** Publishes {@code breakwater.state.store.degraded} at 0 for a store just opened. */
  @Override
  public void onStateStoreOpened(String store) {
    degradedGauge(tag(store));
  }

  /**
   * Sets {@code breakwater.state.store.degraded} (1 while the store decides on local state, else 0) and counts the
   * change in {@code breakwater.state.store.transitions}.
   */
  @Override
  public void onStateStore(String store, boolean degraded, String detail) {
    degradedGauge(tag(store)).set(degraded ? 1 : 0);
    increment(STATE_STORE_TRANSITIONS, tag(store), degraded ? "degraded" : "shared", null, null, null);
  }

  /** Counts a decision taken on local state in {@code breakwater.state.store.degraded.decisions}. */
  @Override
  public void onDegradedDecision(String store) {
    increment(DEGRADED_DECISIONS, tag(store), null, null, null, null);
  }

  /**
   * Publishes a control's value at its target in {@code breakwater.control.value} (degradation: the level's ordinal,
   * 0 normal; enabled: 1 or 0; rollout: the percentage; breaker: -1 unforced, else the forced mode's ordinal) and
   * counts the change in {@code breakwater.control.changes} by control and source.
   */
  @Override
  public void onControlChange(ControlChange change) {
    controlGauge(change.key().kind().wireName(), change.key().target().toString()).set(controlValue(change.to()));
    Counter.builder("breakwater.control.changes")
        .description("Changes of a control's effective value on this replica, by control and source")
        .tag("control", change.key().kind().wireName())
        .tag("source", change.source().name().toLowerCase(java.util.Locale.ROOT))
        .register(registry).increment();
  }

  private static int controlValue(Setting s) {
    if (s instanceof Setting.Level l) {
      return l.level().ordinal();
    } else if (s instanceof Setting.Enabled e) {
      return e.on() ? 1 : 0;
    } else if (s instanceof Setting.Rollout r) {
      return r.percent();
    } else if (s instanceof Setting.Breaker b) {
      return b.mode().ordinal();
    }
    return -1;
  }

  private AtomicInteger controlGauge(String control, String target) {
    return controlValues.computeIfAbsent(control + "@" + target, k -> {
      AtomicInteger v = new AtomicInteger();
      // Targets are configured names (or global): a bounded set, held as long as this listener.
      Gauge.builder("breakwater.control.value", v, AtomicInteger::get)
          .description("A control's effective value at a target on this replica (degradation: 0 normal, 1 degraded, "
              + "2 read_only, 3 cached_only, 4 emergency, 5 maintenance; enabled: 1/0; rollout: percent; breaker: -1 unforced, 0 open, 1 closed, "
              + "2 disabled)")
          .tag("control", control).tag("target", target)
          .strongReference(true)
          .register(registry);
      return v;
    });
  }

  private AtomicInteger degradedGauge(String store) {
    return storeDegraded.computeIfAbsent(store, s -> {
      AtomicInteger v = new AtomicInteger();
      // The gauge holds the value strongly: it lives as long as this listener, one per store name.
      Gauge.builder("breakwater.state.store.degraded", v, AtomicInteger::get)
          .description("1 while the shared state store is unreachable and decisions are taken on local state")
          .tag("store", s)
          .strongReference(true)
          .register(registry);
      return v;
    });
  }

  /** Counts the failure in {@code breakwater.internal.errors} under a normalised {@code where}. */
  @Override
  public void onInternalError(String where, Throwable error) {
    increment(INTERNAL_ERRORS, where(where), null, null, null, null);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Meter cache

  private void increment(CounterDef def, String v0, String v1, String v2, String v3, String v4) {
    counter(def, v0, v1, v2, v3, v4).increment();
  }

  private Counter counter(CounterDef def, String v0, String v1, String v2, String v3, String v4) {
    CounterKey key = new CounterKey(def, v0, v1, v2, v3, v4);
    Counter c = counters.get(key);
    return c != null ? c : cached(counters, key, this::newCounter);
  }

  private Counter newCounter(CounterKey k) {
    String[] values = {k.v0, k.v1, k.v2, k.v3, k.v4};
    Counter.Builder b = Counter.builder(k.def.name).description(k.def.description);
    for (int i = 0; i < k.def.tagKeys.length; i++) {
      b.tag(k.def.tagKeys[i], values[i]);
    }
    return b.register(registry);
  }

  private <K, V> V cached(ConcurrentHashMap<K, V> map, K key, Function<K, V> create) {
    if (map.size() < MAX_CACHED) {
      return map.computeIfAbsent(key, create);
    }
    V v = map.get(key);
    // Micrometer returns the registered meter for an existing id, so an uncached lookup still counts correctly.
    return v != null ? v : create.apply(key);
  }

  private void removeAll(List<Meter> meters) {
    if (meters != null) {
      for (Meter m : meters) {
        registry.remove(m);
      }
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Tag values

  private static String upstream(Pipeline<?> pipeline, CallContext ctx) {
    String v = ctx == null ? null : ctx.upstream();
    if (v == null && pipeline != null) {
      v = pipeline.upstream();
    }
    return v == null ? NONE : v;
  }

  private static String domain(Pipeline<?> pipeline, CallContext ctx) {
    String v = ctx == null ? null : ctx.domain();
    if (v == null && pipeline != null) {
      v = pipeline.domain();
    }
    return v == null ? NONE : v;
  }

  private static String operation(CallContext ctx) {
    String v = ctx == null ? null : ctx.operation();
    return v == null ? NONE : v;
  }

  private static String outcome(ErrorCode code) {
    return code == null ? "success" : ERROR_TAGS[code.ordinal()];
  }

  private static String code(ErrorCode code) {
    return code == null ? NONE : ERROR_TAGS[code.ordinal()];
  }

  private static String state(CircuitState s) {
    return s == null ? NONE : STATE_TAGS[s.ordinal()];
  }

  private static String tag(String v) {
    return v == null ? NONE : v;
  }

  /** The breaker's upstream as a tag: a per-tenant breaker never puts its tenant into a tag. */
  static String breakerName(CircuitBreaker breaker) {
    return breaker == null ? NONE : tag(breaker.upstream());
  }

  /** Maps attempt numbers to a bounded set: a misconfigured max-attempts must not add one series per attempt. */
  static String attemptTag(int attempt) {
    return attempt <= 2 ? ATTEMPT_TAGS[0] : attempt >= 5 ? ATTEMPT_TAGS[3] : ATTEMPT_TAGS[attempt - 2];
  }

  /**
   * Normalises an internal-error location: core appends the failing object's name after " of " (for example "circuit
   * breaker listener of graph"), which would make one series per object, so that part is dropped; a class name (as in
   * "listener com.acme.Foo$$Lambda/0x1234") keeps only its simple name, without the per-run lambda suffix.
   */
  static String where(String where) {
    if (where == null || where.isBlank()) {
      return NONE;
    }
    String w = where;
    int of = w.indexOf(" of ");
    if (of >= 0) {
      w = w.substring(0, of);
    }
    StringBuilder sb = new StringBuilder();
    for (String token : w.trim().split("\\s+")) {
      int lambda = token.indexOf("$$");
      if (lambda >= 0) {
        token = token.substring(0, lambda);
      }
      int dot = token.lastIndexOf('.');
      if (dot >= 0 && dot < token.length() - 1) {
        token = token.substring(dot + 1);
      }
      sb.append(sb.length() == 0 ? "" : "_").append(token);
    }
    w = sb.toString().toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "_").replaceAll("^_+|_+$", "");
    if (w.length() > MAX_TAG_LENGTH) {
      w = w.substring(0, MAX_TAG_LENGTH);
    }
    return w.isEmpty() ? NONE : w;
  }

  private static String[] lowerNames(Enum<?>[] values) {
    String[] names = new String[values.length];
    for (Enum<?> v : values) {
      names[v.ordinal()] = v.name().toLowerCase(Locale.ROOT);
    }
    return names;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Keys

  /** The tags of one {@code breakwater.calls} series; a record so that equality and hashing come for free. */
  private record CallKey(String upstream, String domain, String operation, String outcome, String source) {}

  /** The counter and timers of one call series, found with a single lookup. */
  private record CallMeters(Counter calls, Timer duration, Timer added) {
    void record(long durationNanos) {
      calls.increment();
      duration.record(Math.max(0, durationNanos), TimeUnit.NANOSECONDS);
    }
  }

  /** The tags of one {@code breakwater.attempt.duration} series. */
  private record AttemptKey(String upstream, String domain, String operation, String outcome) {}

  /** The tags of one {@code breakwater.timeout.duration} series. */
  private record TimerKey(String scope, String upstream, String domain, String operation) {}

  /** One counter series: its definition (compared by identity) and up to five tag values in the definition's order. */
  private record CounterKey(CounterDef def, String v0, String v1, String v2, String v3, String v4) {}

  /** A counter's name, description and ordered tag keys. */
  private static final class CounterDef {
    final String name;
    final String description;
    final String[] tagKeys;

    CounterDef(String name, String description, String... tagKeys) {
      if (tagKeys.length > 5) {
        throw new IllegalArgumentException("at most 5 tags: " + name);
      }
      this.name = name;
      this.description = description;
      this.tagKeys = tagKeys;
    }
  }
}
