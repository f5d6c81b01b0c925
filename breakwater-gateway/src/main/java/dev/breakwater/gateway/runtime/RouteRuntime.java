package dev.breakwater.gateway.runtime;

import dev.breakwater.Breakwater;
import dev.breakwater.Pipeline;
import dev.breakwater.classify.HttpClassifier;
import dev.breakwater.event.BreakwaterListener;
import dev.breakwater.gateway.cache.CacheFlush;
import dev.breakwater.gateway.cache.RouteCaches;
import dev.breakwater.gateway.cache.WriteInvalidation;
import dev.breakwater.gateway.config.GatewayConfig;
import dev.breakwater.gateway.config.RouteConfig;
import dev.breakwater.gateway.config.UpstreamConfig;
import dev.breakwater.gateway.http.RateLimitFields;
import dev.breakwater.gateway.http.UnknownOutcome;
import dev.breakwater.gateway.http.UpstreamResponse;
import dev.breakwater.gateway.identity.JwtVerifier;
import dev.breakwater.gateway.internal.EventLoopTime;
import dev.breakwater.gateway.internal.RequestMeters;
import dev.breakwater.gateway.slo.BudgetTracker;
import dev.breakwater.gateway.upstream.EndpointMonitors;
import dev.breakwater.gateway.upstream.UpstreamClients;
import dev.breakwater.gateway.upstream.balance.EndpointSelector;
import dev.breakwater.idempotency.IdempotencyConfig;
import dev.breakwater.micrometer.BreakwaterMetrics;
import dev.breakwater.time.TimeSource;
import io.vertx.core.Vertx;
import java.util.HashMap;
import java.util.Map;

/** Routes, pipelines and upstream clients of one config; replaced whole on reload. */
public final class RouteRuntime {
  private static final EventLoopTime TIME = EventLoopTime.create();

  private final GatewayConfig config;
  private final StateStores stores;
  private final Breakwater engine;
  private final Map<String, Pipeline<UpstreamResponse>> pipelines = new HashMap<>();
  private final Map<String, Pipeline<UpstreamResponse>> uncachedPipelines = new HashMap<>();
  private final RequestMeters requestMeters;
  private final Map<String, UpstreamClients> upstreams = new HashMap<>();
  private final JwtVerifier jwt;
  private final Map<String, String> rateLimitPolicies = new HashMap<>();
  /** Each route's overall deadline in millis (absent: none), by which the gateway answers whatever happens. */
  private final Map<String, Long> deadlineMillis = new HashMap<>();
  private final WriteInvalidation invalidation;
  private final CacheFlush cacheFlush;

  /**
   * Builds the engine, pipelines and upstream clients of {@code config} on {@code stores}; with a {@code previous}
   * engine (on reload), the new one takes over its state; {@code budgets} (the gateway's, outliving reloads) takes the
   * config's objectives and listens to the new engine; {@code tracing} is the tracing listener, null when tracing is
   * off; {@code callRates} (the gateway's) counts each upstream's attempts for the health rules; {@code monitors}
   * (the gateway's, outliving reloads) hands out each upstream's endpoint selector.
   */
  public RouteRuntime(GatewayConfig config, Vertx vertx, StateStores stores, BreakwaterMetrics metrics,
      BudgetTracker budgets, Breakwater previous, BreakwaterListener tracing, BreakwaterListener callRates,
      EndpointMonitors monitors) {
    this.config = config;
    budgets.configure(config);
    this.stores = stores;
    RouteCaches caches = new RouteCaches(config);
    this.invalidation = new WriteInvalidation(caches, stores.cache(), metrics.registry());
    this.cacheFlush = new CacheFlush(caches, stores.cache(), metrics.registry());
    this.jwt = config.identity().jwt().map(j -> new JwtVerifier(j, System::currentTimeMillis)).orElse(null);
    // A route may share its cache entries between a tenant's users although its cache policy is private: it gets
    // a shared variant of that policy under a derived name.
    dev.breakwater.config.Policies.Builder policies = config.policies().toBuilder();
    Map<String, String> cacheOf = new HashMap<>();
    for (RouteConfig r : config.routes()) {
      if (r.cache() != null && r.cacheShared() && !config.policies().cache(r.cache()).shared()) {
        String shared = r.cache() + "~shared";
        policies.cache(shared, config.policies().cache(r.cache()).withShared(true));
        cacheOf.put(r.name(), shared);
      }
    }
    Breakwater.Builder engineBuilder = Breakwater.builder();
    if (previous != null) {
      engineBuilder.replacing(previous);
    }
    if (tracing != null) {
      engineBuilder.listener(tracing);
    }
    this.engine = engineBuilder
        .timeSource(TIME)
        .executor(TIME)
        .policies(policies.build())
        .listener(metrics)
        .listener(budgets)
        .listener(callRates)
        .rateLimitStore(stores.rateLimits())
        .throttleGateStore(stores.gates())
        .breakerFleetStore(stores.breakers())
        .controlPlane(stores.control())
        .build();
    HttpClassifier<UpstreamResponse> classifier = new HttpClassifier<>(UpstreamResponse::status,
        UpstreamResponse::header, TimeSource.system());
    Map<String, EndpointSelector> selectors = monitors.configure(config.upstreams().values());
    for (UpstreamConfig u : config.upstreams().values()) {
      upstreams.put(u.name(), new UpstreamClients(vertx, u, selectors.get(u.name()), stores.control()::shard));
    }
    for (RouteConfig r : config.routes()) {
      StringBuilder policy = new StringBuilder();
      for (String name : r.rateLimits()) {
        dev.breakwater.ratelimit.RateLimitConfig l = config.policies().rateLimit(name);
        policy.append(policy.length() == 0 ? "" : ", ").append(RateLimitFields.policyItem(name, l.permits(),
            l.period()));
      }
      rateLimitPolicies.put(r.name(), policy.toString());
      String timeout = config.pipelineConfig(r).timeout();
      dev.breakwater.config.TimeoutConfig tc = timeout == null ? null : config.policies().timeout(timeout);
      if (tc != null && tc.enabled()) {
        deadlineMillis.put(r.name(), tc.deadline().toMillis());
      }
      pipelines.put(r.name(), engine.<UpstreamResponse>pipeline(config.pipelineConfig(r)
              .withCache(cacheOf.getOrDefault(r.name(), r.cache()))).classifier(classifier)
          .idempotencyStore(stores.idempotency()).unknownOutcome(UnknownOutcome::answer).cacheStore(stores.cache())
          .cacheable(UpstreamResponse::cacheable).build());
      uncachedPipelines.put(r.name(), engine.<UpstreamResponse>pipeline(config.pipelineConfig(r).withCache(null))
          .classifier(classifier).idempotencyStore(stores.idempotency()).unknownOutcome(UnknownOutcome::answer)
          .build());
    }
    this.requestMeters = new RequestMeters(metrics, pipelines.keySet());
  }

  /** The configuration this runtime was built from. */
  public GatewayConfig config() {
    return config;
  }

  /** What a route's successful writes invalidate in the cache. */
  public WriteInvalidation invalidation() {
    return invalidation;
  }

  /** The operators' cache flush over the routes of this config. */
  public CacheFlush cacheFlush() {
    return cacheFlush;
  }

  /** The state stores (the gateway's, shared by every runtime). */
  public StateStores stores() {
    return stores;
  }

  /** The engine of this config. */
  public Breakwater engine() {
    return engine;
  }

  /** The JWT verifier, or null when identity comes from headers. */
  public JwtVerifier jwt() {
    return jwt;
  }

  /** A route's pipeline, with its cache (if any). */
  public Pipeline<UpstreamResponse> pipeline(String route) {
    return pipelines.get(route);
  }

  /** A route's pipeline without a cache: for credentialed calls on routes that do not cache them. */
  public Pipeline<UpstreamResponse> uncachedPipeline(String route) {
    return uncachedPipelines.get(route);
  }

  /** The per-request meters, by route and arm. */
  public RequestMeters requestMeters() {
    return requestMeters;
  }

  /** The clients of an upstream. */
  public UpstreamClients upstream(String name) {
    return upstreams.get(name);
  }

  /** A route's {@code RateLimit-Policy} header value (empty when it has no rate limit). */
  public String rateLimitPolicy(String route) {
    return rateLimitPolicies.get(route);
  }

  /** A route's overall deadline in millis, 0 when it has none. */
  public long deadlineMillis(String route) {
    return deadlineMillis.getOrDefault(route, 0L);
  }

  /** The route's idempotency policy, or null when it has none. */
  public IdempotencyConfig idempotencyOf(RouteConfig r) {
    return r.idempotency() == null ? null : config.policies().idempotency(r.idempotency());
  }

  /** Closes the upstream clients (calls in flight on them fail). */
  public void close() {
    upstreams.values().forEach(UpstreamClients::close);
  }
}
