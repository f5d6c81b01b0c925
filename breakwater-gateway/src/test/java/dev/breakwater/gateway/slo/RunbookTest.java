package dev.breakwater.gateway.slo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.breakwater.gateway.config.ConfigLoader;
import dev.breakwater.gateway.config.GatewayConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** docs/operations.md stays a runbook for what the shipped example generates: every alert and every metric it reads. */
class RunbookTest {
  private static String runbook;
  private static GatewayConfig example;

  @BeforeAll
  static void read() throws Exception {
    runbook = Files.readString(Path.of("../docs/operations.md"));
    example = ConfigLoader.withEnvironment(k -> null).read(Path.of("../examples/graph-mcp.yaml"));
  }

  @Test
  void everyGeneratedAlertHasARunbookEntry() {
    Set<String> alerts = matches(Pattern.compile("- alert: (\\w+)"), SloRules.render(example));

    assertThat(alerts).contains("BreakwaterSloBurnRatePage", "BreakwaterCircuitOpen");
    for (String alert : alerts) {
      assertThat(runbook).as("docs/operations.md has no section for alert " + alert).contains("\n## " + alert + " (");
    }
  }

  @Test
  void everyMetricTheRulesAndTheDashboardReadIsInTheMetricsTables() {
    Set<String> metrics = matches(Pattern.compile("\\b(breakwater_[a-z_]+)"),
        SloRules.render(example) + SloDashboard.render(example));

    assertThat(metrics).contains("breakwater_calls_total", "breakwater_circuit_state");
    for (String metric : metrics) {
      // A histogram's series are documented under the histogram's name.
      String documented = metric.replaceAll("_(bucket|count|sum)$", "");
      assertThat(runbook).as("docs/operations.md, Metrics: no row for " + documented).contains("`" + documented + "`");
    }
  }

  private static Set<String> matches(Pattern pattern, String text) {
    Set<String> found = new TreeSet<>();
    Matcher m = pattern.matcher(text);
    while (m.find()) {
      found.add(m.group(1));
    }
    return found;
  }
}
