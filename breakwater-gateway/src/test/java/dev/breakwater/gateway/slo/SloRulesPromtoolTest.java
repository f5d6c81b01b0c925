package dev.breakwater.gateway.slo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.breakwater.gateway.config.ConfigLoader;
import dev.breakwater.gateway.config.GatewayConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The generated rules as Prometheus itself reads them: {@code promtool check rules} accepts them, and
 * {@code promtool test rules} replays synthetic series through them. Needs promtool (Debian's prometheus package,
 * which .ci/run installs): without it these tests fail, never skip.
 */
class SloRulesPromtoolTest {
  static final String CONFIG = """
      admin:
        token: 0123456789abcdef
      upstreams:
        graph:
          endpoints: [http://127.0.0.1:9000]
      routes:
        - name: list-messages
          path: /v1.0/me/messages
          methods: [GET]
          upstream: graph
        - name: get-message
          path: /v1.0/me/message
          upstream: graph
          operation: get.message
      slos:
        mail-reads:
          routes: [list-messages, get-message]
          availability: 99.9
          latency: { threshold: 1.5s, percent: 95 }
        mail-daily:
          routes: [list-messages]
          window: 12h
          latency: { threshold: 2s, percent: 99 }
      """;

  @TempDir
  Path dir;

  static GatewayConfig config() {
    return ConfigLoader.withEnvironment(Map.<String, String>of()::get).read(CONFIG, "gateway.yaml");
  }

  @Test
  void theRulesOfATestConfigPassPromtoolCheck() throws Exception {
    Path rules = Files.writeString(dir.resolve("rules.yml"), SloRules.render(config()));
    assertThat(promtool("check", "rules", rules.toString())).contains("SUCCESS");
  }

  @Test
  void theRulesOfTheShippedExamplePassPromtoolCheck() throws Exception {
    GatewayConfig example = ConfigLoader.withEnvironment(k -> null).read(Path.of("../examples/graph-mcp.yaml"));
    assertThat(example.slos()).containsKeys("mail-calendar-drive-reads", "search", "writes");
    Path rules = Files.writeString(dir.resolve("rules.yml"), SloRules.render(example));
    assertThat(promtool("check", "rules", rules.toString())).contains("SUCCESS");
  }

  @Test
  void anErrorRateBurningTheBudgetAboveFourteenTimesPagesOnceTheHourWindowConfirmsIt() throws Exception {
    // Six healthy hours of 1000 calls a minute, then 10 % errors (a burn rate of 100). The 1 h error ratio reaches
    // 9 min x 100 / 60000 = 1.5 % > 14.4 x 0.1 % at minute 369 (1.33 % at 368); the 6 h pair waits until 382.
    String series = """
        - series: 'breakwater_calls_total{operation="list-messages",outcome="success",source="upstream"}'
          values: '0+1000x360 360900+900x59'
        - series: 'breakwater_calls_total{operation="list-messages",outcome="upstream_error",source="upstream"}'
          values: '0x360 100+100x59'
        - series: 'breakwater_calls_total{operation="list-messages",outcome="rate_limited",source="gateway"}'
          values: '0+5000x420'
        """;
    String page = """
          - eval_time: 368m
            alertname: BreakwaterSloBurnRatePage
            exp_alerts: []
          - eval_time: 369m
            alertname: BreakwaterSloBurnRatePage
            exp_alerts:
              - exp_labels: { slo: mail-reads, sli: availability, severity: page }
                exp_annotations:
        %s
        """.formatted(annotations("mail-reads", "availability", "Page").indent(10).stripTrailing());
    assertThat(promtoolTest(series, page)).contains("SUCCESS");
  }

  @Test
  void aHealthyErrorRateWithinTheBudgetNeverPages() throws Exception {
    // 0.05 % errors, half the budget, for seven hours; the caller's own refusals (rate_limited) are not counted.
    String series = """
        - series: 'breakwater_calls_total{operation="get.message",outcome="success",source="upstream"}'
          values: '0+2000x420'
        - series: 'breakwater_calls_total{operation="get.message",outcome="timeout",source="upstream"}'
          values: '0+1x420'
        - series: 'breakwater_calls_total{operation="get.message",outcome="rate_limited",source="gateway"}'
          values: '0+5000x420'
        """;
    StringBuilder checks = new StringBuilder();
    for (int minute = 10; minute <= 420; minute += 10) {
      checks.append("  - eval_time: ").append(minute).append("m\n    alertname: BreakwaterSloBurnRatePage\n")
          .append("    exp_alerts: []\n");
    }
    assertThat(promtoolTest(series, checks.toString())).contains("SUCCESS");
  }

  @Test
  void whileNoCallHasFailedTheErrorRatioIsRecordedAsZeroNotLeftOut() throws Exception {
    // Only successes: the bad-outcome series do not exist yet, and the ratio and remaining budget must still read
    // 0 and 1 (a dashboard shows "no data" and an absent() alert fires otherwise).
    String series = """
        - series: 'breakwater_calls_total{operation="get.message",outcome="success",source="upstream"}'
          values: '0+600x20'
        """;
    String checks = """
        - eval_time: 10m
          expr: slo:sli_error:ratio_rate5m{slo="mail-reads",sli="availability"}
          exp_samples:
            - labels: 'slo:sli_error:ratio_rate5m{slo="mail-reads",sli="availability"}'
              value: 0
        - eval_time: 10m
          expr: slo:period_error_budget_remaining:ratio{slo="mail-reads",sli="availability"}
          exp_samples:
            - labels: 'slo:period_error_budget_remaining:ratio{slo="mail-reads",sli="availability"}'
              value: 1
        """;
    Files.writeString(dir.resolve("rules.yml"), SloRules.render(config()));
    String test = "rule_files: [rules.yml]\n"
        + "evaluation_interval: 1m\n"
        + "tests:\n"
        + "  - interval: 1m\n"
        + "    input_series:\n" + series.indent(6)
        + "    promql_expr_test:\n" + checks.indent(6);
    Path file = Files.writeString(dir.resolve("test.yml"), test);
    assertThat(promtool("test", "rules", file.toString())).contains("SUCCESS");
  }

  @Test
  void aCompressedRulesFileReadsEachNominalWindowOverAProportionallyShorterRange() throws Exception {
    String rules = SloRules.render(config(), 60);
    assertThat(rules).contains("- record: slo:sli_error:ratio_rate1h").contains("[60s]").contains("[5s]")
        .contains("[4320s]").doesNotContain("[1h]").doesNotContain("[5m]");
    Path file = Files.writeString(dir.resolve("rules.yml"), rules);
    assertThat(promtool("check", "rules", file.toString())).contains("SUCCESS");
  }

  /** The annotations the generated rules give an SLO burn alert, as promtool expects them listed. */
  private static String annotations(String slo, String sli, String kind) {
    String rules = SloRules.render(config());
    String alert = "- alert: BreakwaterSloBurnRate" + kind;
    int at = -1;
    while ((at = rules.indexOf(alert, at + 1)) >= 0) {
      int labels = rules.indexOf("labels: { slo: \"" + slo + "\", sli: " + sli + ",", at);
      int next = rules.indexOf("- alert:", at + 1);
      if (labels >= 0 && (next < 0 || labels < next)) {
        int start = rules.indexOf("annotations:\n", labels) + "annotations:\n".length();
        List<String> lines = new ArrayList<>();
        for (String l : rules.substring(start).lines().toList()) {
          if (!l.startsWith("          ")) {
            break;
          }
          lines.add(l.strip());
        }
        return String.join("\n", lines);
      }
    }
    throw new AssertionError("no " + alert + " for " + slo + "/" + sli + " in\n" + rules);
  }

  private String promtoolTest(String inputSeries, String alertTests) throws Exception {
    Files.writeString(dir.resolve("rules.yml"), SloRules.render(config()));
    String test = "rule_files: [rules.yml]\n"
        + "evaluation_interval: 1m\n"
        + "tests:\n"
        + "  - interval: 1m\n"
        + "    input_series:\n" + inputSeries.indent(6)
        + "    alert_rule_test:\n" + alertTests.indent(4);
    Path file = Files.writeString(dir.resolve("test.yml"), test);
    return promtool("test", "rules", file.toString());
  }

  /** Runs promtool and returns its output; fails (never skips) when promtool is missing or reports a failure. */
  static String promtool(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add("promtool");
    command.addAll(List.of(args));
    Process p;
    try {
      p = new ProcessBuilder(command).redirectErrorStream(true).start();
    } catch (IOException e) {
      throw new AssertionError("promtool is not on the PATH: install Debian's prometheus package"
          + " (apt-get install -y prometheus, then stop its service), as .ci/run does", e);
    }
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    // A guard against a hung process, not a performance bound.
    assertThat(p.waitFor(5, TimeUnit.MINUTES)).as("promtool finished").isTrue();
    assertThat(p.exitValue()).as("promtool " + String.join(" ", args) + " exit status; output:\n" + output)
        .isZero();
    return output;
  }
}
