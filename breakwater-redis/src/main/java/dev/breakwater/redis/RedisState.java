package dev.breakwater.redis;

import dev.breakwater.cache.CaffeineCacheStore;
import dev.breakwater.event.BreakwaterListener;
import dev.breakwater.event.Events;
import dev.breakwater.idempotency.InMemoryIdempotencyStore;
import dev.breakwater.ratelimit.InMemoryRateLimitStore;
import dev.breakwater.redis.internal.RedisBreakerFleetStore;
import dev.breakwater.redis.internal.RedisCacheStore;
import dev.breakwater.redis.internal.RedisConnector;
import dev.breakwater.redis.internal.RedisControlStore;
import dev.breakwater.redis.internal.RedisGuard;
import dev.breakwater.redis.internal.RedisIdempotencyStore;
import dev.breakwater.redis.internal.RedisRateLimitStore;
import dev.breakwater.redis.internal.RedisThrottleGateStore;
import dev.breakwater.redis.internal.WarmUp;
import dev.breakwater.spi.BreakerFleetStore;
import dev.breakwater.spi.CacheStore;
import dev.breakwater.spi.ControlStore;
import dev.breakwater.spi.IdempotencyStore;
import dev.breakwater.spi.RateLimitStore;
import dev.breakwater.spi.ThrottleGateStore;
import dev.breakwater.throttle.InMemoryThrottleGateStore;
import dev.breakwater.time.Cancellable;
import dev.breakwater.time.TimeSource;
import io.lettuce.core.ScriptOutputType;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A fleet's shared state in Redis: hand its stores to {@code Breakwater.builder()} (rate limits, throttle gates,
 * fleet-aware breakers) and to pipelines (idempotency, cache, typed by a {@link ValueCodec}). Every store falls back
 * to local state while Redis is unreachable and returns to Redis by itself; {@link #health()} tells which it is on.
 *
 * <pre>{@code
 * RedisState redis = RedisState.connect(RedisStateConfig.standalone("redis://127.0.0.1:6380"));
 * Breakwater bw = Breakwater.builder().rateLimitStore(redis.rateLimitStore())
 *     .throttleGateStore(redis.throttleGateStore()).breakerFleetStore(redis.breakerFleetStore()).build();
 * }</pre>
 */
public final class RedisState implements AutoCloseable {
  private static final RedisConnectorScripts SCRIPTS = new RedisConnectorScripts();

  private final RedisStateConfig config;
  private final TimeSource time;
  private final Events events;
  private final RedisConnector redis;
  private final RedisGuard guard;
  private final RedisRateLimitStore rateLimits;
  private final RedisThrottleGateStore gates;
  private final RedisBreakerFleetStore breakers;
  private final RedisControlStore control;
  private final String instanceId = UUID.randomUUID().toString();
  private final AtomicInteger liveInstances = new AtomicInteger(1);
  private volatile Cancellable heartbeat = Cancellable.NONE;
  private volatile boolean closed;

  private RedisState(RedisStateConfig config, TimeSource time, List<BreakwaterListener> listeners) {
    this.config = config;
    this.time = time;
    this.events = new Events(listeners);
    this.redis = new RedisConnector(config);
    this.guard = new RedisGuard(config, time, events);
    Duration idle = Duration.ofMinutes(10);
    this.rateLimits = new RedisRateLimitStore(redis, guard, new InMemoryRateLimitStore(time, 100_000, idle, events),
        liveInstances::get, config, time);
    this.gates = new RedisThrottleGateStore(redis, guard, new InMemoryThrottleGateStore(time, 100_000, events), time);
    this.breakers = new RedisBreakerFleetStore(redis, guard, time);
    this.control = new RedisControlStore(redis, guard);
    // Before the first decision: a cold first command can outlast the command timeout (and a keyed write is refused).
    List<RedisConnector.Script> scripts = new java.util.ArrayList<>(RedisControlStore.scripts());
    scripts.add(SCRIPTS.heartbeat);
    WarmUp.run(redis, scripts, warmUpBound(config));
    beat();
  }

  /** How long {@link #connect} waits for a warm connection: long enough for a cold start, short for a Redis down. */
  private static Duration warmUpBound(RedisStateConfig config) {
    return Duration.ofMillis(Math.max(2_000, config.commandTimeout().toMillis() * 20));
  }

  /**
   * Connects with the real clock; a Redis that is down now is not an error (the stores start on local state). Returns
   * once the connection answers with its scripts loaded (at most 2 s, or 20 command timeouts, when it does not).
   */
  public static RedisState connect(RedisStateConfig config) {
    return connect(config, TimeSource.system(), List.of());
  }

  /** Connects with the given clock and listeners (told when the state falls back to local and comes back). */
  public static RedisState connect(RedisStateConfig config, TimeSource time, List<BreakwaterListener> listeners) {
    return new RedisState(config, time, listeners);
  }

  /** Rate limits decided in Redis, several limits in one round trip. */
  public RateLimitStore rateLimitStore() {
    return rateLimits;
  }

  /** Throttle gates shared by the fleet. */
  public ThrottleGateStore throttleGateStore() {
    return gates;
  }

  /**
   * Where fleet-aware circuit breakers meet: openings and closings published to every instance, half-open rounds
   * claimed by one instance.
   */
  public BreakerFleetStore breakerFleetStore() {
    return breakers;
  }

  /**
   * Operator settings (degradation levels, forced breakers, kill switch, rollout) shared by the fleet and kept across
   * restarts; hand it to a {@code ControlPlane}. Writes are refused while Redis does not answer.
   */
  public ControlStore controlStore() {
    return control;
  }

  /** Idempotency records in Redis, values encoded by {@code codec}. */
  public <V> IdempotencyStore<V> idempotencyStore(ValueCodec<V> codec) {
    return new RedisIdempotencyStore<>(redis, guard, new InMemoryIdempotencyStore<>(time, 100_000), codec, config,
        time);
  }

  /**
   * A two-level cache named {@code name} (L1 of at most {@code l1Entries} in this process, L2 in Redis), values
   * encoded by {@code codec}; invalidations reach every instance's L1.
   */
  public <V> CacheStore<V> cacheStore(String name, ValueCodec<V> codec, long l1Entries) {
    return new RedisCacheStore<>(redis, guard, new CaffeineCacheStore<>(time, l1Entries), codec, time,
        config.maxCacheValueBytes(), name);
  }

  /** Whether the stores run on Redis or on local fallback state, and why. */
  public Health health() {
    boolean down = guard.degraded();
    boolean refusing = guard.refusedRecently();
    String detail = down ? "state store degraded: " + guard.lastFailure()
        : refusing ? "state store degraded: idempotency store did not answer in time; keyed writes refused ("
            + guard.lastFailure() + ")" : "redis reachable";
    if (down && guard.refusals() > 0) {
      detail += "; keyed writes refused while it does not answer";
    }
    return new Health(down || refusing, detail, guard.degradedDecisions(), liveInstances.get(), guard.refusals());
  }

  /** Reloads every open throttle gate from Redis; completes with how many were found. */
  public java.util.concurrent.CompletionStage<Integer> resyncGates() {
    return gates.resync();
  }

  /**
   * The health of the state store.
   *
   * @param degraded           whether decisions are taken on local state, or keyed writes were refused recently
   *                           because Redis did not answer in time
   * @param detail             a human-readable reason
   * @param degradedDecisions  decisions taken on local state since start
   * @param liveInstances      instances seen alive in the last heartbeats
   * @param refusedDecisions   decisions refused since start because Redis did not answer (keyed writes under the
   *                           default {@code whenStoreUnavailable: REFUSE})
   */
  public record Health(boolean degraded, String detail, long degradedDecisions, int liveInstances,
      long refusedDecisions) {}

  private void beat() {
    if (closed) {
      return;
    }
    long live = config.heartbeat().toMillis() * 3;
    guard.fireAndForget(() -> redis.<Long>eval(SCRIPTS.heartbeat, ScriptOutputType.INTEGER,
        new String[] {config.keyPrefix() + ":instances"}, instanceId.getBytes(StandardCharsets.US_ASCII),
        Long.toString(live).getBytes(StandardCharsets.US_ASCII)).thenAccept(n -> {
          if (n != null && n > 0) {
            liveInstances.set((int) (long) n);
          }
        }), "heartbeat");
    heartbeat = time.schedule(this::beat, config.heartbeat());
  }

  @Override
  public void close() {
    closed = true;
    heartbeat.cancel();
    redis.close();
  }

  /** Holds the scripts the facade runs itself. */
  private static final class RedisConnectorScripts {
    final RedisConnector.Script heartbeat = RedisConnector.Script.resource("heartbeat.lua");
  }
}
