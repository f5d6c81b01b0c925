package dev.breakwater.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.breakwater.gateway.config.ConfigLoader;
import dev.breakwater.redis.testing.RedisServer;
import dev.breakwater.simulator.Simulator;
import dev.breakwater.simulator.SimulatorConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two gateways on one redis-server with the default Redis command timeout: a keyed write is executed at most once
 * whether Redis is down or the gateways have just started, and the refusal is a clear 503 with retry advice.
 */
@org.junit.jupiter.api.extension.ExtendWith(LeakDetection.class)
class GatewayIdempotencyOutageTest {
  private RedisServer redis;
  private Simulator sim;
  private final List<Gateway> fleet = new ArrayList<>();
  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeEach
  void start() {
    redis = RedisServer.start();
    sim = Simulator.start(SimulatorConfig.defaults().withPort(0).withRate(1000, 1000));
  }

  @AfterEach
  void stop() {
    fleet.forEach(Gateway::close);
    sim.close();
    redis.stop();
  }

  /** Two freshly started gateways with the default Redis settings (100 ms command timeout). */
  private void startFleet() {
    fleet.forEach(Gateway::close);
    fleet.clear();
    String yaml = String.join("\n",
        "server: { port: 0 }",
        "admin: { port: 0, token: fleet-test-token-0123456789 }",
        "state:",
        "  backend: redis",
        "  redis: { uri: '" + redis.uri() + "' }",
        "policies:",
        "  idempotency:",
        "    default: { ttl: 30m, lease: 30s }",
        "upstreams:",
        "  graph:",
        "    endpoints:",
        "      - http://127.0.0.1:" + sim.port(),
        "routes:",
        "  - { name: send, path: /v1.0/me/sendMail, upstream: graph, operation: send, idempotency: default }",
        "");
    for (int i = 0; i < 2; i++) {
      fleet.add(Gateway.start(ConfigLoader.parse(yaml, "fleet.yaml")));
    }
  }

  private HttpRequest send(Gateway g, String key) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + g.port() + "/v1.0/me/sendMail"))
        .header("X-Tenant-Id", "contoso").header("Idempotency-Key", key)
        .POST(HttpRequest.BodyPublishers.ofString("{\"subject\":\"once\"}")).build();
  }

  @Test
  void withRedisDownAKeyedPostToEitherGatewayIsRefusedWithRetryAdviceAndNeverExecuted() throws Exception {
    startFleet();
    redis.kill9();

    for (Gateway g : fleet) {
      HttpResponse<String> r = http.send(send(g, "order-down"), HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(503);
      assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(
          v -> assertThat(v).startsWith("application/problem+json"));
      assertThat(r.body()).contains("\"code\":\"DEGRADED\"").contains("\"retry_after_seconds\":")
          .doesNotContain("Exception").doesNotContain("Redis");
      assertThat(r.headers().firstValue("Retry-After")).isPresent();
    }
    assertThat(sim.counters().executions("order-down")).isZero();

    HttpResponse<String> ready = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
        + fleet.get(0).adminPort() + "/health/ready")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(ready.body()).contains("state store degraded").contains("keyed writes refused");
  }

  @Test
  void twentyConcurrentDuplicatePostsAcrossTwoFreshlyStartedGatewaysExecuteExactlyOnce() {
    for (int round = 0; round < 4; round++) {
      startFleet();
      String key = "order-fresh-" + round;
      List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        calls.add(http.sendAsync(send(fleet.get(i % 2), key), HttpResponse.BodyHandlers.ofString()));
      }
      List<Integer> statuses = new ArrayList<>();
      for (CompletableFuture<HttpResponse<String>> c : calls) {
        statuses.add(c.join().statusCode());
      }
      assertThat(sim.counters().executions(key)).as("round %d, statuses %s", round, statuses).isEqualTo(1);
      assertThat(statuses).as("round %d", round).allMatch(s -> s == 202 || s == 409);
    }
  }
}
