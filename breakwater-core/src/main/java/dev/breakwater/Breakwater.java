package dev.breakwater;

import dev.breakwater.bulkhead.Bulkhead;
import dev.breakwater.circuit.CircuitBreaker;
import dev.breakwater.classify.Classifier;
import dev.breakwater.config.Checks;
import dev.breakwater.config.PipelineConfig;
import dev.breakwater.config.Policies;
import dev.breakwater.control.ControlPlane;
import dev.breakwater.event.BreakwaterListener;
import dev.breakwater.fallback.Fallback;
import dev.breakwater.internal.Engine;
import dev.breakwater.internal.pipeline.DefaultPipeline;
import dev.breakwater.spi.BreakerFleetStore;
import dev.breakwater.spi.CacheStore;
import dev.breakwater.spi.ContextCarrier;
import dev.breakwater.spi.IdempotencyStore;
import dev.breakwater.spi.RateLimitStore;
import dev.breakwater.spi.ThrottleGateStore;
import dev.breakwater.time.TimeSource;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.function.BiConsumer;
import java.util.function.DoubleSupplier;

/**
 * The engine: shared policy configs, state stores, listeners and the registries of breakers and bulkheads, from
 * which {@link Pipeline}s are built. One engine per process is the usual shape; it is thread-safe.
 *
 * <pre>{@code
 * Breakwater bw = Breakwater.builder().policies(Policies.defaults()).build();
 * Pipeline<String> graph = bw.pipeline(PipelineConfig.named("graph-mail").withUpstream("graph")
 *     .withTimeout("default").withRetry("default").withCircuitBreaker("default")).build();
 * String body = graph.execute(CallContext.read("contoso", "list-messages"), () -> client.get(url));
 * }</pre>
 */
public final class Breakwater {
  private final Engine engine;

  private Breakwater(Engine engine) {
    this.engine = engine;
  }

  /** Starts an engine with the real clock, in-memory stores and {@link Policies#defaults()}. */
  public static Builder builder() {
    return new Builder();
  }

  /** Starts a pipeline whose values are checked by the default classifier (exceptions only). */
  public <T> PipelineBuilder<T> pipeline(PipelineConfig config) {
    return new PipelineBuilder<>(engine, config);
  }

  /** The circuit breakers made so far, by upstream and config name. */
  public Map<String, CircuitBreaker> circuitBreakers() {
    return engine.breakers();
  }

  /** The bulkheads made so far, by domain, pool and config name. */
  public Map<String, Bulkhead> bulkheads() {
    return engine.bulkheads();
  }

  /** The breaker of an upstream under a named config, created if needed (for operators: force open or closed). */
  public CircuitBreaker circuitBreaker(String upstream, String configName) {
    return engine.breaker(upstream, configName);
  }

  /** Sets the degradation level of every upstream that has none of its own. */
  public void setDegradation(Degradation level) {
    engine.setDegradation(Objects.requireNonNull(level, "level"));
  }

  /** Sets an upstream's own degradation level; {@code null} returns it to the global one. */
  public void setDegradation(String upstream, Degradation level) {
    engine.setDegradation(Objects.requireNonNull(upstream, "upstream"), level);
  }

  /** The settings in force (degradation, forced breakers, kill switch, rollout): read them, or change them. */
  public ControlPlane controlPlane() {
    return engine.control;
  }

  /** The degradation level in force for an upstream. */
  public Degradation degradation(String upstream) {
    return engine.degradation(upstream);
  }

  /** The rate-limit store in use. */
  public RateLimitStore rateLimitStore() {
    return engine.rateLimitStore;
  }

  /** The throttle-gate store in use. */
  public ThrottleGateStore throttleGateStore() {
    return engine.throttleGateStore;
  }

  /** Builds a {@link Breakwater}. */
  public static final class Builder {
    private final Engine.Settings s = new Engine.Settings();

    private Builder() {}

    /** The clock and scheduler; {@link TimeSource#system()} unless a test gives a virtual one. */
    public Builder timeSource(TimeSource time) {
      s.time = Objects.requireNonNull(time, "time");
      return this;
    }

    /** Where asynchronous continuations (retries after a wait, bulkhead grants) run; the common pool by default. */
    public Builder executor(Executor executor) {
      s.executor = Objects.requireNonNull(executor, "executor");
      return this;
    }

    /** The source of uniform [0, 1) numbers for backoff jitter; tests pass a fixed one. */
    public Builder jitter(DoubleSupplier jitter) {
      s.jitter = Objects.requireNonNull(jitter, "jitter");
      return this;
    }

    /** The named policy configs pipelines refer to. */
    public Builder policies(Policies policies) {
      s.policies = Objects.requireNonNull(policies, "policies");
      return this;
    }

    /** Adds a listener told of every engine decision. */
    public Builder listener(BreakwaterListener listener) {
      s.listeners.add(Objects.requireNonNull(listener, "listener"));
      return this;
    }

    /**
     * Carries the caller's context (a trace span, a logging context) across the thread hops of asynchronous calls.
     * A listener that implements {@link ContextCarrier} is used without this call.
     */
    public Builder contextCarrier(ContextCarrier carrier) {
      s.contextCarriers.add(Objects.requireNonNull(carrier, "carrier"));
      return this;
    }

    /** Where rate limits live; in memory by default. */
    public Builder rateLimitStore(RateLimitStore store) {
      s.rateLimitStore = store;
      return this;
    }

    /** Where upstream throttle gates live; in memory by default. */
    public Builder throttleGateStore(ThrottleGateStore store) {
      s.throttleGateStore = store;
      return this;
    }

    /** Where fleet-aware circuit breakers meet the other replicas; in memory (this instance alone) by default. */
    public Builder breakerFleetStore(BreakerFleetStore store) {
      s.breakerFleetStore = store;
      return this;
    }

    /** Where idempotency records of every pipeline without its own store live; in memory by default. */
    public Builder idempotencyStore(IdempotencyStore<Object> store) {
      s.idempotencyStore = store;
      return this;
    }

    /** Where cached values of every pipeline without its own store live; Caffeine by default. */
    public Builder cacheStore(CacheStore<Object> store) {
      s.cacheStore = store;
      return this;
    }

    /** The most keys (tenants, users) each per-key registry holds, and how long an idle key is kept. */
    public Builder registryBounds(long capacity, Duration idle) {
      s.registryCapacity = Checks.atLeast("registryCapacity", capacity, 1);
      s.registryIdle = Checks.positive("registryIdle", idle);
      return this;
    }

    /**
     * Makes the engine a replacement of {@code previous} (a configuration reload): operator settings carry over, and
     * so does the state of every breaker, per-tenant breaker registry and retry budget whose config did not change;
     * bulkheads carry over with the permits of calls in flight, resized in place when their limit changed, so a
     * bulkhead never admits more than its limit across the switch. Pipelines built on {@code previous} keep running
     * the calls they hold; new calls should go to pipelines of the new engine.
     */
    public Builder replacing(Breakwater previous) {
      s.previous = Objects.requireNonNull(previous, "previous").engine;
      return this;
    }

    /**
     * The settings operators and health rules control (degradation levels, forced breakers, kill switch, rollout),
     * usually over a shared {@link dev.breakwater.spi.ControlStore}; by default the replaced engine's, else a fresh
     * in-memory one.
     */
    public Builder controlPlane(ControlPlane control) {
      s.control = Objects.requireNonNull(control, "control");
      return this;
    }

    /** Builds the engine. */
    public Breakwater build() {
      return new Breakwater(new Engine(s));
    }
  }

  /**
   * Builds a pipeline: the config names its policies; the builder adds what only code can give (classifier,
   * fallback, dead-letter hook, stores typed to the value).
   *
   * @param <T> the type of the calls' values
   */
  public static final class PipelineBuilder<T> {
    private final Engine engine;
    private final PipelineConfig config;
    private Classifier<T> classifier = Classifier.exceptions();
    private Fallback<T> fallback;
    private BiConsumer<CallContext, BreakwaterException> deadLetter;
    private IdempotencyStore<T> idempotencyStore;
    private CacheStore<T> cacheStore;
    private java.util.function.Predicate<? super T> cacheable = v -> true;

    private PipelineBuilder(Engine engine, PipelineConfig config) {
      this.engine = engine;
      this.config = Objects.requireNonNull(config, "config");
    }

    /** How values and exceptions are judged; {@link Classifier#exceptions()} by default. */
    public PipelineBuilder<T> classifier(Classifier<T> classifier) {
      this.classifier = Objects.requireNonNull(classifier, "classifier");
      return this;
    }

    /** What a failed call answers instead (for the codes in the config's {@code fallbackOn}). */
    public PipelineBuilder<T> fallback(Fallback<T> fallback) {
      this.fallback = fallback;
      return this;
    }

    /** Called once when a call fails after its retries ran out, so that the caller can dead-letter it. */
    public PipelineBuilder<T> onRetriesExhausted(BiConsumer<CallContext, BreakwaterException> hook) {
      this.deadLetter = hook;
      return this;
    }

    /** This pipeline's own idempotency store (for example one with a codec for its value type). */
    public PipelineBuilder<T> idempotencyStore(IdempotencyStore<T> store) {
      this.idempotencyStore = store;
      return this;
    }

    /** This pipeline's own cache store. */
    public PipelineBuilder<T> cacheStore(CacheStore<T> store) {
      this.cacheStore = store;
      return this;
    }

    /** Which successful values may be cached (for example not HTTP responses marked {@code no-store}). */
    public PipelineBuilder<T> cacheable(java.util.function.Predicate<? super T> cacheable) {
      this.cacheable = Objects.requireNonNull(cacheable, "cacheable");
      return this;
    }

    /** Builds the pipeline; a policy name that does not exist fails here, naming the pipeline and the choices. */
    public Pipeline<T> build() {
      return new DefaultPipeline<>(engine, config, classifier, fallback, deadLetter, idempotencyStore, cacheStore,
          cacheable);
    }
  }
}
