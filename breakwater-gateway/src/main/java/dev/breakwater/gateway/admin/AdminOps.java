package dev.breakwater.gateway.admin;

import dev.breakwater.Breakwater;
import dev.breakwater.control.ControlPlane;
import dev.breakwater.gateway.cache.CacheFlush;
import dev.breakwater.gateway.config.GatewayConfig;
import dev.breakwater.gateway.fault.FaultDrills;
import dev.breakwater.gateway.slo.BudgetTracker;
import dev.breakwater.ratelimit.RateLimitConfig;
import dev.breakwater.ratelimit.RateLimitQuota;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/** What the admin listener needs of a running gateway: its config, engine controls, state, reload and metrics. */
public interface AdminOps {
  /** The configuration in force. */
  GatewayConfig config();

  /** The engine in force (for operators' controls). */
  Breakwater engine();

  /** The settings operators control (degradation, forced breakers, kill switch, rollout), shared by the fleet. */
  ControlPlane control();

  /** The throttle gates closed now for an upstream: tenant to the epoch millis it reopens. */
  Map<String, Long> closedGates(String upstream);

  /** What a rate-limit bucket has left, read from the state store (with Redis, the fleet's bucket). */
  CompletionStage<RateLimitQuota> inspect(RateLimitConfig limit, String key);

  /** Health of the shared state store: empty when it is fine (or in memory), else the reason. */
  Optional<String> stateDegraded();

  /** Whether the gateway is draining for shutdown. */
  boolean draining();

  /** Loads the config file again; the problems, empty when the new config took over. */
  List<String> reload();

  /** The operators' cache flush over the routes in force. */
  CacheFlush cacheFlush();

  /** This replica's run-time error budgets, for {@code /admin/slos}. */
  BudgetTracker budgets();

  /** Every upstream's endpoints, their health and the group in use, for {@code /admin/upstreams}. */
  Map<String, dev.breakwater.gateway.upstream.balance.SelectorStatus> upstreamStatus();

  /** The fault drills in force, the file's and the operators'. */
  FaultDrills faultDrills();

  /** The metrics in the Prometheus text format, for {@code /metrics}. */
  String scrapeMetrics();
}
