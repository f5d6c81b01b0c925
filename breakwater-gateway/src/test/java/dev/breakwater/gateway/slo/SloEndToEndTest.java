package dev.breakwater.gateway.slo;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.breakwater.gateway.Gateway;
import dev.breakwater.gateway.config.ConfigLoader;
import dev.breakwater.gateway.config.GatewayConfig;
import dev.breakwater.redis.testing.RedisExtension;
import dev.breakwater.simulator.Simulator;
import dev.breakwater.simulator.SimulatorConfig;
import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The SLO rules and the dashboard against a real Prometheus scraping a real gateway in front of the simulator: an
 * error burst drives the recorded burn above the page threshold, the page alert fires, and it resolves once the
 * burst stops; every dashboard panel's query returns data. The rules are time-compressed 60 times (an hour reads
 * 60 s) so that this happens within a minute. So that every panel has a series, the gateway keeps its state in a real
 * redis-server (paused for a moment at the end: the fallback panel), a route outside the SLO calls an upstream that
 * always throttles (the gate panels), and the retry policy has a budget the burst exhausts. Needs {@code prometheus}
 * on the PATH (Debian's prometheus package, which .ci/run installs): without it the test fails, never skips.
 */
class SloEndToEndTest {
  /** An hour of the rules lasts a minute here: the 1 h / 5 min page pair reads 60 s and 5 s. */
  static final long COMPRESSION = 60;

  private static final ObjectMapper JSON = new ObjectMapper();

  @RegisterExtension
  static final RedisExtension REDIS = RedisExtension.standalone();

  private static final String SLO = "slo=\"mail\",sli=\"availability\"";

  @TempDir
  Path dir;

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private final long startNanos = System.nanoTime();
  private final List<String> timeline = new ArrayList<>();
  private URI api;

  static String config(int simulatorPort, int throttlingPort, String redisUri) {
    return """
        server: { port: 0, drainTimeout: 1s }
        state:
          backend: redis
          redis: { uri: '%s', commandTimeout: 200ms }
        admin: { port: 0, token: test-admin-token-0123456789 }
        policies:
          timeouts:
            t: { attempt: 2s, deadline: 4s }
          retries:
            r:
              maxAttempts: 2
              baseDelay: 5ms
              maxDelay: 20ms
              budget: { ratio: 0.01, minRetriesPerSecond: 0, window: 10s }
          circuitBreakers:
            cb: { windowSize: 20, minimumCalls: 10, failureRateThreshold: 50, openDuration: 1s }
          bulkheads:
            mail: { maxConcurrent: 50 }
          rateLimits:
            per-tenant: { scope: tenant, permits: 1000, period: 1s, burst: 1000 }
          caches:
            short: { ttl: 1s }
        upstreams:
          graph:
            endpoints: [http://127.0.0.1:%d]
            timeout: t
            retry: r
            circuitBreaker: cb
            throttleGate: true
          limited:
            endpoints: [http://127.0.0.1:%d]
            throttleGate: true
        routes:
          - name: messages
            path: /v1.0/me/messages
            methods: [GET]
            upstream: graph
            operation: list-messages
            bulkhead: mail
            rateLimits: [per-tenant]
          - name: drive
            path: /v1.0/me/drive
            methods: [GET]
            upstream: graph
            operation: drive-metadata
            cache: short
          - name: reports
            path: /v1.0/reports
            methods: [GET]
            upstream: limited
            operation: usage-reports
        slos:
          mail:
            routes: [messages, drive]
            availability: 99
            latency: { threshold: 1s, percent: 95 }
        """.formatted(redisUri, simulatorPort, throttlingPort);
  }

  @Test
  void anErrorBurstPagesThroughARealPrometheusAndTheAlertResolvesWhenItStops() throws Exception {
    Path prometheusBinary = prometheusOnPath().orElseThrow(() -> new AssertionError(
        "prometheus is not on the PATH: install Debian's prometheus package (apt-get install prometheus, as .ci/run"
            + " does) to run the SLO end-to-end check"));
    AtomicBoolean driving = new AtomicBoolean(true);
    Process prometheus = null;
    Thread traffic = null;
    Vertx vertx = Vertx.vertx();
    // An upstream that always throttles, for the route outside the SLO: the gate panels get their series.
    HttpServer throttling = vertx.createHttpServer().requestHandler(req -> req.response().setStatusCode(429)
        .putHeader("Retry-After", "1").end()).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().join();
    try (Simulator simulator = Simulator.start(SimulatorConfig.defaults().withRate(10_000, 10_000).withPort(0))) {
      GatewayConfig config = ConfigLoader.withEnvironment(Map.<String, String>of()::get)
          .read(config(simulator.port(), throttling.actualPort(), REDIS.uri()), "slo-e2e.yaml");
      try (Gateway gateway = Gateway.start(config)) {
        int port = freePort();
        prometheus = startPrometheus(prometheusBinary, config, gateway.adminPort(), port);
        api = URI.create("http://127.0.0.1:" + port);
        await("Prometheus to become ready", Duration.ofSeconds(30),
            () -> get(api.resolve("/-/ready")).statusCode() == 200);
        mark("Prometheus ready on port " + port);

        traffic = new Thread(() -> drive(gateway.port(), driving), "slo-e2e-traffic");
        traffic.setDaemon(true);
        traffic.start();

        await("the 5-minute (5 s) error ratio to be recorded as 0 while healthy", Duration.ofSeconds(30),
            () -> value(api, "slo:sli_error:ratio_rate5m{" + SLO + "}").filter(v -> v == 0).isPresent());
        mark("healthy: recorded error ratio 0");
        assertThat(firing(api)).as("page alert while healthy").isFalse();

        simulator.startErrorBurst(Duration.ofMinutes(5));
        mark("error burst started (100 % 5xx from the simulator)");
        await("the page alert BreakwaterSloBurnRatePage to fire", Duration.ofSeconds(45), () -> firing(api));
        mark("page alert firing");
        // The listing route fails throughout (upstream errors, then an open breaker); the cached drive route still
        // answers some calls from its cache. The page fires on either pair: both windows above 14.4 times the 1 %
        // budget (1 h and 5 min), or above 6 times it (6 h and 30 min); which comes first depends on the load.
        double r5m = value(api, "slo:sli_error:ratio_rate5m{" + SLO + "}").orElseThrow();
        double r1h = value(api, "slo:sli_error:ratio_rate1h{" + SLO + "}").orElseThrow();
        double r30m = value(api, "slo:sli_error:ratio_rate30m{" + SLO + "}").orElseThrow();
        double r6h = value(api, "slo:sli_error:ratio_rate6h{" + SLO + "}").orElseThrow();
        mark("recorded error ratio: 5m " + r5m + ", 1h " + r1h + ", 30m " + r30m + ", 6h " + r6h);
        assertThat((r5m > 0.144 && r1h > 0.144) || (r30m > 0.06 && r6h > 0.06))
            .as("a page pair above its threshold: 5m %s, 1h %s (> 0.144) or 30m %s, 6h %s (> 0.06)", r5m, r1h, r30m,
                r6h).isTrue();
        assertThat(value(api, "slo:error_budget:ratio{" + SLO + "}")).contains(0.01);
        assertThat(value(api, "slo:period_error_budget_remaining:ratio{" + SLO + "}")).hasValueSatisfying(
            v -> assertThat(v).isLessThan(1));

        simulator.updateConfig(c -> c.withErrorBursts(List.of()));
        mark("error burst stopped");
        await("the page alert to resolve after the burst", Duration.ofSeconds(45), () -> !firing(api));
        mark("page alert resolved");

        // Redis stops answering for a moment: decisions fall back to local state, which the fallback panel shows.
        REDIS.server().call("CLIENT", "PAUSE", "1500", "ALL");
        mark("redis paused for 1.5 s");
        // A rate needs two scrapes of the counter: wait until the panel's own query has a positive value.
        await("decisions on local state to be recorded", Duration.ofSeconds(30), () -> value(api,
            "sum(rate(breakwater_state_store_degraded_decisions_total[1m]))").filter(v -> v > 0).isPresent());
        mark("decisions on local state recorded");

        List<String> empty = new ArrayList<>();
        for (SloDashboard.Panel panel : SloDashboard.panels(config)) {
          for (String q : panel.queries()) {
            if (query(api, q.replace(SloDashboard.RATE_INTERVAL, "1m")).isEmpty()) {
              empty.add(panel.title() + ": " + q);
            }
          }
        }
        mark("dashboard: " + SloDashboard.panels(config).size() + " panels, every one with data");
        assertThat(empty).as("dashboard queries that returned no data").isEmpty();
        assertThat(value(api, "slo:sli_error:ratio_rate5m{" + SLO + "}")).hasValueSatisfying(
            v -> assertThat(v).isLessThan(0.144));
      }
    } finally {
      driving.set(false);
      if (traffic != null) {
        traffic.join(5_000);
      }
      if (prometheus != null) {
        prometheus.destroy();
        if (!prometheus.waitFor(10, TimeUnit.SECONDS)) {
          prometheus.destroyForcibly();
        }
      }
      vertx.close().toCompletionStage().toCompletableFuture().join();
      System.out.println("SloEndToEndTest timeline:\n  " + String.join("\n  ", timeline));
    }
  }

  private Process startPrometheus(Path binary, GatewayConfig config, int adminPort, int port) throws IOException {
    Files.writeString(dir.resolve("rules.yml"), SloRules.render(config, COMPRESSION));
    Path file = Files.writeString(dir.resolve("prometheus.yml"), """
        global: { scrape_interval: 1s, scrape_timeout: 1s, evaluation_interval: 1s }
        rule_files: [rules.yml]
        scrape_configs:
          - job_name: breakwater
            static_configs: [{ targets: ['127.0.0.1:%d'] }]
        """.formatted(adminPort));
    return new ProcessBuilder(binary.toString(), "--config.file=" + file,
        "--storage.tsdb.path=" + dir.resolve("data"), "--web.listen-address=127.0.0.1:" + port)
        .redirectErrorStream(true).redirectOutput(dir.resolve("prometheus.log").toFile()).start();
  }

  /** Steady calls on both SLO routes from a few tenants until told to stop; failures are expected in the burst. */
  private void drive(int gatewayPort, AtomicBoolean driving) {
    String[] paths = {"/v1.0/me/messages", "/v1.0/me/drive", "/v1.0/reports"};
    int i = 0;
    while (driving.get()) {
      URI uri = URI.create("http://127.0.0.1:" + gatewayPort + paths[i % paths.length]);
      try {
        http.send(HttpRequest.newBuilder(uri).header("X-Tenant-Id", "tenant-" + (i % 3))
            .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.discarding());
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (IOException e) {
        // A refused or reset call is the burst's doing; the next one goes on.
      }
      i++;
    }
  }

  private boolean firing(URI api) throws Exception {
    JsonNode alerts = JSON.readTree(get(api.resolve("/api/v1/alerts")).body()).path("data").path("alerts");
    for (JsonNode a : alerts) {
      JsonNode labels = a.path("labels");
      if (labels.path("alertname").asText().equals("BreakwaterSloBurnRatePage")
          && labels.path("slo").asText().equals("mail") && labels.path("sli").asText().equals("availability")
          && a.path("state").asText().equals("firing")) {
        return true;
      }
    }
    return false;
  }

  /** The first sample of an instant query, or empty when it returns no series. */
  static Optional<Double> value(URI api, String promql) throws Exception {
    JsonNode result = query(api, promql);
    if (result.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(Double.parseDouble(result.get(0).path("value").get(1).asText()));
  }

  /** The result vector of an instant query; fails on a query Prometheus refuses. */
  static JsonNode query(URI api, String promql) throws Exception {
    URI uri = api.resolve("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8));
    HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(uri)
        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    JsonNode body = JSON.readTree(response.body());
    if (!"success".equals(body.path("status").asText())) {
      throw new AssertionError("Prometheus refused " + promql + ": " + response.body());
    }
    return body.path("data").path("result");
  }

  private HttpResponse<String> get(URI uri) throws Exception {
    return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private interface Check {
    boolean holds() throws Exception;
  }

  /** Polls {@code check} every 250 ms until it holds; fails naming the step after {@code limit}. */
  private void await(String step, Duration limit, Check check) throws Exception {
    long deadline = System.nanoTime() + limit.toNanos();
    Exception last = null;
    while (System.nanoTime() < deadline) {
      try {
        if (check.holds()) {
          return;
        }
      } catch (IOException e) {
        last = e;
      }
      Thread.sleep(250);
    }
    String log = Files.exists(dir.resolve("prometheus.log")) ? Files.readString(dir.resolve("prometheus.log")) : "";
    throw new AssertionError("timed out after " + limit.toSeconds() + " s waiting for " + step + "; timeline: "
        + timeline + (last != null ? "; last error: " + last : "") + "\nscrape targets: " + diagnostics("up")
        + "\ncalls: " + diagnostics("breakwater_calls_total") + "\nprometheus log tail:\n"
        + log.substring(Math.max(0, log.length() - 3000)), last);
  }

  private String diagnostics(String promql) {
    try {
      return query(api, promql).toString();
    } catch (Exception e) {
      return "(query failed: " + e + ")";
    }
  }

  private void mark(String event) {
    timeline.add(String.format("%5.1f s  %s", (System.nanoTime() - startNanos) / 1e9, event));
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  static Optional<Path> prometheusOnPath() {
    for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      Path p = Path.of(d, "prometheus");
      if (Files.isExecutable(p)) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }
}
