package dev.breakwater.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.breakwater.simulator.SimulatorConfig;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The gateway over real HTTP on loopback, in front of the simulator: the error contract and the main policies. */
@org.junit.jupiter.api.extension.ExtendWith(LeakDetection.class)
class GatewayEndToEndTest {
  private static GatewayTestSupport s;

  @BeforeAll
  static void start() {
    s = new GatewayTestSupport(SimulatorConfig.defaults().withRate(1000, 1000), String.join("\n",
        "  - name: message",
        "    pattern: '^/v1\\.0/me/messages/[^/]+$'",
        "    upstream: graph",
        "    operation: get-message",
        "    cache: short",
        "    cacheShared: true",
        "  - name: messages",
        "    path: /v1.0/me/messages",
        "    upstream: graph",
        "    operation: list-messages",
        "    rateLimits: [per-tenant]",
        "  - name: drive",
        "    path: /v1.0/me/drive",
        "    upstream: graph",
        "    operation: drive-metadata",
        "    cache: short",
        "  - name: send",
        "    path: /v1.0/me/sendMail",
        "    methods: [POST]",
        "    upstream: graph",
        "    operation: send-mail",
        "    idempotency: default",
        "  - name: tiny",
        "    path: /v1.0/me/events",
        "    upstream: graph",
        "    operation: list-events",
        "    rateLimits: [tiny]",
        // 1.2 s is no default boundary: the gateway must add it so that the SLO rules read an exact bucket.
        "slos:",
        "  reads: { routes: [messages], latency: { threshold: 1200ms, percent: 95 } }"),
        GatewayTestSupport.defaultPolicies());
  }

  @AfterAll
  static void stop() {
    s.close();
  }

  @Test
  void aRequestIsProxiedWithItsCorrelationIdReturned() throws Exception {
    HttpResponse<String> r = s.send(HttpRequest.newBuilder(s.uri("/v1.0/me/messages?$top=5"))
        .header("X-Tenant-Id", "contoso").header("X-Correlation-Id", "req-123"));
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).contains("@odata.nextLink");
    assertThat(r.headers().firstValue("X-Correlation-Id")).contains("req-123");
  }

  @Test
  void aPathWithoutARouteIsA404Problem() throws Exception {
    HttpResponse<String> r = s.get("/nowhere", "contoso");
    assertProblem(r, 404, "INVALID_REQUEST");
    assertThat(r.body()).contains("no route for GET /nowhere");
  }

  @Test
  void aRequestWithoutItsTenantIsA400Problem() throws Exception {
    HttpResponse<String> r = s.send(HttpRequest.newBuilder(s.uri("/v1.0/me/messages")));
    assertProblem(r, 400, "INVALID_REQUEST");
    assertThat(r.body()).contains("X-Tenant-Id");
  }

  @Test
  void aTenantOverItsBudgetIsRateLimitedAndOthersAreNot() throws Exception {
    HttpResponse<String> first = s.get("/v1.0/me/events", "busy");
    assertThat(first.statusCode()).isEqualTo(200);
    assertThat(first.headers().firstValue("RateLimit-Policy")).contains("\"tiny\";q=2;w=60");
    assertThat(first.headers().firstValue("RateLimit")).hasValueSatisfying(v -> assertThat(v).startsWith(
        "\"tiny\";r=1;t="));
    assertThat(s.get("/v1.0/me/events", "busy").statusCode()).isEqualTo(200);
    HttpResponse<String> r = s.get("/v1.0/me/events", "busy");
    assertProblem(r, 429, "RATE_LIMITED");
    assertThat(r.headers().firstValue("RateLimit")).hasValueSatisfying(v -> assertThat(v).startsWith(
        "\"tiny\";r=0;t="));
    assertThat(r.headers().firstValue("Retry-After")).isPresent();
    assertThat(r.body()).contains("\"retry_after_seconds\":");
    assertThat(s.get("/v1.0/me/events", "calm").statusCode()).isEqualTo(200);
    HttpResponse<String> limits = s.send(HttpRequest.newBuilder(s.admin("/admin/limits?tenant=busy"))
        .header("Authorization", "Bearer " + GatewayTestSupport.TOKEN));
    assertThat(limits.statusCode()).isEqualTo(200);
    assertThat(limits.body()).contains("{\"name\":\"tiny\",\"scope\":\"tenant\",\"permits\":2,\"period_ms\":60000,"
        + "\"burst\":2,\"routes\":[").contains("\"key\":\"4:busy\",\"parts\":[\"busy\"],\"remaining\":0");
    assertThat(s.send(HttpRequest.newBuilder(s.admin("/admin/limits"))).statusCode()).isEqualTo(401);
  }

  @Test
  void aRepeatedPostWithAnIdempotencyKeyIsReplayedNotExecutedAgain() throws Exception {
    HttpRequest.Builder post = HttpRequest.newBuilder(s.uri("/v1.0/me/sendMail"))
        .header("X-Tenant-Id", "contoso").header("Idempotency-Key", "mail-42")
        .POST(HttpRequest.BodyPublishers.ofString("{\"subject\":\"hello\"}"));
    HttpResponse<String> first = s.send(post);
    HttpResponse<String> second = s.send(post);
    assertThat(first.statusCode()).isEqualTo(202);
    assertThat(second.statusCode()).isEqualTo(202);
    assertThat(second.headers().firstValue("Idempotent-Replayed")).contains("true");
    assertThat(s.simulator.counters().executions("mail-42")).isEqualTo(1);
    HttpResponse<String> other = s.send(HttpRequest.newBuilder(s.uri("/v1.0/me/sendMail"))
        .header("X-Tenant-Id", "contoso").header("Idempotency-Key", "mail-42")
        .POST(HttpRequest.BodyPublishers.ofString("{\"subject\":\"changed\"}")));
    assertProblem(other, 422, "IDEMPOTENCY_MISMATCH");
  }

  @Test
  void aGarbageIdempotencyKeyIsA400Problem() throws Exception {
    HttpResponse<String> r = s.send(HttpRequest.newBuilder(s.uri("/v1.0/me/sendMail"))
        .header("X-Tenant-Id", "contoso").header("Idempotency-Key", "x".repeat(300))
        .POST(HttpRequest.BodyPublishers.ofString("{}")));
    assertProblem(r, 400, "INVALID_REQUEST");
  }

  @Test
  void aMalformedJsonBodyIsA400ProblemAndNeverReachesTheUpstream() throws Exception {
    long before = s.simulator.counters().totals().received();
    HttpResponse<String> r = s.send(HttpRequest.newBuilder(s.uri("/v1.0/me/sendMail"))
        .header("X-Tenant-Id", "contoso").header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{\"subject\": \"unterminated")));
    assertProblem(r, 400, "INVALID_REQUEST");
    assertThat(r.body()).contains("malformed JSON body");
    assertThat(s.simulator.counters().totals().received()).isEqualTo(before);
  }

  @Test
  void aBodyOverTheLimitIsA413Problem() throws Exception {
    HttpResponse<String> r = s.send(HttpRequest.newBuilder(s.uri("/v1.0/me/sendMail"))
        .header("X-Tenant-Id", "contoso")
        .POST(HttpRequest.BodyPublishers.ofString("x".repeat(70_000))));
    assertProblem(r, 413, "INVALID_REQUEST");
  }

  @Test
  void http2CleartextWorksAndItsErrorsCarryNoConnectionHeader() throws Exception {
    java.net.http.HttpClient h2 = java.net.http.HttpClient.newBuilder()
        .version(java.net.http.HttpClient.Version.HTTP_2).build();
    HttpResponse<String> ok = h2.send(HttpRequest.newBuilder(s.uri("/v1.0/me/messages"))
        .header("X-Tenant-Id", "contoso").build(), HttpResponse.BodyHandlers.ofString());
    assertThat(ok.statusCode()).isEqualTo(200);
    assertThat(ok.version()).isEqualTo(java.net.http.HttpClient.Version.HTTP_2);
    HttpResponse<String> tooLarge = h2.send(HttpRequest.newBuilder(s.uri("/v1.0/me/sendMail"))
        .header("X-Tenant-Id", "contoso").POST(HttpRequest.BodyPublishers.ofString("x".repeat(70_000))).build(),
        HttpResponse.BodyHandlers.ofString());
    assertProblem(tooLarge, 413, "INVALID_REQUEST");
  }

  @Test
  void headersOverTheLimitAreA431Problem() throws Exception {
    try (Socket socket = new Socket("127.0.0.1", s.gateway.port())) {
      String request = "GET /v1.0/me/messages HTTP/1.1\r\nHost: x\r\nX-Tenant-Id: t\r\nX-Big: " + "a".repeat(10_000)
          + "\r\n\r\n";
      socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
      String head = new String(socket.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
      assertThat(head).isEqualTo("HTTP/1.1 431");
    }
  }

  @Test
  void cachedReadsAreServedWithoutReachingTheUpstreamAndAreScopedByTenant() throws Exception {
    long before = s.simulator.counters().tenant("cachy").received();
    assertThat(s.get("/v1.0/me/drive/root/children", "cachy").statusCode()).isEqualTo(200);
    HttpResponse<String> hit = s.get("/v1.0/me/drive/root/children", "cachy");
    assertThat(hit.headers().firstValue("X-Breakwater-Source")).contains("cache");
    assertThat(s.simulator.counters().tenant("cachy").received() - before).isEqualTo(1);
    assertThat(s.get("/v1.0/me/drive/root/children", "other-tenant").headers().firstValue("X-Breakwater-Source"))
        .isEmpty();
  }

  @Test
  void aPrivateCacheKeepsUsersApartAndASharedRouteServesTheTenantsUsersOneEntry() throws Exception {
    HttpRequest.Builder alice = HttpRequest.newBuilder().header("X-Tenant-Id", "shared-co").header("X-User-Id",
        "alice");
    HttpRequest.Builder bob = HttpRequest.newBuilder().header("X-Tenant-Id", "shared-co").header("X-User-Id", "bob");
    s.send(alice.uri(s.uri("/v1.0/me/drive/root/children")));
    assertThat(s.send(bob.uri(s.uri("/v1.0/me/drive/root/children"))).headers()
        .firstValue("X-Breakwater-Source")).as("private: bob does not get alice's entry").isEmpty();
    String list = s.send(alice.uri(s.uri("/v1.0/me/messages"))).body();
    java.util.regex.Matcher id = java.util.regex.Pattern.compile("\"id\"\\s*:\\s*\"([^\"]+)\"").matcher(list);
    assertThat(id.find()).as(list).isTrue();
    String one = "/v1.0/me/messages/" + java.net.URLEncoder.encode(id.group(1), java.nio.charset.StandardCharsets.UTF_8);
    assertThat(s.send(alice.uri(s.uri(one))).statusCode()).isEqualTo(200);
    HttpResponse<String> shared = s.send(bob.uri(s.uri(one)));
    assertThat(shared.headers().firstValue("X-Breakwater-Source")).as("cacheShared route").contains("cache");
  }

  @Test
  void metricsPublishLatencyHistogramsWithABucketAtEachObjectiveForCallsAttemptsAndTheTimeAdded() throws Exception {
    assertThat(s.get("/v1.0/me/messages", "contoso").statusCode()).isEqualTo(200);
    List<String> lines = s.send(HttpRequest.newBuilder(s.admin("/metrics"))).body().lines().toList();
    assertThat(lines).anyMatch(l -> l.startsWith("breakwater_call_duration_seconds_bucket{")
        && l.contains("outcome=\"success\"") && l.contains("le=\"1.5\""));
    assertThat(lines).anyMatch(l -> l.startsWith("breakwater_attempt_duration_seconds_bucket{")
        && l.contains("le=\"1.5\""));
    assertThat(lines).anyMatch(l -> l.startsWith("breakwater_call_added_seconds_bucket{")
        && l.contains("le=\"0.005\""));
  }

  @Test
  void anSloLatencyThresholdBecomesABucketBoundaryOfTheCallHistogram() throws Exception {
    assertThat(s.get("/v1.0/me/messages", "contoso").statusCode()).isEqualTo(200);
    List<String> lines = s.send(HttpRequest.newBuilder(s.admin("/metrics"))).body().lines().toList();
    assertThat(lines).anyMatch(l -> l.startsWith("breakwater_call_duration_seconds_bucket{")
        && l.contains("operation=\"list-messages\"") && l.contains("le=\"1.2\""));
  }

  @Test
  void adminControlsNeedTheTokenAndHealthAndMetricsDoNot() throws Exception {
    assertThat(s.send(HttpRequest.newBuilder(s.admin("/health/live"))).statusCode()).isEqualTo(200);
    assertThat(s.send(HttpRequest.newBuilder(s.admin("/health/ready"))).body()).contains("UP");
    HttpResponse<String> metrics = s.send(HttpRequest.newBuilder(s.admin("/metrics")));
    assertThat(metrics.body()).contains("breakwater_calls_total");
    assertThat(metrics.body()).doesNotContain("contoso");
    HttpResponse<String> denied = s.send(HttpRequest.newBuilder(s.admin("/admin/breakers")));
    assertProblem(denied, 401, "AUTH_REQUIRED");
    HttpResponse<String> wrong = s.send(HttpRequest.newBuilder(s.admin("/admin/breakers"))
        .header("Authorization", "Bearer wrong-token-0123456789"));
    assertThat(wrong.statusCode()).isEqualTo(401);
  }

  @Test
  void anOperatorCanForceTheBreakerOpenAndSetTheServiceReadOnly() throws Exception {
    HttpResponse<String> open = s.send(HttpRequest.newBuilder(s.admin("/admin/breakers/graph/open"))
        .header("Authorization", "Bearer " + GatewayTestSupport.TOKEN).POST(HttpRequest.BodyPublishers.noBody()));
    assertThat(open.body()).contains("FORCED_OPEN");
    assertProblem(s.get("/v1.0/me/messages", "contoso"), 503, "CIRCUIT_OPEN");
    s.send(HttpRequest.newBuilder(s.admin("/admin/breakers/graph/reset"))
        .header("Authorization", "Bearer " + GatewayTestSupport.TOKEN).POST(HttpRequest.BodyPublishers.noBody()));
    assertThat(s.get("/v1.0/me/messages", "contoso").statusCode()).isEqualTo(200);

    s.send(HttpRequest.newBuilder(s.admin("/admin/degradation?level=read_only"))
        .header("Authorization", "Bearer " + GatewayTestSupport.TOKEN).POST(HttpRequest.BodyPublishers.noBody()));
    try {
      HttpResponse<String> write = s.send(HttpRequest.newBuilder(s.uri("/v1.0/me/sendMail"))
          .header("X-Tenant-Id", "contoso").POST(HttpRequest.BodyPublishers.ofString("{}")));
      assertProblem(write, 503, "READ_ONLY");
      assertThat(s.get("/v1.0/me/messages", "contoso").statusCode()).isEqualTo(200);
    } finally {
      s.send(HttpRequest.newBuilder(s.admin("/admin/degradation?level=normal"))
          .header("Authorization", "Bearer " + GatewayTestSupport.TOKEN).POST(HttpRequest.BodyPublishers.noBody()));
    }
  }

  static void assertProblem(HttpResponse<String> r, int status, String code) {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
    assertThat(r.headers().firstValue("Content-Type")).contains("application/problem+json");
    assertThat(r.body()).contains("\"code\":\"" + code + "\"").contains("\"status\":" + status)
        .contains("\"correlation_id\":\"").contains("\"type\":\"").contains("\"title\":\"");
    if (status == 429 || status == 503) {
      assertThat(r.headers().firstValue("Retry-After")).isPresent();
    }
  }
}
