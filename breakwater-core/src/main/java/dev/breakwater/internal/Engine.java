package dev.breakwater.internal;

import dev.breakwater.Degradation;
import dev.breakwater.bulkhead.Bulkhead;
import dev.breakwater.bulkhead.BulkheadConfig;
import dev.breakwater.cache.CaffeineCacheStore;
import dev.breakwater.circuit.CircuitBreaker;
import dev.breakwater.circuit.CircuitBreakerConfig;
import dev.breakwater.circuit.InMemoryBreakerFleetStore;
import dev.breakwater.circuit.CircuitState;
import dev.breakwater.config.Policies;
import dev.breakwater.control.BreakerMode;
import dev.breakwater.control.ControlChange;
import dev.breakwater.control.ControlKey;
import dev.breakwater.control.ControlKind;
import dev.breakwater.control.ControlPlane;
import dev.breakwater.control.Setting;
import dev.breakwater.control.Target;
import dev.breakwater.event.BreakwaterListener;
import dev.breakwater.event.Events;
import dev.breakwater.idempotency.InMemoryIdempotencyStore;
import dev.breakwater.ratelimit.InMemoryRateLimitStore;
import dev.breakwater.retry.RetryBudget;
import dev.breakwater.retry.RetryBudgetConfig;
import dev.breakwater.spi.BreakerFleetStore;
import dev.breakwater.spi.CacheStore;
import dev.breakwater.spi.ContextCarrier;
import dev.breakwater.spi.IdempotencyStore;
import dev.breakwater.spi.RateLimitStore;
import dev.breakwater.spi.ThrottleGateStore;
import dev.breakwater.throttle.InMemoryThrottleGateStore;
import dev.breakwater.time.TimeSource;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.DoubleSupplier;

/**
 * The state one engine shares between its pipelines: time, listeners, stores, and the registries of breakers,
 * bulkheads and retry budgets. Upstream- and domain-scoped instances are keyed by configured names and live in plain
 * maps; instances keyed by caller-supplied ids (tenants) live in bounded registries.
 */
public final class Engine {
  /** Who the settings made through the engine's own API are by, in logs and the admin API. */
  private static final String API = "api";
  /** Settings for an engine. */
  public static final class Settings {
    public TimeSource time = TimeSource.system();
    public Executor executor = java.util.concurrent.ForkJoinPool.commonPool();
    public DoubleSupplier jitter = () -> java.util.concurrent.ThreadLocalRandom.current().nextDouble();
    public Policies policies = Policies.defaults();
    public List<BreakwaterListener> listeners = new java.util.ArrayList<>();
    public List<ContextCarrier> contextCarriers = new java.util.ArrayList<>();
    public RateLimitStore rateLimitStore;
    public ThrottleGateStore throttleGateStore;
    public IdempotencyStore<Object> idempotencyStore;
    public CacheStore<Object> cacheStore;
    /** Where fleet-aware breakers meet the other replicas; in memory (this engine alone) by default. */
    public BreakerFleetStore breakerFleetStore;
    public long registryCapacity = 100_000;
    public Duration registryIdle = Duration.ofMinutes(10);
    public long cacheCapacity = 100_000;
    /** The operators' and health rules' settings; by default the replaced engine's, else a fresh in-memory one. */
    public ControlPlane control;
    /** An engine this one replaces (a reload), whose state carries over where the configuration did not change. */
    public Engine previous;
  }

  public final TimeSource time;
  public final Executor executor;
  public final DoubleSupplier jitter;
  public final Policies policies;
  public final Events events;
  public final RateLimitStore rateLimitStore;
  public final ThrottleGateStore throttleGateStore;
  public final IdempotencyStore<Object> idempotencyStore;
  public final CacheStore<Object> cacheStore;
  public final long registryCapacity;
  public final Duration registryIdle;
  /** Carries the caller's context across an asynchronous call's thread hops, or null when none is configured. */
  public final ContextCarrier contextCarrier;
  /** The settings in force: degradation levels, forced breakers, kill switch and rollout; outlives reloads. */
  public final ControlPlane control;

  private final Map<Scoped, CircuitBreaker> breakers = new ConcurrentHashMap<>();
  private final Map<Scoped, TenantBreakers> tenantBreakers = new ConcurrentHashMap<>();
  private final Map<Scoped, Bulkhead> bulkheads = new ConcurrentHashMap<>();
  private final Map<Scoped, RetryBudget> budgets = new ConcurrentHashMap<>();
  private final java.util.function.Consumer<ControlChange> controlListener = this::onControlChange;
  // Where breaker transitions are reported: shared with the engines that replace this one, so that a breaker carried
  // over a reload reports to the listeners of the engine in force.
  private final AtomicReference<Events> transitions;
  private final FleetBreakers fleet;

  /** Creates an engine from settings. */
  public Engine(Settings s) {
    this.time = s.time;
    this.executor = s.executor;
    this.jitter = s.jitter;
    this.policies = s.policies;
    List<BreakwaterListener> all = new java.util.ArrayList<>();
    all.add(new LoggingListener());
    all.addAll(s.listeners);
    this.events = new Events(all);
    List<ContextCarrier> carriers = new java.util.ArrayList<>(s.contextCarriers);
    for (BreakwaterListener l : s.listeners) {
      if (l instanceof ContextCarrier c && !carriers.contains(c)) {
        carriers.add(c);
      }
    }
    this.contextCarrier = ContextCarriers.of(carriers);
    this.registryCapacity = s.registryCapacity;
    this.registryIdle = s.registryIdle;
    this.rateLimitStore = s.rateLimitStore != null ? s.rateLimitStore
        : new InMemoryRateLimitStore(time, s.registryCapacity, s.registryIdle, events);
    this.throttleGateStore = s.throttleGateStore != null ? s.throttleGateStore
        : new InMemoryThrottleGateStore(time, s.registryCapacity, events);
    this.idempotencyStore = s.idempotencyStore != null ? s.idempotencyStore
        : new InMemoryIdempotencyStore<>(time, s.registryCapacity);
    this.cacheStore = s.cacheStore != null ? s.cacheStore : new CaffeineCacheStore<>(time, s.cacheCapacity);
    this.transitions = s.previous != null ? s.previous.transitions : new AtomicReference<>();
    transitions.set(events);
    BreakerFleetStore fleetStore = s.breakerFleetStore;
    this.fleet = s.previous != null && (fleetStore == null || fleetStore == s.previous.fleet.store())
        ? s.previous.fleet : new FleetBreakers(fleetStore != null ? fleetStore
            : new InMemoryBreakerFleetStore(time), time);
    this.control = s.control != null ? s.control : s.previous != null ? s.previous.control
        : ControlPlane.inMemory(time);
    if (s.previous != null) {
      s.previous.control.removeListener(s.previous.controlListener);
      carryOver(s.previous);
    }
    fleet.serve(this);
    control.addListener(controlListener);
  }

  /** Tells the listeners of a control change, and forces (or releases) the breakers of an upstream. */
  private void onControlChange(ControlChange change) {
    events.emit(l -> l.onControlChange(change));
    if (change.key().kind() == ControlKind.BREAKER) {
      String upstream = change.key().target().name();
      BreakerMode mode = control.breaker(upstream);
      breakers.values().forEach(b -> {
        if (b.upstream().equals(upstream)) {
          force(b, mode);
        }
      });
      tenantBreakers.forEach((key, r) -> {
        if (key.scope().equals(upstream)) {
          r.registry().view().values().forEach(b -> force(b, mode));
        }
      });
    }
  }

  /** Puts a breaker in the operator's mode; no mode releases a forced breaker (one disabled by config stays so). */
  private static void force(CircuitBreaker b, BreakerMode mode) {
    if (mode == null) {
      CircuitState s = b.state();
      if (b.config().enabled() && (s == CircuitState.FORCED_OPEN || s == CircuitState.FORCED_CLOSED
          || s == CircuitState.DISABLED)) {
        b.reset();
      }
      return;
    }
    switch (mode) {
      case OPEN:
        b.forceOpen();
        break;
      case CLOSED:
        b.forceClosed();
        break;
      default:
        b.disable();
    }
  }

  /**
   * Takes over the state of the engine this one replaces. Operator settings always carry over (the control plane is
   * shared, and forced breaker states are kept even when the breaker's config changed); a breaker, a registry of
   * per-tenant breakers or a retry budget carries over whole (windows, open state, spent budget) when its config is
   * unchanged; a bulkhead always carries over, resized in place when its limit changed, so the permits of calls in flight stay
   * counted. State under a config name that no longer exists is dropped.
   */
  private void carryOver(Engine old) {
    old.breakers.forEach((key, b) -> {
      CircuitBreakerConfig c = existing(() -> policies.circuitBreaker(key.config()));
      if (c == null) {
        return;
      }
      if (c.equals(b.config())) {
        breakers.put(key, b);
        events.emit(l -> l.onCircuitBreakerCreated(b));
      } else {
        CircuitBreaker fresh = newBreaker(b.upstream(), b.tenant(), key.config(), c);
        fresh.takeOperatorStateFrom(b);
        breakers.put(key, fresh);
      }
    });
    old.tenantBreakers.forEach((key, r) -> {
      if (r.config().equals(existing(() -> policies.circuitBreaker(key.config())))) {
        tenantBreakers.put(key, r);
      }
    });
    old.bulkheads.forEach((key, b) -> {
      BulkheadConfig c = existing(() -> policies.bulkhead(key.config()));
      if (c == null) {
        return;
      }
      if (!c.equals(b.config())) {
        b.reconfigure(c);
      }
      bulkheads.put(key, b);
      events.emit(l -> l.onBulkheadCreated(b));
    });
    old.budgets.forEach((key, budget) -> {
      dev.breakwater.retry.RetryConfig c = existing(() -> policies.retry(key.config()));
      if (c != null && budget.config().equals(c.budget())) {
        budgets.put(key, budget);
      }
    });
  }

  /** What an upstream- or domain-scoped instance is keyed by: its scope and the name of its config. */
  private record Scoped(String scope, String config) {}

  private static <C> C existing(java.util.function.Supplier<C> lookup) {
    try {
      return lookup.get();
    } catch (dev.breakwater.config.ConfigException e) {
      return null;
    }
  }

  /** The breaker of an upstream under a named config. */
  public CircuitBreaker breaker(String upstream, String configName) {
    Scoped key = new Scoped(upstream, configName);
    CircuitBreaker b = breakers.get(key);
    return b != null ? b : breakers.computeIfAbsent(key, k -> newBreaker(upstream, null, configName,
        policies.circuitBreaker(configName)));
  }

  /**
   * The fleet-aware breaker a change heard from another replica applies to, made if this replica has not called the
   * upstream yet; null when the config is unknown here or not fleet-aware.
   */
  CircuitBreaker fleetBreaker(String upstream, String tenant, String configName) {
    CircuitBreakerConfig c = existing(() -> policies.circuitBreaker(configName));
    if (c == null || !c.fleet()) {
      return null;
    }
    return tenant == null ? breaker(upstream, configName) : tenantBreakers(upstream, configName).get(tenant);
  }

  /** The registry of per-tenant breakers of an upstream under a named config. */
  public KeyedRegistry<CircuitBreaker> tenantBreakers(String upstream, String configName) {
    Scoped key = new Scoped(upstream, configName);
    TenantBreakers r = tenantBreakers.get(key);
    if (r != null) {
      return r.registry();
    }
    CircuitBreakerConfig c = policies.circuitBreaker(configName);
    return tenantBreakers.computeIfAbsent(key, k -> new TenantBreakers(new KeyedRegistry<>("breakers:" + upstream,
        registryCapacity, registryIdle, tenant -> newBreaker(upstream, tenant, configName, c), time, events), c))
        .registry();
  }

  /** The per-tenant breakers of one upstream, all made with {@code config}. */
  private record TenantBreakers(KeyedRegistry<CircuitBreaker> registry, CircuitBreakerConfig config) {}

  private CircuitBreaker newBreaker(String upstream, String tenant, String configName, CircuitBreakerConfig c) {
    CircuitBreaker b = new CircuitBreaker(upstream, tenant, c, time, events::internalError);
    if (c.fleet()) {
      fleet.attach(b, configName);
    }
    b.addListener((breaker, from, to, reason) -> {
      Events now = transitions.get();
      if (now.active()) {
        now.emit(l -> l.onCircuitTransition(breaker, from, to, reason));
      }
    });
    BreakerMode forced = control.breaker(upstream);
    if (forced != null) {
      force(b, forced);
    }
    events.emit(l -> l.onCircuitBreakerCreated(b));
    return b;
  }

  /** The bulkhead of a domain's read or write pool under a named config. */
  public Bulkhead bulkhead(String domain, boolean write, String configName) {
    Scoped key = new Scoped(domain + (write ? ":write" : ":read"), configName);
    Bulkhead b = bulkheads.get(key);
    if (b != null) {
      return b;
    }
    BulkheadConfig c = policies.bulkhead(configName);
    return bulkheads.computeIfAbsent(key, k -> {
      // The config name is part of the name: two configs in one domain are two pools, and two metric series.
      Bulkhead nb = new Bulkhead(domain + (write ? ":write:" : ":read:") + configName, c, time);
      events.emit(l -> l.onBulkheadCreated(nb));
      return nb;
    });
  }

  /** The retry budget of an upstream under a named retry config. */
  public RetryBudget budget(String upstream, String retryName, RetryBudgetConfig c) {
    return budgets.computeIfAbsent(new Scoped(upstream, retryName), k -> new RetryBudget(c));
  }

  /** Every breaker, for admin listings. */
  public Map<String, CircuitBreaker> breakers() {
    return display(breakers);
  }

  /** Every bulkhead, for admin listings. */
  public Map<String, Bulkhead> bulkheads() {
    return display(bulkheads);
  }

  /** A snapshot keyed {@code scope|config}, sorted, for listings (nothing parses these keys). */
  private static <V> Map<String, V> display(Map<Scoped, V> map) {
    Map<String, V> out = new java.util.TreeMap<>();
    map.forEach((k, v) -> out.put(k.scope() + '|' + k.config(), v));
    return java.util.Collections.unmodifiableMap(out);
  }

  /** The degradation level for an upstream: its own if set, else the global one. */
  public Degradation degradation(String upstream) {
    return control.level(null, upstream);
  }

  /** Sets the global degradation level, as an operator through the engine's API. */
  public void setDegradation(Degradation d) {
    control.set(ControlKey.of(ControlKind.DEGRADATION, Target.global()), new Setting.Level(d), API, null);
  }

  /** Sets an upstream's own degradation level; {@code null} returns it to the global one. */
  public void setDegradation(String upstream, Degradation d) {
    ControlKey key = ControlKey.of(ControlKind.DEGRADATION, Target.upstream(upstream));
    if (d == null) {
      control.clear(key, API);
    } else {
      control.set(key, new Setting.Level(d), API, null);
    }
  }
}
