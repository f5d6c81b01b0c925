package dev.breakwater.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.breakwater.gateway.config.ConfigLoader;
import dev.breakwater.simulator.Simulator;
import dev.breakwater.simulator.SimulatorConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A reload with a broken file is rejected with its problems, and the running config keeps serving. */
@org.junit.jupiter.api.extension.ExtendWith(LeakDetection.class)
class ReloadTest {

  @Test
  void aBrokenConfigIsRejectedAndTheOldOneKeepsServing(@TempDir Path dir) throws Exception {
    try (Simulator sim = Simulator.start(SimulatorConfig.defaults().withPort(0))) {
      String good = String.join("\n",
          "server: { port: 0 }",
          "admin: { port: 0, token: reload-test-token-0123456789 }",
          "upstreams:",
          "  graph:",
          "    endpoints:",
          "      - http://127.0.0.1:" + sim.port(),
          "routes:",
          "  - { name: messages, path: /v1.0/me/messages, upstream: graph, operation: list }",
          "");
      Path file = dir.resolve("gateway.yaml");
      Files.writeString(file, good);
      try (Gateway g = Gateway.start(ConfigLoader.load(file))) {
        HttpClient http = HttpClient.newHttpClient();
        HttpRequest get = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + g.port() + "/v1.0/me/messages"))
            .header("X-Tenant-Id", "t").build();
        assertThat(http.send(get, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);

        Files.writeString(file, good.replace("operation: list", "operation: list, rateLimits: [missing]"));
        List<String> problems = g.reload();
        assertThat(problems).singleElement().asString().contains("gateway.yaml:8").contains("missing");
        assertThat(http.send(get, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);

        HttpResponse<String> viaAdmin = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
            + g.adminPort() + "/admin/reload")).header("Authorization", "Bearer reload-test-token-0123456789")
            .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(viaAdmin.statusCode()).isEqualTo(422);
        assertThat(viaAdmin.body()).contains("\"reloaded\":false");

        Files.writeString(file, good.replace("/v1.0/me/messages", "/v1.0/me/events"));
        assertThat(g.reload()).isEmpty();
        HttpRequest events = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + g.port() + "/v1.0/me/events"))
            .header("X-Tenant-Id", "t").build();
        assertThat(http.send(events, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
        assertThat(http.send(get, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(404);
      }
    }
  }

  @Test
  void aReloadKeepsOperatorSettingsAndTheBreakersOfUnchangedPolicies(@TempDir Path dir) throws Exception {
    try (Simulator sim = Simulator.start(SimulatorConfig.defaults().withPort(0))) {
      String config = String.join("\n",
          "server: { port: 0 }",
          "admin: { port: 0, token: reload-test-token-0123456789 }",
          "policies:",
          "  circuitBreakers:",
          "    cb: { failureRateThreshold: 50 }",
          "upstreams:",
          "  graph:",
          "    endpoints:",
          "      - http://127.0.0.1:" + sim.port(),
          "    circuitBreaker: cb",
          "routes:",
          "  - { name: messages, path: /v1.0/me/messages, upstream: graph, operation: list }",
          "");
      Path file = dir.resolve("gateway.yaml");
      Files.writeString(file, config);
      try (Gateway g = Gateway.start(ConfigLoader.load(file))) {
        HttpClient http = HttpClient.newHttpClient();
        String admin = "http://127.0.0.1:" + g.adminPort();
        for (String control : new String[] {"/admin/breakers/graph/open?config=cb",
            "/admin/degradation?level=read_only"}) {
          assertThat(http.send(HttpRequest.newBuilder(URI.create(admin + control))
              .header("Authorization", "Bearer reload-test-token-0123456789")
              .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString())
              .statusCode()).isEqualTo(200);
        }

        Files.writeString(file, config.replace("operation: list", "operation: list-messages"));
        assertThat(g.reload()).isEmpty();

        HttpRequest get = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + g.port() + "/v1.0/me/messages"))
            .header("X-Tenant-Id", "t").build();
        HttpResponse<String> r = http.send(get, HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(r.body()).contains("\"code\":\"CIRCUIT_OPEN\"");
        assertThat(g.engine().degradation("graph")).isEqualTo(dev.breakwater.Degradation.READ_ONLY);
        assertThat(sim.counters().totals().received()).isZero();
      }
    }
  }
}
