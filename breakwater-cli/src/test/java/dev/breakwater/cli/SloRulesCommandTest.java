package dev.breakwater.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code breakwater slo rules} and {@code breakwater slo dashboard} commands. */
class SloRulesCommandTest {
  @Test
  void rulesOfTheShippedExampleAreWrittenToTheOutFile(@TempDir Path dir) throws Exception {
    Path out = dir.resolve("rules.yml");
    assertThat(BreakwaterMain.slo(new String[] {"rules", "--config", "../examples/graph-mcp.yaml", "--out",
        out.toString()})).isZero();
    assertThat(Files.readString(out)).contains("slo:sli_error:ratio_rate5m", "BreakwaterSloBurnRatePage",
        "slo: \"writes\"");
  }

  @Test
  void theDashboardOfTheShippedExampleIsTheShippedDashboard(@TempDir Path dir) throws Exception {
    Path out = dir.resolve("breakwater.json");
    assertThat(BreakwaterMain.slo(new String[] {"dashboard", "--config", "../examples/graph-mcp.yaml", "--out",
        out.toString()})).isZero();
    assertThat(out).hasSameTextualContentAs(Path.of("../deploy/grafana/breakwater.json"));
  }

  @Test
  void aConfigWithoutSlosIsRefused(@TempDir Path dir) throws Exception {
    Path config = Files.writeString(dir.resolve("gateway.yaml"), """
        admin: { token: 0123456789abcdef }
        upstreams:
          graph: { endpoints: [http://127.0.0.1:9000] }
        routes:
          - { path: /v1.0/me/messages, upstream: graph }
        """);
    Path out = dir.resolve("rules.yml");
    assertThat(BreakwaterMain.slo(new String[] {"rules", "--config", config.toString(), "--out", out.toString()}))
        .isEqualTo(1);
    assertThat(out).doesNotExist();
  }

  @Test
  void anUnknownSubcommandIsAUsageError() {
    assertThat(BreakwaterMain.slo(new String[] {"alerts"})).isEqualTo(2);
  }
}
