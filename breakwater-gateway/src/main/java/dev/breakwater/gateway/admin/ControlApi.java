package dev.breakwater.gateway.admin;

import dev.breakwater.BreakwaterException;
import dev.breakwater.ErrorCode;
import dev.breakwater.config.Durations;
import dev.breakwater.control.ControlKey;
import dev.breakwater.control.ControlKind;
import dev.breakwater.control.EffectiveSetting;
import dev.breakwater.control.Setting;
import dev.breakwater.control.Target;
import dev.breakwater.gateway.config.GatewayConfig;
import dev.breakwater.gateway.http.JsonText;
import dev.breakwater.gateway.http.Problem;
import dev.breakwater.gateway.response.ProblemWriter;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The control endpoints: read every setting in force with its source, set one (optionally lapsing) or clear one, for
 * the whole fleet. Each change is written to the audit log once, here, with the admin token's name.
 *
 * <pre>
 * GET    /admin/control                      every control in force: value, source, who, expiry
 * GET    /admin/control/{control}/{target}   one
 * PUT    /admin/control/{control}/{target}   {"value": ..., "expires_in": "10m"}
 * DELETE /admin/control/{control}/{target}   back to the health rules or the default
 * </pre>
 * {@code control} is {@code degradation}, {@code breaker}, {@code enabled} or {@code rollout}; {@code target} is
 * {@code global}, {@code upstream:NAME} or {@code route:NAME}, percent-encoded (route names may hold spaces).
 */
final class ControlApi {
  private static final Logger AUDIT = LoggerFactory.getLogger("dev.breakwater.admin.audit");
  private static final int MAX_BODY_BYTES = 4096;
  private static final Set<String> BODY_FIELDS = Set.of("value", "expires_in");

  private final AdminOps gateway;

  ControlApi(AdminOps gateway) {
    this.gateway = gateway;
  }

  /** Handles a request under {@code /admin/control}; {@code rest} is the path after it, {@code by} the token's name. */
  void handle(HttpServerRequest req, String rest, String by, String cid) {
    HttpServerResponse res = req.response();
    if (rest.isEmpty() && req.method() == HttpMethod.GET) {
      Admin.json(res, 200, list(gateway.control().effectiveAll()));
      return;
    }
    ControlKey key;
    try {
      key = key(rest);
    } catch (IllegalArgumentException e) {
      invalid(res, cid, e.getMessage());
      return;
    }
    if (req.method() == HttpMethod.GET) {
      Admin.json(res, 200, json(gateway.control().effective(key)));
    } else if (req.method() == HttpMethod.DELETE) {
      change(res, cid, key, by, "cleared", c -> c.clear(key, by));
    } else if (req.method() == HttpMethod.PUT) {
      req.body().onComplete(b -> {
        if (b.failed()) {
          invalid(res, cid, "the request body could not be read");
          return;
        }
        put(res, cid, key, by, b.result());
      });
    } else {
      ProblemWriter.reply(res, cid, Problem.render(ErrorCode.INVALID_REQUEST, 405, "method " + req.method()
          + " (expected: GET, PUT or DELETE on /admin/control/{control}/{target})", -1, cid), false);
    }
  }

  private void put(HttpServerResponse res, String cid, ControlKey key, String by, Buffer body) {
    Setting setting;
    Duration expiresIn;
    try {
      if (body.length() > MAX_BODY_BYTES) {
        throw new IllegalArgumentException("a body of " + body.length() + " bytes (expected: at most "
            + MAX_BODY_BYTES + ")");
      }
      JsonObject o = object(body);
      for (String f : o.fieldNames()) {
        if (!BODY_FIELDS.contains(f)) {
          throw new IllegalArgumentException("unknown field " + JsonText.quote(f) + " (expected: value and, "
              + "optionally, expires_in)");
        }
      }
      Object value = o.getValue("value");
      if (value == null || !(value instanceof String || value instanceof Number || value instanceof Boolean)) {
        throw new IllegalArgumentException("value: " + (value == null ? "missing" : "not a string, number or "
            + "boolean") + " (expected: " + key.kind().expected() + ")");
      }
      setting = key.kind().parse(String.valueOf(value));
      expiresIn = expiresIn(o.getValue("expires_in"));
    } catch (IllegalArgumentException e) {
      invalid(res, cid, e.getMessage());
      return;
    }
    change(res, cid, key, by, setting.text(), c -> c.set(key, setting, by, expiresIn));
  }

  private static JsonObject object(Buffer body) {
    if (body.length() == 0) {
      throw new IllegalArgumentException("no body (expected: a JSON object such as {\"value\": \"read_only\"})");
    }
    try {
      return new JsonObject(body);
    } catch (DecodeException | ClassCastException e) {
      throw new IllegalArgumentException("the body is not a JSON object (expected: a JSON object such as "
          + "{\"value\": \"read_only\", \"expires_in\": \"30m\"})");
    }
  }

  private static Duration expiresIn(Object v) {
    if (v == null) {
      return null;
    }
    Duration d = v instanceof String s ? Durations.parse(s) : null;
    if (d == null || d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException("expires_in: " + (v instanceof String s ? JsonText.quote(s) : v)
          + " (expected: a positive " + Durations.EXPECTED.substring(2) + ")");
    }
    return d;
  }

  /**
   * Makes a change through the control plane and answers with the value now in force; the audit line says what
   * changed, from what, to what, and by which token.
   */
  void change(HttpServerResponse res, String cid, ControlKey key, String by, String to,
      Function<dev.breakwater.control.ControlPlane, CompletionStage<EffectiveSetting>> change) {
    change(res, cid, key, by, to, change, ControlApi::json);
  }

  /** As {@link #change}, answering with {@code body} of the value now in force. */
  void change(HttpServerResponse res, String cid, ControlKey key, String by, String to,
      Function<dev.breakwater.control.ControlPlane, CompletionStage<EffectiveSetting>> change,
      Function<EffectiveSetting, String> body) {
    EffectiveSetting before = gateway.control().effective(key);
    io.vertx.core.Context here = io.vertx.core.Vertx.currentContext();
    change.apply(gateway.control()).whenComplete((after, e) -> here.runOnContext(v -> {
      if (e != null) {
        Throwable c = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
        long retry = c instanceof BreakwaterException b
            ? b.retryAfter().map(d -> Math.max(1, d.toSeconds())).orElse(1L) : 1;
        ProblemWriter.reply(res, cid, Problem.render(ErrorCode.DEGRADED, 503, "the control store did not answer, "
            + "so nothing changed (a change is never made on one replica alone); retry later", retry, cid), false);
        return;
      }
      AUDIT.atWarn().addKeyValue("control", key.kind().wireName()).addKeyValue("target", key.target())
          .addKeyValue("from", text(before)).addKeyValue("to", to).addKeyValue("now", text(after))
          .addKeyValue("source", after.source()).addKeyValue("by", by).addKeyValue("correlation_id", cid)
          .log("operator changed a control");
      Admin.json(res, 200, body.apply(after));
    }));
  }

  private static String text(EffectiveSetting e) {
    return e.setting() == null ? "none" : e.setting().text();
  }

  /** Reads {@code {control}/{target}}, checking the target names an upstream or route of the config in force. */
  ControlKey key(String rest) {
    int slash = rest.indexOf('/', 1);
    if (!rest.startsWith("/") || slash < 0) {
      throw new IllegalArgumentException("path /admin/control" + rest + " (expected: /admin/control/{control}/"
          + "{target}, such as /admin/control/degradation/upstream:graph)");
    }
    String name = rest.substring(1, slash);
    ControlKind kind = ControlKind.byWireName(name);
    if (kind == null) {
      throw new IllegalArgumentException("control: " + JsonText.quote(name) + " (expected: one of "
          + names(List.of(ControlKind.values())) + ")");
    }
    // Route names may hold spaces and slashes ("GET /v1.0/me/messages"): the target is the rest, percent-decoded.
    String target;
    try {
      target = java.net.URLDecoder.decode(rest.substring(slash + 1), java.nio.charset.StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("target: a broken percent escape (expected: global, upstream:NAME or "
          + "route:NAME, percent-encoded)");
    }
    return ControlKey.of(kind, target(target));
  }

  /**
   * Reads {@code global}, {@code upstream:NAME} or {@code route:NAME}, naming only what the config defines, or
   * {@code tenant:ID} (any tenant id the gateway would accept).
   */
  Target target(String text) {
    GatewayConfig config = gateway.config();
    if (text.equals("global")) {
      return Target.global();
    }
    int colon = text.indexOf(':');
    String scope = colon < 0 ? text : text.substring(0, colon);
    String name = colon < 0 ? "" : text.substring(colon + 1);
    if (scope.equals("upstream")) {
      if (!config.upstreams().containsKey(name)) {
        throw new IllegalArgumentException("upstream: " + JsonText.quote(name) + " (expected: one of "
            + config.upstreams().keySet() + ")");
      }
      return Target.upstream(name);
    }
    if (scope.equals("route")) {
      if (config.routes().stream().noneMatch(r -> r.name().equals(name))) {
        throw new IllegalArgumentException("route: " + JsonText.quote(name) + " (expected: one of "
            + config.routes().stream().map(r -> r.name()).toList() + ")");
      }
      return Target.route(name);
    }
    if (scope.equals("tenant")) {
      if (name.isEmpty() || name.length() > 255 || name.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
        throw new IllegalArgumentException("tenant: " + JsonText.quote(name) + " (expected: a tenant id of 1 to 255"
            + " characters without control characters)");
      }
      return Target.tenant(name);
    }
    throw new IllegalArgumentException("target: " + JsonText.quote(text) + " (expected: global, upstream:NAME, "
        + "route:NAME or tenant:ID)");
  }

  private static String names(Collection<ControlKind> kinds) {
    return String.join(", ", kinds.stream().map(ControlKind::wireName).toList());
  }

  private static void invalid(HttpServerResponse res, String cid, String detail) {
    ProblemWriter.reply(res, cid, Problem.of(ErrorCode.INVALID_REQUEST, detail, -1, cid), false);
  }

  private static String list(List<EffectiveSetting> all) {
    StringBuilder sb = new StringBuilder("{\"controls\":[");
    for (int i = 0; i < all.size(); i++) {
      sb.append(i == 0 ? "" : ",").append(json(all.get(i)));
    }
    return sb.append("]}").toString();
  }

  /** One setting in force as JSON: control, target, value (null for an unforced breaker), source, who, expiry. */
  static String json(EffectiveSetting e) {
    return "{\"control\":" + JsonText.quote(e.key().kind().wireName())
        + ",\"target\":" + JsonText.quote(e.key().target().toString())
        + ",\"value\":" + (e.setting() == null ? "null" : JsonText.quote(e.setting().text()))
        + ",\"source\":" + JsonText.quote(e.source().name())
        + ",\"set_by\":" + JsonText.quote(e.setBy())
        + ",\"expires_at\":" + (e.expiresAtMillis() == 0 ? "null"
            : JsonText.quote(Instant.ofEpochMilli(e.expiresAtMillis()).toString())) + "}";
  }
}
