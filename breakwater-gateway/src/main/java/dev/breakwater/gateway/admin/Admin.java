package dev.breakwater.gateway.admin;

import dev.breakwater.CallContext;
import dev.breakwater.CorrelationIds;
import dev.breakwater.ErrorCode;
import dev.breakwater.circuit.CircuitBreaker;
import dev.breakwater.control.BreakerMode;
import dev.breakwater.control.ControlKey;
import dev.breakwater.control.ControlKind;
import dev.breakwater.control.Setting;
import dev.breakwater.control.Target;
import dev.breakwater.gateway.cache.CacheFlush;
import dev.breakwater.gateway.config.AdminConfig;
import dev.breakwater.gateway.config.GatewayConfig;
import dev.breakwater.gateway.config.RouteConfig;
import dev.breakwater.gateway.http.JsonText;
import dev.breakwater.gateway.http.Problem;
import dev.breakwater.gateway.response.ProblemWriter;
import dev.breakwater.ratelimit.RateLimitConfig;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * The admin listener: health and metrics without a token (probes and scrapers), every control behind
 * {@code Authorization: Bearer <admin token>} compared in constant time; each change is logged with the token's name.
 *
 * <pre>
 * GET  /health/live | /health/ready | /metrics
 * GET  /admin/breakers                         breakers and their states
 * GET  /admin/gates                            closed throttle gates per upstream (tenant, seconds left)
 * GET  /admin/limits[?tenant=T[&amp;user=U]]       rate limits in force, their routes, and T's buckets' state
 * GET  /admin/slos                             this replica's error budgets: per SLO and SLI, burn rate per window
 * GET  /admin/upstreams                       endpoints, their health, the group in use, the failback step
 * GET|PUT|DELETE /admin/control[/{control}/{target}]   fleet-wide controls (see {@link ControlApi})
 * POST /admin/breakers/{upstream}/{open|close|reset}?config=NAME   shortcut for the breaker control
 * POST /admin/degradation?level=normal|degraded|read_only|cached_only|emergency|maintenance[&amp;upstream=U]
 *                                            shortcut for the degradation control
 * POST /admin/reload                           reload the config file; 422 with the problems if it is invalid
 * POST /admin/cache/flush?route=R[&amp;tenant=T] | ?tenant=T | ?version=V[&amp;tenant=T]   drop cached entries
 * GET  /admin/faults | POST /admin/faults | DELETE /admin/faults/{id}   fault drills (see {@link FaultsAdmin})
 * </pre>
 */
public final class Admin {
  private final AdminOps gateway;
  private final ControlApi control;
  private final FaultsAdmin faults;

  /** The admin API of {@code gateway}. */
  public Admin(AdminOps gateway) {
    this.gateway = gateway;
    this.control = new ControlApi(gateway);
    this.faults = new FaultsAdmin(gateway);
  }

  /** Handles one admin request. */
  public void handle(HttpServerRequest req) {
    String cid = CorrelationIds.correlationId();
    HttpServerResponse res = req.response();
    try {
      String path = req.path() == null ? "" : req.path();
      switch (path) {
        case "/health/live":
          json(res, 200, "{\"status\":\"UP\"}");
          return;
        case "/health/ready":
          ready(res);
          return;
        case "/metrics":
          res.putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8").end(gateway.scrapeMetrics());
          return;
        default:
          break;
      }
      String by = tokenName(req);
      if (by == null) {
        res.putHeader("WWW-Authenticate", "Bearer");
        ProblemWriter.reply(res, cid, Problem.render(ErrorCode.AUTH_REQUIRED, 401, "admin token required", -1, cid),
            false);
        return;
      }
      if (path.equals("/admin/breakers") && req.method() == HttpMethod.GET) {
        breakers(res);
      } else if (path.equals("/admin/gates") && req.method() == HttpMethod.GET) {
        gates(res);
      } else if (path.equals("/admin/slos") && req.method() == HttpMethod.GET) {
        json(res, 200, SloStatusJson.render(gateway.budgets().status()));
      } else if (path.equals("/admin/upstreams") && req.method() == HttpMethod.GET) {
        json(res, 200, UpstreamStatusJson.render(gateway.upstreamStatus()));
      } else if (path.equals("/admin/limits") && req.method() == HttpMethod.GET) {
        limits(res, req.getParam("tenant"), req.getParam("user"));
      } else if (path.equals("/admin/control") || path.startsWith("/admin/control/")) {
        control.handle(req, path.substring("/admin/control".length()), by, cid);
      } else if (path.startsWith("/admin/breakers/") && req.method() == HttpMethod.POST) {
        controlBreaker(req, res, cid, path.substring("/admin/breakers/".length()), by);
      } else if (path.equals("/admin/degradation") && req.method() == HttpMethod.POST) {
        degradation(req, res, cid, by);
      } else if (path.equals("/admin/cache/flush") && req.method() == HttpMethod.POST) {
        cacheFlush(req, res, cid);
      } else if (FaultsAdmin.handles(req.method(), path)) {
        faults.handle(req, res, cid);
      } else if (path.equals("/admin/reload") && req.method() == HttpMethod.POST) {
        req.response().setChunked(false);
        gatewayReload(res);
      } else {
        ProblemWriter.reply(res, cid, Problem.render(ErrorCode.INVALID_REQUEST, 404, "no admin endpoint "
            + req.method() + " " + path, -1, cid), false);
      }
    } catch (RuntimeException e) {
      ProblemWriter.reply(res, cid, Problem.render(ErrorCode.INVALID_REQUEST, 500, "admin call failed: " + e, -1, cid),
          false);
    }
  }

  /**
   * The name of the admin token the request carries, or null. Every token is compared, in constant time, whichever
   * matches: neither the time nor the path taken tells a caller how close a guess came, or which token it was near.
   */
  private String tokenName(HttpServerRequest req) {
    String h = req.getHeader("Authorization");
    if (h == null || !h.startsWith("Bearer ")) {
      return null;
    }
    byte[] given = h.substring(7).trim().getBytes(StandardCharsets.UTF_8);
    String name = null;
    for (AdminConfig.AdminToken t : gateway.config().admin().tokens()) {
      if (MessageDigest.isEqual(given, t.token().getBytes(StandardCharsets.UTF_8)) && name == null) {
        name = t.name();
      }
    }
    return name;
  }

  private void ready(HttpServerResponse res) {
    if (gateway.draining()) {
      json(res, 503, "{\"status\":\"DOWN\",\"detail\":\"draining\"}");
      return;
    }
    Optional<String> degraded = gateway.stateDegraded();
    // A degraded state store still serves (on local state): ready, with the detail for operators.
    json(res, 200, "{\"status\":\"UP\",\"detail\":\"" + degraded.orElse("ok").replace("\"", "'") + "\"}");
  }

  private void breakers(HttpServerResponse res) {
    StringBuilder sb = new StringBuilder("{\"breakers\":[");
    boolean first = true;
    for (Map.Entry<String, CircuitBreaker> e : gateway.engine().circuitBreakers().entrySet()) {
      CircuitBreaker b = e.getValue();
      sb.append(first ? "" : ",").append("{\"key\":\"").append(e.getKey()).append("\",\"name\":\"")
          .append(b.name()).append("\",\"state\":\"").append(b.state()).append("\",\"failureRate\":")
          .append(b.failureRate()).append('}');
      first = false;
    }
    json(res, 200, sb.append("]}").toString());
  }

  private void gates(HttpServerResponse res) {
    long now = System.currentTimeMillis();
    StringBuilder sb = new StringBuilder("{\"gates\":[");
    boolean first = true;
    for (String upstream : gateway.config().upstreams().keySet()) {
      for (Map.Entry<String, Long> g : gateway.closedGates(upstream).entrySet()) {
        sb.append(first ? "" : ",").append("{\"upstream\":").append(JsonText.quote(upstream))
            .append(",\"tenant\":").append(JsonText.quote(g.getKey()))
            .append(",\"retry_after_seconds\":").append(Math.max(0, (g.getValue() - now + 999) / 1000)).append('}');
        first = false;
      }
    }
    json(res, 200, sb.append("]}").toString());
  }

  /**
   * Every rate limit the routes apply, with its terms and routes; given a tenant (and user), what each of its buckets
   * has left, read from the state store (with Redis, the fleet's bucket; null where the store could not tell).
   */
  private void limits(HttpServerResponse res, String tenant, String user) {
    GatewayConfig config = gateway.config();
    Map<String, List<RouteConfig>> routesOf = new LinkedHashMap<>();
    for (RouteConfig r : config.routes()) {
      for (String name : r.rateLimits()) {
        routesOf.computeIfAbsent(name, k -> new ArrayList<>()).add(r);
      }
    }
    List<CompletableFuture<String>> entries = new ArrayList<>();
    for (Map.Entry<String, List<RouteConfig>> e : routesOf.entrySet()) {
      RateLimitConfig l = config.policies().rateLimit(e.getKey());
      StringBuilder head = new StringBuilder("{\"name\":").append(JsonText.quote(l.name()))
          .append(",\"scope\":\"").append(l.scope().name().toLowerCase(Locale.ROOT)).append('"')
          .append(",\"permits\":").append(l.permits()).append(",\"period_ms\":").append(l.period().toMillis())
          .append(",\"burst\":").append(l.burst()).append(",\"routes\":[");
      Set<String> keys = new LinkedHashSet<>();
      for (int i = 0; i < e.getValue().size(); i++) {
        RouteConfig r = e.getValue().get(i);
        head.append(i == 0 ? "" : ",").append(JsonText.quote(r.name()));
        if (tenant != null) {
          keys.add(l.scope().key(CallContext.builder().tenant(tenant).user(user).operation(r.operation()).build()));
        }
      }
      head.append(']');
      if (tenant == null) {
        entries.add(CompletableFuture.completedFuture(head.append('}').toString()));
        continue;
      }
      List<CompletableFuture<String>> buckets = new ArrayList<>();
      for (String key : keys) {
        buckets.add(gateway.inspect(l, key).toCompletableFuture().exceptionally(x -> null).thenApply(q ->
            "{\"key\":" + JsonText.quote(key) + ",\"parts\":" + parts(key)
                + ",\"remaining\":" + (q == null ? "null" : q.remaining())
                + ",\"reset_seconds\":" + (q == null ? "null" : q.resetSeconds()) + "}"));
      }
      entries.add(CompletableFuture.allOf(buckets.toArray(CompletableFuture[]::new)).thenApply(v -> head
          .append(",\"buckets\":[").append(String.join(",", buckets.stream().map(CompletableFuture::join)
              .toList())).append("]}").toString()));
    }
    CompletableFuture.allOf(entries.toArray(CompletableFuture[]::new)).whenComplete((v, x) -> json(res, 200,
        "{\"limits\":[" + String.join(",", entries.stream().map(CompletableFuture::join).toList()) + "]}"));
  }

  /** A bucket key's identity parts as a JSON array (the key itself is the store's encoding of them). */
  private static String parts(String key) {
    StringBuilder sb = new StringBuilder("[");
    for (String p : dev.breakwater.spi.StoreKeys.parts(key)) {
      sb.append(sb.length() == 1 ? "" : ",").append(p == null ? "null" : JsonText.quote(p));
    }
    return sb.append(']').toString();
  }

  /**
   * The breaker shortcuts, for the fleet: open and close force every breaker of the upstream (a control setting);
   * reset clears that setting and resets this replica's breaker.
   */
  private void controlBreaker(HttpServerRequest req, HttpServerResponse res, String cid, String rest, String by) {
    int slash = rest.lastIndexOf('/');
    String upstream = slash < 0 ? rest : rest.substring(0, slash);
    String action = slash < 0 ? "" : rest.substring(slash + 1);
    String config = Optional.ofNullable(req.getParam("config")).orElseGet(() -> gateway.config().upstreams()
        .getOrDefault(upstream, null) == null ? null : gateway.config().upstreams().get(upstream).circuitBreaker());
    if (config == null || !gateway.config().upstreams().containsKey(upstream)) {
      ProblemWriter.reply(res, cid, Problem.of(ErrorCode.INVALID_REQUEST, "upstream: \"" + upstream
          + "\" (expected: one of " + gateway.config().upstreams().keySet() + " with a circuit breaker)", -1, cid),
          false);
      return;
    }
    ControlKey key = ControlKey.of(ControlKind.BREAKER, Target.upstream(upstream));
    CircuitBreaker b = gateway.engine().circuitBreaker(upstream, config);
    java.util.function.Function<dev.breakwater.control.EffectiveSetting, String> body = e -> "{\"upstream\":"
        + JsonText.quote(upstream) + ",\"state\":\"" + b.state() + "\",\"control\":" + ControlApi.json(e) + "}";
    switch (action) {
      case "open":
        control.change(res, cid, key, by, "OPEN", c -> c.set(key, new Setting.Breaker(BreakerMode.OPEN), by, null),
            body);
        break;
      case "close":
        control.change(res, cid, key, by, "CLOSED", c -> c.set(key, new Setting.Breaker(BreakerMode.CLOSED), by,
            null), body);
        break;
      case "reset":
        control.change(res, cid, key, by, "none", c -> c.clear(key, by).thenApply(e -> {
          b.reset();
          return e;
        }), body);
        break;
      default:
        ProblemWriter.reply(res, cid, Problem.of(ErrorCode.INVALID_REQUEST, "action: \"" + action
            + "\" (expected: open, close or reset)", -1, cid), false);
    }
  }

  /** The degradation shortcut: sets the level of every upstream, or of one, for the fleet. */
  private void degradation(HttpServerRequest req, HttpServerResponse res, String cid, String by) {
    String level = req.getParam("level");
    Setting d;
    ControlKey key;
    try {
      d = ControlKind.DEGRADATION.parse(level);
      String upstream = req.getParam("upstream");
      key = ControlKey.of(ControlKind.DEGRADATION, upstream == null ? Target.global()
          : control.target("upstream:" + upstream));
    } catch (IllegalArgumentException e) {
      ProblemWriter.reply(res, cid, Problem.of(ErrorCode.INVALID_REQUEST, e.getMessage().replace("degradation:",
          "level:"), -1, cid), false);
      return;
    }
    control.change(res, cid, key, by, d.text(), c -> c.set(key, d, by, null));
  }

  /** Drops the selected cache entries everywhere, answering how many keys were removed. */
  private void cacheFlush(HttpServerRequest req, HttpServerResponse res, String cid) {
    CacheFlush flush = gateway.cacheFlush();
    CacheFlush.Selection s = new CacheFlush.Selection(req.getParam("route"), req.getParam("tenant"),
        req.getParam("version"));
    String problem = flush.problem(s);
    if (problem != null) {
      ProblemWriter.reply(res, cid, Problem.of(ErrorCode.INVALID_REQUEST, problem, -1, cid), false);
      return;
    }
    io.vertx.core.Context here = io.vertx.core.Vertx.currentContext();
    // With Redis the count arrives on a client thread: answer on the admin request's own loop.
    flush.flush(s).whenComplete((n, e) -> here.runOnContext(v -> {
      if (e != null) {
        ProblemWriter.reply(res, cid, Problem.render(ErrorCode.INVALID_REQUEST, 500, "cache flush failed: "
            + (e.getCause() != null ? e.getCause().getMessage() : e.getMessage()), -1, cid), false);
        return;
      }
      json(res, 200, "{\"route\":" + quoteOrNull(s.route()) + ",\"tenant\":" + quoteOrNull(s.tenant())
          + ",\"version\":" + quoteOrNull(s.version()) + ",\"keys_removed\":" + n + "}");
    }));
  }

  private static String quoteOrNull(String s) {
    return s == null ? "null" : JsonText.quote(s);
  }

  private void gatewayReload(HttpServerResponse res) {
    List<String> problems = gateway.reload();
    if (problems.isEmpty()) {
      json(res, 200, "{\"reloaded\":true}");
      return;
    }
    StringBuilder sb = new StringBuilder("{\"reloaded\":false,\"problems\":[");
    for (int i = 0; i < problems.size(); i++) {
      sb.append(i == 0 ? "" : ",").append(JsonText.quote(problems.get(i)));
    }
    json(res, 422, sb.append("]}").toString());
  }

  /** Answers with a JSON body. */
  static void json(HttpServerResponse res, int status, String body) {
    res.setStatusCode(status).putHeader("Content-Type", "application/json").end(body);
  }
}
