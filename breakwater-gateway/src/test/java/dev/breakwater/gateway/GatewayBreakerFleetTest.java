package dev.breakwater.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.breakwater.gateway.config.ConfigLoader;
import dev.breakwater.redis.testing.Poll;
import dev.breakwater.redis.testing.RedisExtension;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Two gateways sharing a real redis-server in front of an upstream that answers 503: a breaker with {@code fleet: true}
 * opened by the failures gateway A saw is open on gateway B before B has sent the upstream anything.
 */
@org.junit.jupiter.api.extension.ExtendWith(LeakDetection.class)
class GatewayBreakerFleetTest {
  @RegisterExtension
  static final RedisExtension REDIS = RedisExtension.standalone();
  private static final String TOKEN = "fleet-breaker-token-0123456789";

  private CountingUpstream upstream;
  private final List<Gateway> fleet = new ArrayList<>();
  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeEach
  void start() {
    REDIS.flushAll();
    upstream = new CountingUpstream();
    String yaml = String.join("\n",
        "server: { port: 0 }",
        "admin: { port: 0, token: " + TOKEN + " }",
        "state:",
        "  backend: redis",
        "  redis: { uri: '" + REDIS.uri() + "', commandTimeout: 1s }",
        "policies:",
        "  circuitBreakers:",
        "    cb: { windowSize: 5, minimumCalls: 5, failureRateThreshold: 50, openDuration: 30s, fleet: true }",
        "upstreams:",
        "  graph:",
        "    endpoints: [http://127.0.0.1:" + upstream.port() + "]",
        "    circuitBreaker: cb",
        "routes:",
        "  - { name: messages, path: /v1.0/me/messages, upstream: graph, operation: list }",
        "");
    for (int i = 0; i < 2; i++) {
      fleet.add(Gateway.start(ConfigLoader.parse(yaml, "fleet.yaml")));
    }
  }

  @AfterEach
  void stop() {
    fleet.forEach(Gateway::close);
    upstream.close();
  }

  private HttpResponse<String> get(Gateway g) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + g.port() + "/v1.0/me/messages"))
        .header("X-Tenant-Id", "contoso").header("X-Test-Status", "503").build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private String breakers(Gateway g) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + g.adminPort() + "/admin/breakers"))
        .header("Authorization", "Bearer " + TOKEN).build(), HttpResponse.BodyHandlers.ofString()).body();
  }

  @Test
  void anOpeningOnGatewayAOpensGatewayBBeforeBSawAFailure() throws Exception {
    Gateway a = fleet.get(0);
    Gateway b = fleet.get(1);
    for (int i = 0; i < 5; i++) {
      assertThat(get(a).statusCode()).as("the upstream's failure, passed on").isEqualTo(502);
    }
    assertThat(breakers(a)).contains("\"key\":\"graph|cb\",\"name\":\"graph\",\"state\":\"OPEN\"");

    Poll.until("B's breaker open", Duration.ofSeconds(20), () -> breakers(b).contains("\"state\":\"OPEN\""));
    int reachedUpstream = upstream.calls.get();
    for (int i = 0; i < 10; i++) {
      HttpResponse<String> held = get(b);
      assertThat(held.statusCode()).isEqualTo(503);
      assertThat(held.body()).contains("CIRCUIT_OPEN");
    }

    assertThat(reachedUpstream).as("only A's five calls").isEqualTo(5);
    assertThat(upstream.calls.get()).as("B sent nothing to the upstream").isEqualTo(5);
  }
}
