package dev.breakwater.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.breakwater.gateway.config.ConfigLoader;
import dev.breakwater.simulator.Simulator;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Two simulators as the primary and the secondary region of one upstream, behind a real gateway: the primary dies and
 * reads go on at the secondary; it comes back and, after its healthy checks, takes 5, 25, 50 and then 100 % of the
 * reads, as its own request counters show. The step timing itself is proven on virtual time
 * ({@code EndpointSelectorTest}); here the windows are short and only the order and the shares are checked.
 */
class FailoverEndToEndTest {
  private static final String TENANT = "contoso";
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private TwoGroups groups;
  private Simulator primary;
  private Simulator secondary;
  private Gateway gateway;

  private void start(String failback) {
    groups = new TwoGroups("primary", "secondary");
    primary = groups.first;
    secondary = groups.second;
    gateway = Gateway.start(ConfigLoader.parse(groups.yaml(
        List.of("timeouts: { t: { attempt: 2s, deadline: 5s } }",
            "retries: { r: { maxAttempts: 2, baseDelay: 10ms, maxDelay: 20ms } }"),
        List.of("timeout: t", "retry: r", "connectTimeout: 500ms",
            "healthCheck: { path: /health, interval: 100ms, timeout: 1s, healthyThreshold: 1, unhealthyThreshold: 3 }",
            "outlierDetection: { consecutiveFailures: 2, baseEjection: 200ms, maxEjection: 1s }",
            "failback: " + failback),
        List.of("{ name: messages, path: /v1.0/me/messages, methods: [GET], upstream: graph }",
            "{ name: send, path: /v1.0/me/sendMail, methods: [POST], upstream: graph, kind: write }")),
        "failover.yaml"));
  }

  @AfterEach
  void stop() {
    if (gateway != null) {
      gateway.close();
    }
    if (groups != null) {
      groups.close();
    }
  }

  @Test
  void readsContinueAtTheSecondaryWhenThePrimaryDiesAndReturnToItInSteps() throws Exception {
    start("{ healthyChecks: 3, steps: [5, 25, 50, 100], verifyWindow: 1500ms, maxErrorRate: 5 }");
    assertThat(reads(20)).as("failed reads").isZero();
    assertThat(received(primary)).isEqualTo(20);
    assertThat(received(secondary)).isZero();

    primary.close();
    int failed = reads(200);
    System.out.println("failover: " + failed + " of 200 reads failed while the primary died");
    assertThat(failed).as("reads that failed while the primary died").isZero();
    assertThat(received(secondary)).isEqualTo(200);
    assertThat(upstream().path("group_in_use").asText()).isEqualTo("secondary");

    groups.restartFirst();
    primary = groups.first;
    // Batches of 20 reads: while a step holds, the primary takes exactly its share of each batch.
    List<Integer> shares = new ArrayList<>();
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (System.nanoTime() < deadline) {
      JsonNode before = upstream();
      long primaryBefore = received(primary);
      assertThat(reads(20)).isZero();
      long toPrimary = received(primary) - primaryBefore;
      JsonNode after = upstream();
      if (before.path("failback").equals(after.path("failback")) && !after.path("failback").isNull()) {
        int percent = after.path("failback").path("percent").asInt();
        assertThat(toPrimary).as("the primary's share of 20 reads at " + percent + " %").isEqualTo(percent / 5);
        if (shares.isEmpty() || shares.get(shares.size() - 1) != percent) {
          shares.add(percent);
        }
      }
      if (after.path("group_in_use").asText().equals("primary")) {
        break;
      }
    }
    assertThat(shares).containsExactly(5, 25, 50, 100);
    assertThat(upstream().path("group_in_use").asText()).isEqualTo("primary");
    assertThat(gateway.scrapeMetrics())
        .contains("breakwater_upstream_endpoint_events_total{event=\"failover\",upstream=\"graph\"} 1.0")
        .contains("breakwater_upstream_endpoint_events_total{event=\"failback_step\",upstream=\"graph\"} 4.0")
        .contains("breakwater_upstream_endpoint_events_total{event=\"failback_done\",upstream=\"graph\"} 1.0")
        .contains("breakwater_upstream_group_in_use{group=\"primary\",upstream=\"graph\"} 1.0");
  }

  @Test
  void aFailingPrimaryServesReadsFromTheSecondaryButNeverSendsAWriteTwice() throws Exception {
    start("{ healthyChecks: 3 }");
    primary.startErrorBurst(Duration.ofMinutes(1));
    HttpResponse<String> read = http.send(request("/v1.0/me/messages").GET().build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(read.statusCode()).isEqualTo(200);
    assertThat(received(primary)).isEqualTo(1);
    assertThat(received(secondary)).isEqualTo(1);

    HttpResponse<String> write = http.send(request("/v1.0/me/sendMail").header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{\"message\":{\"subject\":\"hi\"}}")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(write.statusCode()).isGreaterThanOrEqualTo(500);
    assertThat(received(primary)).as("the write reached the primary once").isEqualTo(2);
    assertThat(received(secondary)).as("and never the secondary").isEqualTo(1);
  }

  /** Sends {@code n} reads one after another; how many were not answered 200. */
  private int reads(int n) throws Exception {
    int failed = 0;
    for (int k = 0; k < n; k++) {
      HttpResponse<String> r = http.send(request("/v1.0/me/messages").GET().build(),
          HttpResponse.BodyHandlers.ofString());
      failed += r.statusCode() == 200 ? 0 : 1;
    }
    return failed;
  }

  private HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + path))
        .header("X-Tenant-Id", TENANT).timeout(Duration.ofSeconds(20));
  }

  private static long received(Simulator s) {
    return s.counters().tenant(TENANT).received();
  }

  private JsonNode upstream() throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.adminPort()
            + "/admin/upstreams")).header("Authorization", "Bearer " + GatewayTestSupport.TOKEN).GET().build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    return new ObjectMapper().readTree(r.body()).path("upstreams").get(0);
  }
}
