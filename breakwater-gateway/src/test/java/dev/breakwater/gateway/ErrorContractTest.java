package dev.breakwater.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.breakwater.gateway.config.ConfigLoader;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The gateway's problem+json contract, end to end, for the error codes GatewayEndToEndTest does not produce. */
@ExtendWith(LeakDetection.class)
class ErrorContractTest {
  private static final Pattern CORRELATION_ID = Pattern.compile("\"correlation_id\":\"([^\"]*)\"");
  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final Pattern RETRY_AFTER_SECONDS = Pattern.compile("\"retry_after_seconds\":(\\d+)");

  private final Vertx vertx = Vertx.vertx();
  /** Completes when the test lets every held upstream answer go. */
  private final CompletableFuture<Void> release = new CompletableFuture<>();
  /** The paths the upstream has received, in order: how a test knows a held call is really in flight. */
  private final BlockingQueue<String> arrived = new LinkedBlockingQueue<>();
  private HttpServer upstream;
  private Gateway gateway;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  @BeforeEach
  void start() throws Exception {
    upstream = vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(body -> {
      arrived.add(req.path());
      var res = req.response();
      if (req.path().startsWith("/held/")) {
        release.thenRun(() -> vertx.runOnContext(v -> {
          if (!res.closed()) {
            res.end("released");
          }
        }));
      } else if (req.path().equals("/never")) {
        // No answer at all: only the gateway's attempt timeout ends this call.
      } else if (req.path().equals("/consent")) {
        // RFC 6750's challenge for a token that lacks a scope: the scope the user has yet to consent to.
        res.setStatusCode(403).putHeader("WWW-Authenticate", "Bearer error=\"insufficient_scope\"")
            .putHeader("Content-Type", "application/json")
            .end("{\"error\":{\"code\":\"Authorization_RequestDenied\"}}");
      } else if (req.path().equals("/forbidden")) {
        res.setStatusCode(403).putHeader("Content-Type", "application/json").end("{\"error\":\"forbidden\"}");
      } else {
        res.end("ok");
      }
    })).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    String app = "'http://127.0.0.1:" + upstream.actualPort() + "'";
    String yaml = String.join("\n",
        "server: { port: 0, drainTimeout: 2s }",
        "admin: { port: 0, token: " + GatewayTestSupport.TOKEN + " }",
        "policies:",
        // Generous for the upstream that holds answers: the test, not a timer, decides when they end.
        "  timeouts: { patient: { attempt: 60s, deadline: 120s }, impatient: { attempt: 300ms, deadline: 5s } }",
        "  bulkheads: { one: { maxConcurrent: 1, maxWait: 0s, maxQueue: 0 } }",
        "  idempotency: { default: { ttl: 1m, lease: 60s } }",
        "upstreams:",
        "  app: { endpoints: [ " + app + " ], timeout: patient }",
        "  stalling: { endpoints: [ " + app + " ], timeout: impatient }",
        "routes:",
        "  - { name: pool, path: /held/pool, upstream: app, bulkhead: one }",
        "  - { name: orders, path: /held/orders, methods: [POST], upstream: app, idempotency: default }",
        "  - { name: never, path: /never, upstream: stalling }",
        "  - { name: consent, path: /consent, upstream: app }",
        "  - { name: forbidden, path: /forbidden, upstream: app }",
        "  - { name: report, path: /report, upstream: app, lane: batch }",
        "  - { name: inbox, path: /inbox, upstream: app }");
    gateway = Gateway.start(ConfigLoader.parse(yaml, "error-contract-test.yaml"));
  }

  @AfterEach
  void stop() {
    release.complete(null); // held calls end, so the gateway's drain does not wait for them
    if (gateway != null) {
      gateway.close();
    }
    vertx.close().toCompletionStage().toCompletableFuture().join();
  }

  @Test
  void aFullBulkheadIsA503ProblemWithRetryAfter() throws Exception {
    CompletableFuture<HttpResponse<String>> first = http.sendAsync(get("/held/pool/1").timeout(WAIT).build(),
        HttpResponse.BodyHandlers.ofString());
    awaitArrival("/held/pool/1"); // the first call holds the only permit
    assertProblem(send(get("/held/pool/2")), 503, "BULKHEAD_FULL");
    release.complete(null);
    assertThat(first.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
  }

  @Test
  void anUpstreamThatNeverAnswersIsA504TimeoutProblem() throws Exception {
    assertProblem(send(get("/never")), 504, "TIMEOUT");
  }

  @Test
  void anUpstream403AskingForConsentIsA403ConsentRequiredProblem() throws Exception {
    assertProblem(send(get("/consent")), 403, "CONSENT_REQUIRED");
    // Without a consent challenge a 403 is the upstream's own answer, passed back as it is.
    HttpResponse<String> plain = send(get("/forbidden"));
    assertThat(plain.statusCode()).isEqualTo(403);
    assertThat(plain.body()).isEqualTo("{\"error\":\"forbidden\"}");
  }

  @Test
  void batchWorkWhileDegradedIsA503DegradedProblemAndInteractiveCallsRun() throws Exception {
    setDegradation("degraded");
    assertProblem(send(get("/report")), 503, "DEGRADED");
    assertThat(send(get("/inbox")).statusCode()).isEqualTo(200);
  }

  @Test
  void everyCallUnderMaintenanceIsA503MaintenanceProblem() throws Exception {
    setDegradation("maintenance");
    assertProblem(send(get("/inbox")), 503, "MAINTENANCE");
    assertProblem(send(get("/report")), 503, "MAINTENANCE");
  }

  @Test
  void aKeyedRequestRepeatedWhileTheFirstIsInFlightIsA409ConflictProblem() throws Exception {
    CompletableFuture<HttpResponse<String>> first = http.sendAsync(order("order-7").timeout(WAIT).build(),
        HttpResponse.BodyHandlers.ofString());
    awaitArrival("/held/orders"); // the first call holds the key's reservation
    assertProblem(send(order("order-7")), 409, "IDEMPOTENCY_CONFLICT");
    release.complete(null);
    assertThat(first.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
  }

  /** The contract every problem the gateway makes keeps, whatever its code. */
  private static void assertProblem(HttpResponse<String> r, int status, String code) {
    String body = r.body();
    assertThat(r.statusCode()).as(body).isEqualTo(status);
    assertThat(r.headers().firstValue("Content-Type")).as(body).contains("application/problem+json");
    assertThat(body).contains("\"code\":\"" + code + "\"").contains("\"status\":" + status)
        .contains("\"type\":").contains("\"title\":").contains("\"detail\":").contains("\"correlation_id\":");
    Matcher cid = CORRELATION_ID.matcher(body);
    assertThat(cid.find()).as(body).isTrue();
    assertThat(cid.group(1)).isNotBlank();
    assertThat(r.headers().firstValue("X-Correlation-Id")).as(body).contains(cid.group(1));
    if (status == 429 || status == 503) {
      // A client that honours either the header or the body comes back at the same time.
      assertThat(r.headers().firstValue("Retry-After")).as(body).isPresent();
      Matcher ra = RETRY_AFTER_SECONDS.matcher(body);
      assertThat(ra.find()).as("retry_after_seconds in " + body + " with " + r.headers().map()).isTrue();
      assertThat(r.headers().firstValue("Retry-After")).contains(ra.group(1));
    }
  }

  private void awaitArrival(String path) throws InterruptedException {
    assertThat(arrived.poll(10, TimeUnit.SECONDS)).as("the upstream received " + path).isEqualTo(path);
  }

  private void setDegradation(String level) throws Exception {
    HttpResponse<String> r = send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + gateway.adminPort() + "/admin/degradation?level=" + level))
        .header("Authorization", "Bearer " + GatewayTestSupport.TOKEN).POST(HttpRequest.BodyPublishers.noBody()));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
  }

  private HttpRequest.Builder get(String path) {
    return HttpRequest.newBuilder(uri(path)).header("X-Tenant-Id", "contoso").GET();
  }

  private HttpRequest.Builder order(String key) {
    return HttpRequest.newBuilder(uri("/held/orders")).header("X-Tenant-Id", "contoso")
        .header("Idempotency-Key", key).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{\"item\":\"umbrella\"}"));
  }

  private HttpResponse<String> send(HttpRequest.Builder b) throws Exception {
    return http.send(b.timeout(WAIT).build(), HttpResponse.BodyHandlers.ofString());
  }

  private URI uri(String path) {
    return URI.create("http://127.0.0.1:" + gateway.port() + path);
  }
}
