package dev.breakwater.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.breakwater.gateway.config.ConfigLoader;
import dev.breakwater.redis.testing.RedisExtension;
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
import org.junit.jupiter.api.extension.RegisterExtension;

/** Two gateways sharing a real redis-server, in front of one simulator. */
@org.junit.jupiter.api.extension.ExtendWith(LeakDetection.class)
class GatewayFleetTest {
  @RegisterExtension
  static final RedisExtension REDIS = RedisExtension.standalone();

  private Simulator sim;
  private final List<Gateway> fleet = new ArrayList<>();
  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeEach
  void start() {
    REDIS.flushAll();
    sim = Simulator.start(SimulatorConfig.defaults().withPort(0).withRate(1000, 1000));
    String yaml = String.join("\n",
        "server: { port: 0 }",
        "admin: { port: 0, token: fleet-test-token-0123456789 }",
        "state:",
        "  backend: redis",
        "  redis: { uri: '" + REDIS.uri() + "', commandTimeout: 1s }",
        "policies:",
        "  retries:",
        "    r: { maxAttempts: 2, baseDelay: 10ms, maxDelay: 20ms, maxRetryAfter: 1s }",
        "  idempotency:",
        "    default: { ttl: 30m, lease: 30s }",
        "  rateLimits:",
        "    fleet-tenant: { scope: tenant, permits: 5, period: 1m, burst: 5 }",
        "upstreams:",
        "  graph:",
        "    endpoints:",
        "      - http://127.0.0.1:" + sim.port(),
        "    retry: r",
        "    throttleGate: true",
        "routes:",
        "  - { name: send, path: /v1.0/me/sendMail, upstream: graph, operation: send, idempotency: default }",
        "  - { name: messages, path: /v1.0/me/messages, upstream: graph, operation: list }",
        "  - { name: events, path: /v1.0/me/events, upstream: graph, operation: events,"
            + " rateLimits: [fleet-tenant] }",
        "");
    for (int i = 0; i < 2; i++) {
      fleet.add(Gateway.start(ConfigLoader.parse(yaml, "fleet.yaml")));
    }
  }

  @AfterEach
  void stop() {
    fleet.forEach(Gateway::close);
    sim.close();
  }

  private URI uri(Gateway g, String path) {
    return URI.create("http://127.0.0.1:" + g.port() + path);
  }

  @Test
  void twentyConcurrentDuplicatePostsAcrossTwoGatewaysExecuteOnce() {
    List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      calls.add(http.sendAsync(HttpRequest.newBuilder(uri(fleet.get(i % 2), "/v1.0/me/sendMail"))
          .header("X-Tenant-Id", "contoso").header("Idempotency-Key", "order-7")
          .POST(HttpRequest.BodyPublishers.ofString("{\"subject\":\"once\"}")).build(),
          HttpResponse.BodyHandlers.ofString()));
    }
    for (CompletableFuture<HttpResponse<String>> c : calls) {
      assertThat(c.join().statusCode()).isIn(202, 409);
    }
    assertThat(sim.counters().executions("order-7")).isEqualTo(1);
  }

  @Test
  void aRetryAfterSeenThroughOneGatewayHoldsTheTenantOnTheOther() throws Exception {
    sim.updateConfig(c -> c.withTenantLimit("noisy", new dev.breakwater.simulator.RateLimit(0.2, 1)));
    HttpRequest.Builder get = HttpRequest.newBuilder().header("X-Tenant-Id", "noisy");
    assertThat(http.send(get.uri(uri(fleet.get(0), "/v1.0/me/messages")).build(),
        HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
    HttpResponse<String> throttled = http.send(get.uri(uri(fleet.get(0), "/v1.0/me/messages")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(throttled.statusCode()).isEqualTo(429);
    long received = sim.counters().tenant("noisy").received();
    // Gateway B learns of the window through Redis pub/sub; once it has, none of its calls reach the upstream.
    long deadline = System.nanoTime() + 10_000_000_000L;
    HttpResponse<String> held;
    do {
      held = http.send(get.uri(uri(fleet.get(1), "/v1.0/me/messages")).build(), HttpResponse.BodyHandlers.ofString());
    } while (!held.body().contains("holding calls") && System.nanoTime() < deadline);
    assertThat(held.statusCode()).isEqualTo(429);
    assertThat(held.body()).contains("\"code\":\"THROTTLED\"");
    long afterLearning = sim.counters().tenant("noisy").received();
    for (int i = 0; i < 10; i++) {
      assertThat(http.send(get.uri(uri(fleet.get(1), "/v1.0/me/messages")).build(),
          HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(429);
    }
    assertThat(sim.counters().tenant("noisy").received()).isEqualTo(afterLearning);
    HttpResponse<String> gates = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
        + fleet.get(1).adminPort() + "/admin/gates")).header("Authorization", "Bearer fleet-test-token-0123456789")
        .build(), HttpResponse.BodyHandlers.ofString());
    assertThat(gates.body()).contains("\"upstream\":\"graph\"").contains("\"tenant\":\"noisy\"");
    assertThat(sim.counters().tenant("noisy").receivedInsideWindow()).isLessThanOrEqualTo(afterLearning - received);
  }

  @Test
  void theRateLimitHeaderCountsWhatTheWholeFleetHasLeft() throws Exception {
    HttpRequest.Builder get = HttpRequest.newBuilder().header("X-Tenant-Id", "fabrikam");
    HttpResponse<String> viaA = http.send(get.uri(uri(fleet.get(0), "/v1.0/me/events")).build(),
        HttpResponse.BodyHandlers.ofString());
    HttpResponse<String> viaB = http.send(get.uri(uri(fleet.get(1), "/v1.0/me/events")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(viaA.headers().firstValue("RateLimit-Policy")).contains("\"fleet-tenant\";q=5;w=60");
    assertThat(viaA.headers().firstValue("RateLimit")).hasValueSatisfying(v -> assertThat(v).startsWith(
        "\"fleet-tenant\";r=4;t="));
    // B's remaining count includes the token A took: the bucket is one, in Redis.
    assertThat(viaB.headers().firstValue("RateLimit")).hasValueSatisfying(v -> assertThat(v).startsWith(
        "\"fleet-tenant\";r=3;t="));
    // A's admin reads the bucket from Redis: B's token counts too (A's own last decision saw 4 left).
    HttpResponse<String> limits = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
        + fleet.get(0).adminPort() + "/admin/limits?tenant=fabrikam"))
        .header("Authorization", "Bearer fleet-test-token-0123456789").build(), HttpResponse.BodyHandlers.ofString());
    assertThat(limits.statusCode()).isEqualTo(200);
    assertThat(limits.body()).contains("\"name\":\"fleet-tenant\"").contains("\"routes\":[\"events\"]")
        .contains("\"key\":\"8:fabrikam\",\"parts\":[\"fabrikam\"],\"remaining\":3");
  }
}
