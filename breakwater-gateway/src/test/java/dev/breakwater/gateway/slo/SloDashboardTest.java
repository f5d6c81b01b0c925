package dev.breakwater.gateway.slo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.breakwater.gateway.config.ConfigLoader;
import dev.breakwater.gateway.config.GatewayConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The Grafana dashboard generated from a config's slos (its queries run against a real Prometheus elsewhere). */
class SloDashboardTest {
  private static final Path SHIPPED = Path.of("../deploy/grafana/breakwater.json");

  @Test
  void theShippedDashboardIsTheOneGeneratedFromTheShippedExample() throws Exception {
    GatewayConfig example = ConfigLoader.withEnvironment(k -> null).read(Path.of("../examples/graph-mcp.yaml"));
    String generated = SloDashboard.render(example);
    if (!Files.exists(SHIPPED) || !Files.readString(SHIPPED).equals(generated)) {
      Files.writeString(Path.of("target/breakwater.json"), generated);
    }
    assertThat(SHIPPED).as("deploy/grafana/breakwater.json is out of date: regenerate it with `breakwater slo"
        + " dashboard --config examples/graph-mcp.yaml --out deploy/grafana/breakwater.json` (the current output"
        + " is in breakwater-gateway/target/breakwater.json)").hasContent(generated);
  }

  @Test
  void everySloHasItsBurnRateAndRemainingBudgetAndALatencyObjectiveItsPercentilesAgainstTheThreshold()
      throws Exception {
    JsonNode dashboard = new ObjectMapper().readTree(SloDashboard.render(SloRulesPromtoolTest.config()));
    StringBuilder titles = new StringBuilder();
    StringBuilder queries = new StringBuilder();
    for (JsonNode panel : dashboard.path("panels")) {
      titles.append(panel.path("title").asText()).append('\n');
      panel.path("targets").forEach(t -> queries.append(t.path("expr").asText()).append('\n'));
      assertThat(panel.path("datasource").path("uid").asText()).isEqualTo("${datasource}");
    }
    assertThat(titles.toString()).contains("SLO mail-reads: burn rate over 1 h",
        "SLO mail-reads: error budget remaining over 30d", "SLO mail-daily: error budget remaining over 12h",
        "SLO mail-daily: latency p50, p95, p99");
    assertThat(queries.toString())
        .contains("slo:sli_error:ratio_rate1h{slo=\"mail-reads\"} / slo:error_budget:ratio{slo=\"mail-reads\"}")
        .contains("histogram_quantile(0.99, sum by (le) (rate(breakwater_call_duration_seconds_bucket"
            + "{operation=~\"list-messages\"}[$__rate_interval])))")
        .contains("vector(2)\n").contains("vector(1.5)\n");
  }

  @Test
  void aConfigWithoutSlosHasNoDashboard() {
    GatewayConfig none = ConfigLoader.withEnvironment(Map.<String, String>of()::get).read("""
        admin: { token: 0123456789abcdef }
        upstreams:
          graph: { endpoints: [http://127.0.0.1:9000] }
        routes:
          - { path: /v1.0/me/messages, upstream: graph }
        """, "gateway.yaml");
    assertThatThrownBy(() -> SloDashboard.render(none)).hasMessageContaining("no slos section");
  }
}
