package dev.breakwater.gateway;

import static dev.breakwater.gateway.GatewayEndToEndTest.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

import dev.breakwater.circuit.CircuitState;
import dev.breakwater.gateway.config.ConfigLoader;
import dev.breakwater.gateway.fault.FaultInjector;
import dev.breakwater.gateway.tracing.GatewayTracing;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Drills from the config file against a real upstream: each fault reaches the engine as the upstream's own
 * misbehaviour, so the gateway's policies answer it as they would a real one — a throttle closes the tenant's gate,
 * aborts open the breaker, a delay past the attempt timeout times out — and a drill aimed at one tenant or header
 * leaves every other call alone.
 */
@ExtendWith(LeakDetection.class)
class FaultDrillEndToEndTest {
  private final CountingUpstream upstream = new CountingUpstream();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private Gateway gateway;

  private void start(String faults) {
    start(faults, GatewayTracing.off());
  }

  private void start(String faults, GatewayTracing tracing) {
    String yaml = String.join("\n",
        "server: { port: 0, drainTimeout: 1s, bufferBodyBytes: 1024 }",
        "admin: { port: 0, token: " + GatewayTestSupport.TOKEN + " }",
        "policies:",
        "  timeouts: { t: { attempt: 300ms, deadline: 5s } }",
        "  retries: { r: { maxAttempts: 2, baseDelay: 10ms, maxDelay: 20ms, maxRetryAfter: 1s } }",
        "  circuitBreakers: { cb: { windowSize: 10, minimumCalls: 5, failureRateThreshold: 50, openDuration: 1m } }",
        "upstreams:",
        "  app: { endpoints: [ 'http://127.0.0.1:" + upstream.port() + "' ], timeout: t, retry: r,"
            + " circuitBreaker: cb }",
        "routes:",
        "  - { name: items, path: /items, upstream: app, operation: items }",
        "  - { name: other, path: /other, upstream: app, operation: other }",
        "faults:",
        faults);
    gateway = Gateway.start(ConfigLoader.parse(yaml, "fault-drill-test.yaml"), tracing);
  }

  @AfterEach
  void stop() {
    if (gateway != null) {
      gateway.close();
    }
    upstream.close();
  }

  private HttpResponse<String> get(String path, String tenant, String... headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + path))
        .header("X-Tenant-Id", tenant).timeout(Duration.ofSeconds(20)).GET();
    if (headers.length > 0) {
      b.headers(headers);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private double injected(String route, String kind) {
    Matcher m = Pattern.compile("breakwater_faults_injected_total\\{kind=\"" + kind + "\",route=\"" + route
        + "\",upstream=\"app\",?} (\\S+)").matcher(gateway.scrapeMetrics());
    return m.find() ? Double.parseDouble(m.group(1)) : 0;
  }

  @Test
  void aThrottleDrillOnATenantClosesItsGateAndLeavesOtherTenantsAlone() throws Exception {
    start("  busy: { upstream: app, kind: throttle, retryAfter: 30s, tenant: test-tenant }");

    HttpResponse<String> first = get("/items", "test-tenant");
    assertProblem(first, 429, "THROTTLED");
    assertThat(gateway.closedGates("app")).containsOnlyKeys("test-tenant");
    HttpResponse<String> held = get("/other", "test-tenant");
    assertProblem(held, 429, "THROTTLED");
    assertThat(injected("items", "throttle")).isEqualTo(1);
    assertThat(injected("other", "throttle")).as("the gate held the tenant's next call before any attempt")
        .isZero();

    HttpResponse<String> customer = get("/items", "customer");
    assertThat(customer.statusCode()).isEqualTo(200);
    assertThat(customer.body()).contains("\"call\":1");
    assertThat(upstream.calls.get()).as("only the other tenant's call reached the upstream").isEqualTo(1);
  }

  @Test
  void anAbortDrillOnAnUpstreamOpensItsBreaker() throws Exception {
    start("  down: { upstream: app, kind: abort }");

    HttpResponse<String> r = get("/items", "t");
    assertProblem(r, 502, "UPSTREAM_ERROR");
    assertThat(r.body()).contains("the upstream closed the connection");
    for (int i = 0; i < 10 && r.statusCode() != 503; i++) {
      r = get("/items", "t");
    }
    assertProblem(r, 503, "CIRCUIT_OPEN");
    assertThat(gateway.engine().circuitBreaker("app", "cb").state()).isEqualTo(CircuitState.OPEN);
    assertThat(upstream.calls.get()).isZero();
    assertThat(injected("items", "abort")).isGreaterThanOrEqualTo(5);
  }

  @Test
  void aDelayDrillBeyondTheAttemptTimeoutTimesOutAndNeverReachesTheUpstream() throws Exception {
    start("  slow: { route: items, kind: delay, delay: 1m }");

    assertProblem(get("/items", "t"), 504, "TIMEOUT");
    assertThat(injected("items", "delay")).as("each attempt was held").isEqualTo(2);
    assertThat(upstream.calls.get()).as("the timed-out attempts were never sent").isZero();

    assertThat(get("/other", "t").statusCode()).as("another route is not delayed").isEqualTo(200);
  }

  @Test
  void aStreamedUploadAnsweredByADrillLeavesTheNextCallsUnharmed() throws Exception {
    start(String.join("\n",
        "  missing: { route: items, kind: error, status: 404 }",
        "  broken: { route: other, kind: error, status: 500 }"));
    String big = "x".repeat(64 * 1024); // over bufferBodyBytes: streamed, and never read by the faulted attempt
    for (int i = 0; i < 3; i++) {
      HttpResponse<String> relayed = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port()
          + "/items")).header("X-Tenant-Id", "t").timeout(Duration.ofSeconds(20))
          .POST(HttpRequest.BodyPublishers.ofString(big)).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(relayed.statusCode()).isEqualTo(404);
      HttpResponse<String> refused = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port()
          + "/other")).header("X-Tenant-Id", "t").timeout(Duration.ofSeconds(20))
          .POST(HttpRequest.BodyPublishers.ofString(big)).build(), HttpResponse.BodyHandlers.ofString());
      assertProblem(refused, 502, "UPSTREAM_ERROR");
    }
    assertThat(get("/else", "t").statusCode()).as("no route: the gateway still answers").isEqualTo(404);
    assertThat(upstream.calls.get()).isZero();
  }

  @Test
  void aTimedOutDelayIsNeverSentOnATracedRequestEither() throws Exception {
    try (OpenTelemetrySdk sdk = OpenTelemetrySdk.builder()
        .setTracerProvider(SdkTracerProvider.builder().build()).build()) {
      start("  slow: { route: items, kind: delay, delay: 400ms }", GatewayTracing.using(sdk));

      assertProblem(get("/items", "t"), 504, "TIMEOUT");
      Thread.sleep(800); // past the delay: a wait the timeout failed to cancel would have sent the call by now
      assertThat(upstream.calls.get()).isZero();
      gateway.close();
      gateway = null;
    }
  }

  @Test
  void anErrorDrillHitsOnlyCallsCarryingItsHeaderAndEveryAttemptOfThem() throws Exception {
    start(String.join("\n",
        "  broken: { route: items, kind: error, status: 500, header: { name: X-Drill, value: 'on' } }",
        "  missing: { route: other, kind: error, status: 404 }"));

    assertProblem(get("/items", "t", "X-Drill", "on"), 502, "UPSTREAM_ERROR");
    assertThat(injected("items", "error")).as("the retry met the fault again").isEqualTo(2);
    assertThat(get("/items", "t", "X-Drill", "off").statusCode()).isEqualTo(200);
    assertThat(get("/items", "t").statusCode()).isEqualTo(200);

    HttpResponse<String> notFound = get("/other", "t");
    assertThat(notFound.statusCode()).as("a 4xx is the upstream's answer, relayed").isEqualTo(404);
    assertThat(notFound.headers().firstValue(FaultInjector.HEADER)).contains("missing");
    assertThat(upstream.calls.get()).isEqualTo(2);
  }
}
