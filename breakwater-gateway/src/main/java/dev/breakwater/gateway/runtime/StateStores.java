package dev.breakwater.gateway.runtime;

import dev.breakwater.cache.CaffeineCacheStore;
import dev.breakwater.circuit.InMemoryBreakerFleetStore;
import dev.breakwater.control.ControlPlane;
import dev.breakwater.control.InMemoryControlStore;
import dev.breakwater.event.BreakwaterListener;
import dev.breakwater.event.Events;
import dev.breakwater.gateway.config.GatewayConfig;
import dev.breakwater.gateway.http.StoredResponseCodec;
import dev.breakwater.gateway.http.UpstreamResponse;
import dev.breakwater.idempotency.InMemoryIdempotencyStore;
import dev.breakwater.ratelimit.InMemoryRateLimitStore;
import dev.breakwater.redis.RedisState;
import dev.breakwater.spi.BreakerFleetStore;
import dev.breakwater.spi.CacheStore;
import dev.breakwater.spi.IdempotencyStore;
import dev.breakwater.spi.RateLimitStore;
import dev.breakwater.spi.ThrottleGateStore;
import dev.breakwater.throttle.InMemoryThrottleGateStore;
import dev.breakwater.time.TimeSource;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** State stores that outlive reloads, and the operators' control settings: in memory, or in Redis for a fleet. */
public final class StateStores implements AutoCloseable {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(StateStores.class);
  /** How often the fleet's settings are read again whole, in case an announcement was lost. */
  private static final Duration CONTROL_RESYNC = Duration.ofSeconds(30);
  /** How long a start waits for the fleet's settings before serving on the defaults. */
  private static final Duration CONTROL_LOAD_BOUND = Duration.ofSeconds(5);
  private final RedisState redis;
  private final RateLimitStore rateLimits;
  private final ThrottleGateStore gates;
  private final IdempotencyStore<UpstreamResponse> idempotency;
  private final CacheStore<UpstreamResponse> cache;
  private final BreakerFleetStore breakers;
  private final ControlPlane control;

  /** Opens the stores {@code config.state} asks for; {@code listeners} hear their signals. */
  public StateStores(GatewayConfig config, List<BreakwaterListener> listeners) {
    TimeSource time = TimeSource.system();
    // Registry evictions, near-capacity warnings, Redis fallbacks and decisions taken on local state reach /metrics.
    Events events = new Events(listeners);
    this.redis = config.state().redis().map(r -> RedisState.connect(r, time, listeners)).orElse(null);
    if (redis == null) {
      rateLimits = new InMemoryRateLimitStore(time, 100_000, Duration.ofMinutes(10), events);
      gates = new InMemoryThrottleGateStore(time, 100_000, events);
      idempotency = new InMemoryIdempotencyStore<>(time, 100_000);
      cache = new CaffeineCacheStore<>(time, 10_000);
      breakers = new InMemoryBreakerFleetStore(time);
    } else {
      rateLimits = redis.rateLimitStore();
      gates = redis.throttleGateStore();
      idempotency = redis.idempotencyStore(StoredResponseCodec.INSTANCE);
      cache = redis.cacheStore("gateway", StoredResponseCodec.INSTANCE, 10_000);
      breakers = redis.breakerFleetStore();
    }
    this.control = redis == null ? new ControlPlane(new InMemoryControlStore(), time)
        : new ControlPlane(redis.controlStore(), time);
    loadControls(redis == null ? null : CONTROL_RESYNC);
  }

  /**
   * Loads the operators' settings before the first request, so that a restarted replica starts in the fleet's state;
   * a Redis that does not answer now is not fatal (the settings arrive with its reconnect or the periodic resync).
   */
  private void loadControls(Duration resyncEvery) {
    try {
      control.start(resyncEvery).toCompletableFuture().get(CONTROL_LOAD_BOUND.toMillis(),
          java.util.concurrent.TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      LOG.warn("could not load the operators' control settings now ({}); starting on the defaults until the state "
          + "store answers", e.getCause() != null ? e.getCause().getMessage() : e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The rate-limit buckets. */
  public RateLimitStore rateLimits() {
    return rateLimits;
  }

  /** The throttle gates. */
  public ThrottleGateStore gates() {
    return gates;
  }

  /** The idempotency records. */
  public IdempotencyStore<UpstreamResponse> idempotency() {
    return idempotency;
  }

  /** The response cache. */
  public CacheStore<UpstreamResponse> cache() {
    return cache;
  }

  /** Where breakers with {@code fleet: true} meet the other replicas (this gateway alone without Redis). */
  public BreakerFleetStore breakers() {
    return breakers;
  }

  /** The settings operators and health rules control: outlives reloads, shared by the fleet with Redis. */
  public ControlPlane control() {
    return control;
  }

  /** Health of the shared state store: empty when it is fine (or in memory), else the reason. */
  public Optional<String> degraded() {
    if (redis == null) {
      return Optional.empty();
    }
    RedisState.Health h = redis.health();
    return h.degraded() ? Optional.of(h.detail()) : Optional.empty();
  }

  @Override
  public void close() {
    control.close();
    if (redis != null) {
      redis.close();
    }
  }
}
