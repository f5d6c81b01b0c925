package dev.breakwater.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.breakwater.gateway.config.ConfigLoader;
import dev.breakwater.redis.testing.Poll;
import dev.breakwater.redis.testing.RedisExtension;
import dev.breakwater.simulator.Simulator;
import dev.breakwater.simulator.SimulatorConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Operator controls across a fleet: two gateways on one real redis-server. A change made through one replica's admin
 * API holds on the other, survives a reload and a restart, is read back with its source and its token's name, and bad
 * input is refused in words with nothing changed.
 */
@org.junit.jupiter.api.extension.ExtendWith(LeakDetection.class)
class GatewayControlFleetTest {
  private static final java.time.Duration WAIT = java.time.Duration.ofSeconds(30);
  @RegisterExtension
  static final RedisExtension REDIS = RedisExtension.standalone();
  @RegisterExtension
  static final LogCapture LOG = new LogCapture();

  static final String ONCALL = "oncall-token-0123456789";
  static final String AUTOMATION = "automation-token-0123456789";

  @TempDir
  Path dir;
  private Simulator sim;
  private Path file;
  private com.sun.net.httpserver.HttpServer hook;
  private final List<String> hooked = new java.util.concurrent.CopyOnWriteArrayList<>();
  private final List<Gateway> fleet = new ArrayList<>();
  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeEach
  void start() throws Exception {
    REDIS.flushAll();
    sim = Simulator.start(SimulatorConfig.defaults().withPort(0).withRate(1000, 1000));
    int closed;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      closed = s.getLocalPort(); // nothing listens there once the socket is closed
    }
    hook = com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress(
        java.net.InetAddress.getLoopbackAddress(), 0), 0);
    hook.createContext("/hook", x -> {
      hooked.add(new String(x.getRequestBody().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
      x.sendResponseHeaders(204, -1);
      x.close();
    });
    hook.start();
    file = dir.resolve("gateway.yaml");
    Files.writeString(file, String.join("\n",
        "server: { port: 0 }",
        "admin:",
        "  port: 0",
        "  token: legacy-token-0123456789",
        "  tokens:",
        "    - { name: oncall, token: " + ONCALL + " }",
        "    - { name: automation, token: " + AUTOMATION + " }",
        "state:",
        "  backend: redis",
        "  redis: { uri: '" + REDIS.uri() + "', commandTimeout: 1s }",
        "policies:",
        "  circuitBreakers:",
        "    cb: { failureRateThreshold: 50 }",
        "  rateLimits:",
        "    one: { scope: tenant, permits: 1, period: 1h, burst: 1 }",
        "upstreams:",
        "  graph:",
        "    circuitBreaker: cb",
        "    endpoints:",
        "      - http://127.0.0.1:" + sim.port(),
        "  down:",
        "    endpoints:",
        "      - http://127.0.0.1:" + closed,
        "routes:",
        "  - { name: events, path: /v1.0/me/events, upstream: graph, operation: events, rateLimits: [one],"
            + " essential: false }",
        "  - { name: gone, path: /gone, upstream: down, operation: gone }",
        "  - { name: send, path: /v1.0/me/sendMail, upstream: graph, operation: send }",
        "  - { name: messages, path: /v1.0/me/messages, upstream: graph, operation: list }",
        "health:",
        "  evaluateEvery: 100ms",
        "  emergency: { routes: [messages], tenants: [vip] }",
        "  webhook: http://127.0.0.1:" + hook.getAddress().getPort() + "/hook",
        "  rules:",
        "    - { name: graph-breaker, signal: breaker_open, upstream: graph, level: read_only, minDwell: 1s }",
        ""));
    fleet.add(Gateway.start(ConfigLoader.load(file)));
    fleet.add(Gateway.start(ConfigLoader.load(file)));
  }

  @AfterEach
  void stop() {
    fleet.forEach(Gateway::close);
    sim.close();
    hook.stop(0);
  }

  private HttpResponse<String> admin(Gateway g, String method, String path, String token, String body)
      throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + g.adminPort() + path))
        .header("Authorization", "Bearer " + token)
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
        .build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> write(Gateway g) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + g.port() + "/v1.0/me/sendMail"))
        .header("X-Tenant-Id", "contoso").POST(HttpRequest.BodyPublishers.ofString("{}")).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> read(Gateway g) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + g.port() + "/v1.0/me/messages"))
        .header("X-Tenant-Id", "contoso").build(), HttpResponse.BodyHandlers.ofString());
  }

  private boolean refusesWrites(Gateway g) {
    try {
      HttpResponse<String> r = write(g);
      return r.statusCode() == 503 && r.body().contains("\"code\":\"READ_ONLY\"");
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void readOnlySetThroughOneReplicaHoldsOnTheOtherAndIsReadBackWithItsSource() throws Exception {
    Gateway a = fleet.get(0);
    Gateway b = fleet.get(1);
    assertThat(write(b).statusCode()).isEqualTo(202);
    HttpResponse<String> set = admin(a, "PUT", "/admin/control/degradation/global", ONCALL,
        "{\"value\": \"read_only\"}");
    assertThat(set.statusCode()).as(set.body()).isEqualTo(200);
    assertThat(set.body()).contains("\"value\":\"READ_ONLY\"", "\"source\":\"OPERATOR\"", "\"set_by\":\"oncall\"");

    Poll.until("replica b refuses writes", WAIT, () -> refusesWrites(b));
    assertThat(read(b).statusCode()).isEqualTo(200);
    HttpResponse<String> state = admin(b, "GET", "/admin/control", AUTOMATION, null);
    assertThat(state.body()).contains("{\"control\":\"degradation\",\"target\":\"global\",\"value\":\"READ_ONLY\","
        + "\"source\":\"OPERATOR\",\"set_by\":\"oncall\",\"expires_at\":null}");
    assertThat(state.body()).contains("{\"control\":\"rollout\",\"target\":\"global\",\"value\":\"100\","
        + "\"source\":\"DEFAULT\"");
    // The audit line is written once, by the replica that took the request, with the token's name.
    assertThat(LOG.lines()).filteredOn(l -> l.contains("operator changed a control") && l.contains("target=global") && l.contains("by=oncall")
        && l.contains("from=NORMAL") && l.contains("to=READ_ONLY")).hasSize(1);

    assertThat(admin(b, "DELETE", "/admin/control/degradation/global", AUTOMATION, null).statusCode())
        .isEqualTo(200);
    Poll.until("replica a takes writes again", WAIT, () -> !refusesWrites(a));
  }

  @Test
  void aSettingSurvivesAReloadAndARestart() throws Exception {
    Gateway a = fleet.get(0);
    assertThat(admin(a, "PUT", "/admin/control/degradation/upstream:graph", ONCALL,
        "{\"value\": \"read_only\", \"expires_in\": \"1h\"}").statusCode()).isEqualTo(200);
    assertThat(a.reload()).isEmpty();
    assertThat(refusesWrites(a)).isTrue();

    fleet.remove(1).close();
    Gateway restarted = Gateway.start(ConfigLoader.load(file));
    fleet.add(restarted);
    // The restarted replica loads the fleet's settings before it serves its first request.
    assertThat(refusesWrites(restarted)).isTrue();
    assertThat(admin(restarted, "GET", "/admin/control/degradation/upstream:graph", ONCALL, null).body())
        .contains("\"set_by\":\"oncall\"", "\"expires_at\":\"");
  }

  @Test
  void theOldShortcutsGoThroughTheControlsForTheFleet() throws Exception {
    HttpResponse<String> open = admin(fleet.get(0), "POST", "/admin/breakers/graph/open", "legacy-token-0123456789",
        null);
    assertThat(open.body()).contains("\"state\":\"FORCED_OPEN\"", "\"set_by\":\"admin\"");
    Poll.until("replica b's breaker is open", WAIT, () -> {
      try {
        return read(fleet.get(1)).body().contains("\"code\":\"CIRCUIT_OPEN\"");
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    assertThat(admin(fleet.get(1), "POST", "/admin/breakers/graph/reset", ONCALL, null).statusCode()).isEqualTo(200);
    Poll.until("replica a's breaker is released", WAIT, () -> {
      try {
        return read(fleet.get(0)).statusCode() == 200;
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
  }

  @Test
  void badInputIsRefusedNamingTheFieldAndNothingChanges() throws Exception {
    Gateway a = fleet.get(0);
    String before = admin(a, "GET", "/admin/control", ONCALL, null).body();
    assertBad(admin(a, "PUT", "/admin/control/degradation/upstream:mail", ONCALL, "{\"value\":\"read_only\"}"),
        "upstream: \\\"mail\\\" (expected: one of [graph, down])");
    assertBad(admin(a, "PUT", "/admin/control/rollout/global", ONCALL, "{\"value\": 101}"),
        "rollout: 101 (expected: a percentage from 0 to 100)");
    assertBad(admin(a, "PUT", "/admin/control/degradation/global", ONCALL, "{\"value\": \"panic\"}"),
        "degradation: panic (expected: one of normal, degraded, read_only, cached_only, emergency, maintenance)");
    assertBad(admin(a, "PUT", "/admin/control/degradation/global", ONCALL, "{\"value\": \"read_only\""),
        "the body is not a JSON object");
    assertBad(admin(a, "PUT", "/admin/control/degradation/global", ONCALL, "{\"level\": \"read_only\"}"),
        "unknown field \\\"level\\\"");
    assertBad(admin(a, "PUT", "/admin/control/degradation/global", ONCALL,
        "{\"value\": \"read_only\", \"expires_in\": \"soon\"}"), "expires_in: \\\"soon\\\"");
    assertBad(admin(a, "PUT", "/admin/control/breaker/global", ONCALL, "{\"value\": \"open\"}"),
        "breaker target: global (expected: upstream:NAME)");
    assertBad(admin(a, "PUT", "/admin/control/panic/global", ONCALL, "{\"value\": \"on\"}"),
        "control: \\\"panic\\\" (expected: one of degradation, breaker, enabled, rollout, fault, shard)");
    assertThat(admin(a, "GET", "/admin/control/degradation/upstream%3Agraph", ONCALL, null).body())
        .contains("\"target\":\"upstream:graph\""); // the target is percent-decoded (route names hold spaces)
    assertThat(admin(a, "GET", "/admin/control", ONCALL, null).body()).isEqualTo(before);
    assertThat(admin(a, "GET", "/admin/control", "not-a-token-0123456789", null).statusCode()).isEqualTo(401);
  }

  @Test
  void aHealthRulePutsBothReplicasAtOneLevelWhileTheSharedUpstreamsBreakerIsOpenAndTakesThemBack()
      throws Exception {
    Gateway a = fleet.get(0);
    Gateway b = fleet.get(1);
    assertThat(write(a).statusCode()).isEqualTo(202);
    // The shared signal: graph's breaker opens on every replica (an operator holds it open for the fleet).
    assertThat(admin(a, "PUT", "/admin/control/breaker/upstream:graph", ONCALL, "{\"value\": \"open\"}")
        .statusCode()).isEqualTo(200);
    Poll.until("both replicas are read-only", WAIT, () -> refusesWrites(a) && refusesWrites(b));
    assertThat(admin(b, "GET", "/admin/control/degradation/upstream:graph", ONCALL, null).body())
        .contains("\"value\":\"READ_ONLY\"", "\"source\":\"HEALTH_RULE\"", "\"set_by\":\"graph-breaker\"");

    assertThat(admin(b, "DELETE", "/admin/control/breaker/upstream:graph", ONCALL, null).statusCode())
        .isEqualTo(200);
    Poll.until("both replicas take writes again", WAIT, () -> !refusesWrites(a) && !refusesWrites(b));
    Poll.until("each replica told the webhook of both transitions", WAIT, () -> hooked.size() >= 4);
    assertThat(hooked).filteredOn(h -> h.contains("\"transition\":\"entered\"")).hasSize(2)
        .allSatisfy(h -> assertThat(h).contains("\"rule\":\"graph-breaker\"", "\"level\":\"READ_ONLY\""));
    assertThat(hooked).filteredOn(h -> h.contains("\"transition\":\"exited\"")).hasSize(2);
  }

  @Test
  void degradedShedsTheNonEssentialRouteAndEmergencyServesOnlyTheAllowListedRoutesAndTenants() throws Exception {
    Gateway a = fleet.get(0);
    assertThat(admin(a, "PUT", "/admin/control/degradation/global", ONCALL, "{\"value\": \"degraded\"}")
        .statusCode()).isEqualTo(200);
    HttpResponse<String> shed = events(a, "contoso");
    assertThat(shed.statusCode()).isEqualTo(503);
    assertThat(shed.body()).contains("\"code\":\"DEGRADED\"");
    assertThat(read(a).statusCode()).isEqualTo(200);

    assertThat(admin(a, "PUT", "/admin/control/degradation/global", ONCALL, "{\"value\": \"emergency\"}")
        .statusCode()).isEqualTo(200);
    assertThat(read(a).statusCode()).isEqualTo(200); // messages is allow-listed
    HttpResponse<String> refused = write(a);
    assertThat(refused.statusCode()).isEqualTo(503);
    assertThat(refused.body()).contains("\"code\":\"DEGRADED\"", "\"retry_after_seconds\":60");
    HttpResponse<String> vip = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + a.port()
        + "/v1.0/me/sendMail")).header("X-Tenant-Id", "vip").POST(HttpRequest.BodyPublishers.ofString("{}")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(vip.statusCode()).isEqualTo(202); // an allow-listed tenant
  }

  private HttpResponse<String> events(Gateway g, String tenant) {
    try {
      return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + g.port() + "/v1.0/me/events"))
          .header("X-Tenant-Id", tenant).build(), HttpResponse.BodyHandlers.ofString());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void theKillSwitchPassesCallsThroughWithoutPoliciesButKeepsTheErrorContractAndTheChecks() throws Exception {
    Gateway a = fleet.get(0);
    assertThat(events(a, "contoso").statusCode()).isEqualTo(200);
    assertThat(events(a, "contoso").statusCode()).isEqualTo(429); // the route's rate limit: 1 an hour

    assertThat(admin(a, "PUT", "/admin/control/enabled/global", ONCALL, "{\"value\": false}").statusCode())
        .isEqualTo(200);
    for (int i = 0; i < 3; i++) {
      assertThat(events(a, "contoso").statusCode()).isEqualTo(200); // no rate limit on the pass-through arm
    }
    HttpResponse<String> gone = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + a.port()
        + "/gone")).header("X-Tenant-Id", "contoso").build(), HttpResponse.BodyHandlers.ofString());
    assertThat(gone.statusCode()).isEqualTo(502);
    assertThat(gone.headers().firstValue("Content-Type")).contains("application/problem+json");
    assertThat(gone.body()).contains("\"code\":\"UPSTREAM_ERROR\"", "could not connect to the upstream");
    assertThat(gone.headers().firstValue("X-Correlation-Id")).isPresent();
    HttpResponse<String> badJson = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + a.port()
        + "/v1.0/me/sendMail")).header("X-Tenant-Id", "contoso").header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{\"subject\":")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(badJson.statusCode()).isEqualTo(400); // the intake's checks stay on
    String metrics = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + a.adminPort() + "/metrics"))
        .build(), HttpResponse.BodyHandlers.ofString()).body();
    assertThat(metrics).contains("breakwater_gateway_requests_total{arm=\"pass_through\",route=\"events\","
        + "status=\"2xx\"} 3.0", "breakwater_gateway_requests_total{arm=\"resilient\",route=\"events\","
        + "status=\"4xx\"} 1.0");

    // Per upstream: the kill switch back on for graph only.
    assertThat(admin(a, "PUT", "/admin/control/enabled/upstream:graph", ONCALL, "{\"value\": true}").statusCode())
        .isEqualTo(200);
    assertThat(events(a, "contoso").statusCode()).isEqualTo(429);
  }

  @Test
  void aTenPercentRolloutPutsEachTenantInOneArmOnEveryReplica() throws Exception {
    Gateway a = fleet.get(0);
    Gateway b = fleet.get(1);
    assertThat(admin(b, "PUT", "/admin/control/rollout/global", ONCALL, "{\"value\": 10}").statusCode())
        .isEqualTo(200);
    Poll.until("replica a has the rollout", WAIT, () -> {
      try {
        return admin(a, "GET", "/admin/control/rollout/global", ONCALL, null).body().contains("\"value\":\"10\"");
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    // The rate limit (one an hour, shared in Redis) shows the arm: A, then B, then A again. A tenant with the
    // policies is refused its second and third call; one without passes all three. An arm that differed between the
    // replicas would show as a mix (200, 200, 429 or 200, 429, 200).
    int resilient = 0;
    for (int i = 0; i < 200; i++) {
      String tenant = "tenant-" + i;
      List<Integer> statuses = List.of(events(a, tenant).statusCode(), events(b, tenant).statusCode(),
          events(a, tenant).statusCode());
      assertThat(statuses).as(tenant).isIn(List.of(200, 429, 429), List.of(200, 200, 200));
      resilient += statuses.get(1) == 429 ? 1 : 0;
    }
    assertThat(resilient).isBetween(8, 35); // 10 % of 200, give or take three standard deviations
  }

  private static void assertBad(HttpResponse<String> r, String detail) {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
    assertThat(r.headers().firstValue("Content-Type")).contains("application/problem+json");
    assertThat(r.body()).contains(detail).doesNotContain("Exception");
  }
}
