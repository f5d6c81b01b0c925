package dev.breakwater.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.breakwater.gateway.config.ConfigLoader;
import dev.breakwater.simulator.Simulator;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Two simulators as two shards of one upstream: each tenant's calls all reach one shard, a pinned tenant its own. */
class TenantShardsEndToEndTest {

  @Test
  void eachTenantsCallsReachOneShardAndAPinnedTenantTheShardItIsPinnedTo() throws Exception {
    try (TwoGroups shards = new TwoGroups("west", "east")) {
      Simulator west = shards.first;
      Simulator east = shards.second;
      String yaml = shards.yaml(List.of(), List.of("sharding: { tenants: { contoso: east } }"),
          List.of("{ name: messages, path: /v1.0/me/messages, methods: [GET], upstream: graph }"));
      HttpClient http = HttpClient.newHttpClient();
      try (Gateway g = Gateway.start(ConfigLoader.parse(yaml, "shards.yaml"))) {
        List<String> tenants = List.of("contoso", "t1", "t2", "t3", "t4", "t5", "t6", "t7", "t8", "t9");
        for (String tenant : tenants) {
          for (int k = 0; k < 3; k++) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + g.port()
                    + "/v1.0/me/messages")).header("X-Tenant-Id", tenant).timeout(Duration.ofSeconds(20)).build(),
                HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
          }
        }
        assertThat(east.counters().tenant("contoso").received()).isEqualTo(3);
        assertThat(west.counters().tenant("contoso").received()).isZero();
        int onWest = 0;
        for (String tenant : tenants) {
          long w = west.counters().tenant(tenant).received();
          long e = east.counters().tenant(tenant).received();
          assertThat(List.of(w, e)).as(tenant + " on one shard only").containsExactlyInAnyOrder(0L, 3L);
          onWest += w > 0 ? 1 : 0;
        }
        assertThat(onWest).as("the unpinned tenants spread over both shards").isBetween(1, 8);
      }
    }
  }

  @Test
  void anOperatorMovesATenantToAnotherShardWithoutARestartAndBackByClearingTheMove() throws Exception {
    try (TwoGroups shards = new TwoGroups("west", "east")) {
      Simulator west = shards.first;
      Simulator east = shards.second;
      String yaml = shards.yaml(List.of(), List.of("sharding: { tenants: { contoso: west } }"),
          List.of("{ name: messages, path: /v1.0/me/messages, methods: [GET], upstream: graph }"));
      HttpClient http = HttpClient.newHttpClient();
      try (Gateway g = Gateway.start(ConfigLoader.parse(yaml, "shards.yaml"))) {
        call(http, g, "contoso");
        assertThat(west.counters().tenant("contoso").received()).isEqualTo(1);

        HttpResponse<String> moved = admin(http, g, "PUT", "/admin/control/shard/tenant:contoso",
            "{\"value\": \"east\"}");
        assertThat(moved.statusCode()).as(moved.body()).isEqualTo(200);
        call(http, g, "contoso");
        call(http, g, "contoso");
        assertThat(east.counters().tenant("contoso").received()).as("new calls go to the shard it was moved to")
            .isEqualTo(2);
        assertThat(west.counters().tenant("contoso").received()).isEqualTo(1);
        assertThat(admin(http, g, "GET", "/admin/control/shard/tenant:contoso", null).body())
            .contains("\"value\":\"east\"").contains("\"source\":\"OPERATOR\"");

        assertThat(admin(http, g, "DELETE", "/admin/control/shard/tenant:contoso", null).statusCode())
            .isEqualTo(200);
        call(http, g, "contoso");
        assertThat(west.counters().tenant("contoso").received()).as("back on its configured shard").isEqualTo(2);

        HttpResponse<String> wrongTarget = admin(http, g, "PUT", "/admin/control/shard/upstream:graph",
            "{\"value\": \"east\"}");
        assertThat(wrongTarget.statusCode()).isEqualTo(400);
        assertThat(wrongTarget.body()).contains("tenant:NAME");
      }
    }
  }

  private static void call(HttpClient http, Gateway g, String tenant) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + g.port()
            + "/v1.0/me/messages")).header("X-Tenant-Id", tenant).timeout(Duration.ofSeconds(20)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
  }

  private static HttpResponse<String> admin(HttpClient http, Gateway g, String method, String path, String body)
      throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + g.adminPort() + path))
        .header("Authorization", "Bearer " + GatewayTestSupport.TOKEN)
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
        .build(), HttpResponse.BodyHandlers.ofString());
  }
}
