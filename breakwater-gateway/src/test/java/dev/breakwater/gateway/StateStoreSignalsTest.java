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
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** What the state store does reaches Prometheus: a Redis outage is a gauge, and every local decision is counted. */
class StateStoreSignalsTest {
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  @Test
  void aRedisOutageAndTheDecisionsTakenOnLocalStateShowOnMetrics() throws Exception {
    try (RedisServer redis = RedisServer.start();
        Simulator sim = Simulator.start(SimulatorConfig.defaults().withPort(0).withRate(1000, 1000))) {
      String yaml = String.join("\n",
          "server: { port: 0 }",
          "admin: { port: 0, token: signals-test-token-0123456789 }",
          "state:",
          "  backend: redis",
          "  redis: { uri: '" + redis.uri() + "', commandTimeout: 200ms, failuresToOpen: 2, openDuration: 30s }",
          "policies:",
          "  rateLimits:",
          "    per-tenant: { scope: tenant, permits: 100, period: 1s, burst: 100 }",
          "upstreams:",
          "  graph: { endpoints: [ 'http://127.0.0.1:" + sim.port() + "' ] }",
          "routes:",
          "  - { name: events, path: /v1.0/me/events, upstream: graph, rateLimits: [per-tenant] }",
          "");
      try (Gateway g = Gateway.start(ConfigLoader.parse(yaml, "signals.yaml"))) {
        assertThat(get(g.port(), "/v1.0/me/events").statusCode()).isEqualTo(200);
        redis.kill9();
        for (int i = 0; i < 5; i++) {
          assertThat(get(g.port(), "/v1.0/me/events").statusCode()).isEqualTo(200);
        }
        String metrics = get(g.adminPort(), "/metrics").body();
        assertThat(metrics).contains("breakwater_state_store_degraded{store=\"redis\"} 1.0");
        assertThat(metrics).contains("breakwater_state_store_transitions_total{store=\"redis\",to=\"degraded\"} 1.0");
        assertThat(metrics).containsPattern("breakwater_state_store_degraded_decisions_total\\{store=\"redis\"} [1-9]");
      }
    }
  }

  private HttpResponse<String> get(int port, String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .header("X-Tenant-Id", "contoso").timeout(Duration.ofSeconds(20)).build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
