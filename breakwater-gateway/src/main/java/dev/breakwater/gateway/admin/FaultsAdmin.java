package dev.breakwater.gateway.admin;

import dev.breakwater.ErrorCode;
import dev.breakwater.config.ConfigException;
import dev.breakwater.config.Durations;
import dev.breakwater.fault.FaultKind;
import dev.breakwater.fault.FaultSpec;
import dev.breakwater.fault.FaultTarget;
import dev.breakwater.gateway.config.GatewayConfig;
import dev.breakwater.gateway.fault.Fault;
import dev.breakwater.gateway.fault.FaultDrills;
import dev.breakwater.gateway.http.JsonText;
import dev.breakwater.gateway.http.Problem;
import dev.breakwater.gateway.response.ProblemWriter;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionStage;

/**
 * The admin API of fault drills: {@code POST /admin/faults} starts one for the fleet from a JSON body with the keys of
 * the config file's {@code faults} entries, {@code GET /admin/faults} lists those in force (the file's and the
 * operators'), {@code DELETE /admin/faults/{id}} ends an operator's early. A malformed body is a 400 naming the field.
 */
final class FaultsAdmin {
  static final String PATH = "/admin/faults";
  /** Who operators' drills are set by, until admin tokens have names of their own. */
  static final String BY = "admin";
  private static final Set<String> KEYS = Set.of("route", "upstream", "kind", "delay", "status", "retryAfter",
      "percent", "tenant", "header", "duration");
  private static final List<String> KEY_ORDER = List.of("route", "upstream", "kind", "delay", "status", "retryAfter",
      "percent", "tenant", "header", "duration");

  private final AdminOps gateway;

  FaultsAdmin(AdminOps gateway) {
    this.gateway = gateway;
  }

  /** Whether this class answers {@code method path}. */
  static boolean handles(HttpMethod method, String path) {
    return path.equals(PATH) && (method == HttpMethod.GET || method == HttpMethod.POST)
        || path.startsWith(PATH + "/") && method == HttpMethod.DELETE;
  }

  /** Answers one fault-drill request of the admin API. */
  void handle(HttpServerRequest req, HttpServerResponse res, String cid) {
    FaultDrills drills = gateway.faultDrills();
    if (req.method() == HttpMethod.GET) {
      StringBuilder sb = new StringBuilder("{\"faults\":[");
      List<Fault> active = drills.active();
      for (int i = 0; i < active.size(); i++) {
        sb.append(i == 0 ? "" : ",").append(json(active.get(i)));
      }
      Admin.json(res, 200, sb.append("]}").toString());
    } else if (req.method() == HttpMethod.POST) {
      Context here = Vertx.currentContext();
      req.body().onComplete(body -> {
        if (body.failed()) {
          refuse(res, cid, "body: could not be read (" + body.cause().getMessage() + ")");
          return;
        }
        FaultSpec spec;
        try {
          spec = spec(body.result().length() == 0 ? null : new JsonObject(body.result()), gateway.config());
        } catch (DecodeException e) {
          refuse(res, cid, "body: not a JSON object (expected: {\"upstream\": \"NAME\", \"kind\": \"abort\", ...})");
          return;
        } catch (IllegalArgumentException e) {
          refuse(res, cid, e.getMessage());
          return;
        }
        answerOn(here, drills.start(spec, BY), res, cid, f -> Admin.json(res, 201, json(f)));
      });
    } else {
      String id = req.path().substring(PATH.length() + 1);
      Context here = Vertx.currentContext();
      answerOn(here, drills.end(id, BY), res, cid, ended -> {
        if (ended) {
          Admin.json(res, 200, "{\"id\":" + JsonText.quote(id) + ",\"ended\":true}");
        } else {
          ProblemWriter.reply(res, cid, Problem.render(ErrorCode.INVALID_REQUEST, 404, "no operator's fault drill "
              + JsonText.quote(id) + " in force (GET " + PATH + " lists them; a config file's drill ends when the"
              + " file drops it)", -1, cid), false);
        }
      });
    }
  }

  /** Answers on the admin request's own loop once the control store has the change (with Redis, on its thread). */
  private static <T> void answerOn(Context here, CompletionStage<T> change, HttpServerResponse res, String cid,
      java.util.function.Consumer<T> answer) {
    change.whenComplete((v, e) -> here.runOnContext(x -> {
      if (e != null) {
        ProblemWriter.reply(res, cid, Problem.render(ErrorCode.INVALID_REQUEST, 503, "the control store did not take"
            + " the change: " + (e.getCause() != null ? e.getCause().getMessage() : e.getMessage()), 1, cid), false);
      } else {
        answer.accept(v);
      }
    }));
  }

  private static void refuse(HttpServerResponse res, String cid, String detail) {
    ProblemWriter.reply(res, cid, Problem.of(ErrorCode.INVALID_REQUEST, detail, -1, cid), false);
  }

  /** The spec a body describes; fails with an IllegalArgumentException naming the field and the fix. */
  static FaultSpec spec(JsonObject body, GatewayConfig config) {
    if (body == null) {
      throw new IllegalArgumentException("body: empty (expected: a JSON object with keys " + KEY_ORDER + ")");
    }
    for (String key : body.fieldNames()) {
      if (!KEYS.contains(key)) {
        throw new ConfigException(key, "present", "one of the keys " + KEY_ORDER);
      }
    }
    String route = text(body, "route");
    String upstream = text(body, "upstream");
    if ((route == null) == (upstream == null)) {
      throw new ConfigException(route == null ? "route" : "upstream", route == null ? null : "\"" + upstream + "\"",
          "exactly one of route (a route's name) and upstream (an upstream's name)");
    }
    FaultTarget target = route != null ? FaultTarget.route(route) : FaultTarget.upstream(upstream);
    if (!config.hasTarget(target)) {
      throw new ConfigException(target.scope().key(), JsonText.quote(target.name()), "the name of a"
          + (route != null ? " route: one of " + config.routes().stream().map(r -> r.name()).toList()
              : "n upstream: one of " + config.upstreams().keySet()));
    }
    String kindText = text(body, "kind");
    FaultKind kind = kindText == null ? null : FaultKind.bySpelling().get(kindText);
    if (kind == null) {
      throw new ConfigException("kind", kindText == null ? null : JsonText.quote(kindText),
          "one of " + FaultKind.bySpelling().keySet());
    }
    JsonObject h = object(body, "header");
    FaultSpec.HeaderMatch header = h == null ? null : new FaultSpec.HeaderMatch(text(h, "header.name", "name"),
        text(h, "header.value", "value"));
    Number status = number(body, "status");
    if (status != null && (status.doubleValue() != Math.rint(status.doubleValue())
        || Math.abs(status.doubleValue()) > 999)) {
      throw new ConfigException("status", status, "an HTTP error status from 400 to 599");
    }
    Number percent = number(body, "percent");
    return FaultSpec.of(kind, target, duration(body, "delay"), status == null ? null : status.intValue(),
        duration(body, "retryAfter"), percent == null ? null : percent.doubleValue(), text(body, "tenant"), header,
        duration(body, "duration"));
  }

  private static String text(JsonObject o, String key) {
    return text(o, key, key);
  }

  private static String text(JsonObject o, String field, String key) {
    Object v = o.getValue(key);
    if (v != null && !(v instanceof String)) {
      throw new ConfigException(field, v, "a string");
    }
    return (String) v;
  }

  private static Number number(JsonObject o, String key) {
    Object v = o.getValue(key);
    if (v != null && !(v instanceof Number)) {
      throw new ConfigException(key, v instanceof String s ? JsonText.quote(s) : v, "a number");
    }
    return (Number) v;
  }

  private static JsonObject object(JsonObject o, String key) {
    Object v = o.getValue(key);
    if (v != null && !(v instanceof JsonObject)) {
      throw new ConfigException(key, v, "an object such as {\"name\": \"X-Drill\", \"value\": \"on\"}");
    }
    return (JsonObject) v;
  }

  private static Duration duration(JsonObject o, String key) {
    String t = text(o, key);
    if (t == null) {
      return null;
    }
    Duration d = Durations.parse(t);
    if (d == null) {
      throw new ConfigException(key, JsonText.quote(t), Durations.EXPECTED);
    }
    return d;
  }

  /** A drill as the admin API shows it: the keys it was given with, its id, origin and end. */
  static String json(Fault f) {
    FaultSpec s = f.spec();
    StringBuilder sb = new StringBuilder("{\"id\":").append(JsonText.quote(f.id()))
        .append(",\"origin\":\"").append(f.origin().name().toLowerCase(java.util.Locale.ROOT)).append('"')
        .append(",\"").append(s.target().scope().key()).append("\":").append(JsonText.quote(s.target().name()))
        .append(",\"kind\":\"").append(s.kind().spelling()).append('"');
    if (s.delay() != null) {
      sb.append(",\"delay\":\"").append(Durations.format(s.delay())).append('"');
    }
    if (s.status() != 0) {
      sb.append(",\"status\":").append(s.status());
    }
    if (s.retryAfter() != null) {
      sb.append(",\"retryAfter\":\"").append(Durations.format(s.retryAfter())).append('"');
    }
    sb.append(",\"percent\":").append(s.percent());
    if (s.tenant() != null) {
      sb.append(",\"tenant\":").append(JsonText.quote(s.tenant()));
    }
    if (s.header() != null) {
      sb.append(",\"header\":{\"name\":").append(JsonText.quote(s.header().name())).append(",\"value\":")
          .append(JsonText.quote(s.header().value())).append('}');
    }
    return sb.append(",\"duration\":\"").append(Durations.format(s.duration())).append('"')
        .append(",\"started_at\":\"").append(Instant.ofEpochMilli(f.startedAtMillis())).append('"')
        .append(",\"expires_at\":\"").append(Instant.ofEpochMilli(f.expiresAtMillis())).append('"')
        .append('}').toString();
  }
}
