package dev.breakwater.gateway;

import dev.breakwater.Breakwater;
import dev.breakwater.gateway.admin.Admin;
import dev.breakwater.gateway.admin.AdminOps;
import dev.breakwater.gateway.cache.CacheFlush;
import dev.breakwater.gateway.config.ConfigLoader;
import dev.breakwater.gateway.config.ConfigProblems;
import dev.breakwater.gateway.config.GatewayConfig;
import dev.breakwater.gateway.fault.FaultDrills;
import dev.breakwater.gateway.fault.FaultInjector;
import dev.breakwater.gateway.intake.ClientConnections;
import dev.breakwater.gateway.intake.IntakeServer;
import dev.breakwater.gateway.internal.EventLoops;
import dev.breakwater.gateway.proxy.ProxyHandler;
import dev.breakwater.gateway.runtime.RouteRuntime;
import dev.breakwater.gateway.tracing.GatewayTracing;
import dev.breakwater.gateway.runtime.StateStores;
import dev.breakwater.gateway.health.GatewaySignals;
import dev.breakwater.gateway.health.HealthRules;
import dev.breakwater.gateway.health.UpstreamCallRates;
import dev.breakwater.gateway.health.Webhook;
import dev.breakwater.micrometer.BreakwaterMetrics;
import dev.breakwater.ratelimit.RateLimitConfig;
import dev.breakwater.ratelimit.RateLimitQuota;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sidecar gateway: an HTTP proxy on Vert.x that sends every request through the Breakwater pipeline of its route,
 * and an admin listener (token-protected controls, health, Prometheus metrics) on its own port. A reload swaps the
 * routes, policies and upstream clients atomically; state stores (rate limits, gates, idempotency, cache) survive it.
 * This class is the lifecycle (start, listen, reload, drain, close); each request goes through
 * {@link dev.breakwater.gateway.proxy.ProxyHandler}, on the {@link RouteRuntime} in force.
 */
public final class Gateway implements AutoCloseable, AdminOps {
  private static final Logger LOG = LoggerFactory.getLogger(Gateway.class);

  private final Vertx vertx;
  private final boolean ownsVertx;
  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  // One metrics listener for the gateway's life: the stores outlive reloads and report through it too. Its bucket
  // boundaries include every SLO latency threshold of the starting config, so that the generated rules read an exact
  // bucket; a threshold added by a reload needs a restart (histogram boundaries are fixed when a meter is made).
  private final BreakwaterMetrics metrics;
  private final StateStores stores;
  // Run-time error budgets: like the metrics listener, one for the gateway's life, re-configured by each runtime.
  private final dev.breakwater.gateway.slo.BudgetTracker budgets =
      new dev.breakwater.gateway.slo.BudgetTracker(dev.breakwater.time.TimeSource.system());
  private final AtomicReference<RouteRuntime> runtime = new AtomicReference<>();
  // Each upstream's recent failed and slow attempts, and the rules that read them with the other signals.
  private final UpstreamCallRates callRates = new UpstreamCallRates(dev.breakwater.time.TimeSource.system());
  private final HealthRules health;
  private final Webhook webhook;
  // Callers that left before their answer was written: counted, not logged as errors.
  private final io.micrometer.core.instrument.Counter clientsGone = registry.counter("breakwater.gateway.clients.gone");
  private final ProxyHandler proxy;
  // Endpoint health, ejections and failback state: like the stores, one for the gateway's life, kept by reloads.
  private final dev.breakwater.gateway.upstream.EndpointMonitors monitors;
  // Drills outlive reloads: an operator's keeps running, the file's are re-armed by each load.
  private final FaultDrills drills = new FaultDrills(dev.breakwater.time.TimeSource.system());
  // Read at start: a reload keeps the exporter, its endpoint and its sampler (docs/configuration.md, tracing).
  private final GatewayTracing tracing;
  private final List<HttpServer> servers = new java.util.ArrayList<>();
  private HttpServer adminServer;
  private long watchTimer = -1;
  private long drillTimer = -1;

  private Gateway(Vertx vertx, boolean ownsVertx, GatewayConfig config, GatewayTracing tracing) {
    this.vertx = vertx;
    this.ownsVertx = ownsVertx;
    this.tracing = tracing;
    this.metrics = new BreakwaterMetrics(registry, config.latencyThresholds());
    this.stores = new StateStores(config, List.of(metrics));
    dev.breakwater.gateway.internal.BudgetGauges.publish(registry, budgets);
    this.monitors = new dev.breakwater.gateway.upstream.EndpointMonitors(vertx, registry);
    this.proxy = new ProxyHandler(runtime, vertx, clientsGone::increment, tracing.openTelemetry(),
        new FaultInjector(drills, dev.breakwater.gateway.internal.EventLoopTime.create(), registry));
    drills.configure(config.faults());
    try {
      this.runtime.set(new RouteRuntime(config, vertx, stores, metrics, budgets, null, tracing.listener(),
          callRates, monitors));
      // Every later engine takes this one's control plane over: the operators' drills follow it for good.
      drills.follow(runtime.get().engine().controlPlane());
    } catch (RuntimeException e) {
      monitors.close();
      stores.close();
      tracing.close();
      throw e;
    }
    this.webhook = config.health().webhook() == null ? null : new Webhook(vertx, config.health().webhook());
    this.health = new HealthRules(stores.control(), new GatewaySignals(this::engine, stores::degraded, callRates,
        budgets, monitors::status), dev.breakwater.time.TimeSource.system(), webhook, java.util.concurrent.ForkJoinPool.commonPool());
    configureHealth(config);
  }

  /** Hands a config's health rules to the evaluator, and their slow-call thresholds to the call rates. */
  private void configureHealth(GatewayConfig config) {
    java.util.Map<String, long[]> slow = new java.util.HashMap<>();
    for (dev.breakwater.gateway.config.HealthConfig.Rule r : config.health().rules()) {
      if (r.slowerThan() != null) {
        slow.merge(r.upstream(), new long[] {r.slowerThan().toNanos()}, (a, b) -> java.util.stream.LongStream
            .concat(java.util.Arrays.stream(a), java.util.Arrays.stream(b)).distinct().toArray());
      }
    }
    callRates.watchSlowCalls(slow);
    health.configure(config.health());
  }

  /** Starts a gateway on its own Vert.x instance and waits until both listeners are bound. */
  public static Gateway start(GatewayConfig config) {
    return start(config, GatewayTracing.of(config.tracing()));
  }

  // With tracing given rather than built from the config: tests hand in an in-memory exporter.
  static Gateway start(GatewayConfig config, GatewayTracing tracing) {
    Vertx vertx = Vertx.vertx();
    try {
      return start(vertx, true, config, tracing);
    } catch (RuntimeException e) {
      vertx.close();
      throw e;
    }
  }

  private static Gateway start(Vertx vertx, boolean owns, GatewayConfig config, GatewayTracing tracing) {
    Gateway g = new Gateway(vertx, owns, config, tracing);
    try {
      g.listen().toCompletionStage().toCompletableFuture().join();
    } catch (RuntimeException e) {
      // A gateway that never served must not leave its Redis connection behind: its heartbeat would count it as a
      // live instance, and every other instance would shrink its share of a limit during a Redis outage.
      g.abandon();
      Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null
          ? e.getCause() : e;
      throw new IllegalStateException("the gateway could not listen on " + config.server().host() + ":"
          + config.server().port() + " or admin port " + config.admin().port() + ": " + cause.getMessage(), cause);
    }
    LOG.info("breakwater gateway listening on http://{}:{} (admin on port {}), {} routes, state {}",
        config.server().host(), g.port(), g.adminPort(), config.routes().size(), config.state().backend());
    return g;
  }

  private Future<Void> listen() {
    GatewayConfig c = runtime.get().config();
    HttpServerOptions options = new HttpServerOptions()
        .setHost(c.server().host())
        // Port 0 becomes -1: Vert.x's "one random port shared by every server asking for -1", so that the servers
        // of all event loops end up on the same ephemeral port.
        .setPort(c.server().port() == 0 ? -1 : c.server().port())
        .setMaxHeaderSize(c.server().maxHeaderBytes())
        .setMaxInitialLineLength(8192)
        .setCompressionSupported(false)
        .setIdleTimeout((int) Math.min(Integer.MAX_VALUE, c.server().idleTimeout().toMillis()))
        .setIdleTimeoutUnit(java.util.concurrent.TimeUnit.MILLISECONDS);
    // One bound for all event loops' listeners: a client's connections are spread over them.
    ClientConnections perClient = new ClientConnections(c.server().maxConnectionsPerClient());
    adminServer = vertx.createHttpServer(new HttpServerOptions().setHost(c.admin().host())
        .setPort(c.admin().port())).requestHandler(new Admin(this)::handle);
    // One listener per event loop on the same port, each in a verticle instance of its own (so on an event loop of
    // its own): Vert.x spreads accepted connections over them, and the proxy uses every core.
    return vertx.deployVerticle(() -> new io.vertx.core.AbstractVerticle() {
      @Override
      public void start(Promise<Void> started) {
        HttpServer s = IntakeServer.create(vertx, options, c.server().requestHeadTimeout(), perClient)
            .requestHandler(proxy::handle)
            .invalidRequestHandler(proxy::invalidRequest);
        s.listen().onSuccess(bound -> {
          synchronized (servers) {
            servers.add(bound);
          }
          started.complete();
        }).onFailure(started::fail);
      }
    }, new io.vertx.core.DeploymentOptions().setInstances(EventLoops.COUNT))
        .compose(id -> adminServer.listen())
        // A drill's end is logged within a second of its expiry even when no call comes to notice it.
        .onSuccess(x -> drillTimer = vertx.setPeriodic(1000, t -> drills.expire()))
        .mapEmpty();
  }

  /** The proxy's bound port. */
  public int port() {
    synchronized (servers) {
      return servers.get(0).actualPort();
    }
  }

  /** The admin listener's bound port. */
  public int adminPort() {
    return adminServer.actualPort();
  }

  /** The configuration in force. */
  @Override
  public GatewayConfig config() {
    return runtime.get().config();
  }

  /** The engine in force (for operators' controls). */
  @Override
  public Breakwater engine() {
    return runtime.get().engine();
  }

  /** The metrics behind {@code /metrics}, in the Prometheus text format. */
  @Override
  public CacheFlush cacheFlush() {
    return runtime.get().cacheFlush();
  }

  @Override
  public dev.breakwater.gateway.slo.BudgetTracker budgets() {
    return budgets;
  }

  @Override
  public Map<String, dev.breakwater.gateway.upstream.balance.SelectorStatus> upstreamStatus() {
    return monitors.status();
  }

  @Override
  public FaultDrills faultDrills() {
    return drills;
  }

  @Override
  public String scrapeMetrics() {
    return registry.scrape();
  }

  /** The operators' and health rules' settings, shared by the fleet with Redis; outlives reloads. */
  @Override
  public dev.breakwater.control.ControlPlane control() {
    return stores.control();
  }

  /** Health of the shared state store: empty when it is fine (or in memory), else the reason. */
  @Override
  public Optional<String> stateDegraded() {
    return stores.degraded();
  }

  /** The throttle gates closed now for an upstream: tenant to the epoch millis it reopens. */
  @Override
  public Map<String, Long> closedGates(String upstream) {
    return stores.gates().closedGates(upstream);
  }

  /** What a rate-limit bucket has left, read from the state store (with Redis, the fleet's bucket). */
  @Override
  public CompletionStage<RateLimitQuota> inspect(RateLimitConfig limit, String key) {
    return stores.rateLimits().inspect(limit, key);
  }

  /** Whether the gateway is draining for shutdown. */
  @Override
  public boolean draining() {
    return proxy.draining();
  }

  /** How many calls are in flight (from the body read to the last byte of the answer). */
  int inFlight() {
    return proxy.inFlight();
  }

  /**
   * Loads the config file again; a file that fails validation is rejected and the running config keeps serving.
   * Returns the problems, empty when the new config took over.
   */
  @Override
  public synchronized List<String> reload() {
    GatewayConfig current = runtime.get().config();
    GatewayConfig next;
    try {
      next = ConfigLoader.load(current.source());
    } catch (ConfigProblems e) {
      LOG.warn("reload rejected, the running config keeps serving:\n{}", e.getMessage());
      return e.problems().stream().map(Object::toString).toList();
    } catch (RuntimeException e) {
      LOG.warn("reload rejected, the running config keeps serving: {}", e.toString());
      return List.of(current.source() + ": " + e.getMessage());
    }
    // The new engine takes over the old one's state (breakers, budgets, bulkhead permits in flight, operator
    // settings) wherever the config did not change: saving the file must not reset what the fleet has learnt.
    RouteRuntime old = runtime.getAndSet(new RouteRuntime(next, vertx, stores, metrics, budgets,
        runtime.get().engine(), tracing.listener(), callRates, monitors));
    configureHealth(next);
    // Calls in flight finish on the clients they started with; close those once they can have drained.
    vertx.setTimer(Math.max(1000, next.server().drainTimeout().toMillis()), t -> old.close());
    drills.configure(next.faults());
    LOG.info("reloaded {}: {} routes", next.source(), next.routes().size());
    return List.of();
  }

  /** Reloads whenever the config file's modification time changes (checked every {@code period}). */
  public void watchConfigFile(Duration period) {
    java.nio.file.Path file = runtime.get().config().source();
    if (file == null) {
      return;
    }
    long[] last = {lastModified(file)};
    watchTimer = vertx.setPeriodic(period.toMillis(), t -> vertx.executeBlocking(() -> {
      long m = lastModified(file);
      if (m != last[0]) {
        last[0] = m;
        reload();
      }
      return null;
    }, false));
  }

  private static long lastModified(java.nio.file.Path file) {
    try {
      return java.nio.file.Files.getLastModifiedTime(file).toMillis();
    } catch (java.io.IOException e) {
      return -1;
    }
  }

  /** Releases what a start that failed had opened: listeners already bound, pipelines, state stores. */
  private void abandon() {
    List<HttpServer> bound;
    synchronized (servers) {
      bound = List.copyOf(servers);
    }
    for (HttpServer s : bound) {
      s.close();
    }
    if (adminServer != null) {
      adminServer.close();
    }
    runtime.get().close();
    monitors.close();
    if (health != null) {
      health.close();
    }
    stores.close();
    tracing.close();
  }

  /**
   * Drains, then closes everything: new requests are answered 503 {@code MAINTENANCE} (and {@code /health/ready} says
   * so) while the calls in flight finish, for up to the drain timeout; then the listeners close. They close last
   * because closing a Vert.x server also closes its open connections, and with them the calls still on them.
   */
  @Override
  public void close() {
    proxy.drain();
    if (watchTimer >= 0) {
      vertx.cancelTimer(watchTimer);
    }
    if (drillTimer >= 0) {
      vertx.cancelTimer(drillTimer);
    }
    long deadline = System.nanoTime() + runtime.get().config().server().drainTimeout().toNanos();
    try {
      while (proxy.inFlight() > 0 && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      if (proxy.inFlight() > 0) {
        LOG.warn("drain timeout passed with {} calls in flight; closing anyway", proxy.inFlight());
      }
      List<HttpServer> all;
      synchronized (servers) {
        all = List.copyOf(servers);
      }
      for (HttpServer s : all) {
        s.close().toCompletionStage().toCompletableFuture().join();
      }
      adminServer.close().toCompletionStage().toCompletableFuture().join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      health.close();
      if (webhook != null) {
        webhook.close();
      }
      runtime.get().close();
      monitors.close();
      stores.close();
      tracing.close(); // after the drain: the last answers' spans are exported too
      if (ownsVertx) {
        vertx.close().toCompletionStage().toCompletableFuture().join();
      }
    }
  }

}
