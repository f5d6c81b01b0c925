package dev.breakwater.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.breakwater.simulator.SimulatorConfig;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A simulator error burst, seen through a real gateway: the group burns its budget on /admin/slos and /metrics. */
class SloBurnEndToEndTest {
  private static GatewayTestSupport s;

  @BeforeAll
  static void start() throws Exception {
    s = new GatewayTestSupport(SimulatorConfig.defaults().withRate(1000, 1000)
        .withErrorBurst(Duration.ZERO, Duration.ofHours(1)), String.join("\n",
        "  - name: messages",
        "    path: /v1.0/me/messages",
        "    upstream: graph",
        "    operation: list-messages",
        "  - name: drive",
        "    path: /v1.0/me/drive",
        "    upstream: graph",
        "    operation: drive-metadata",
        "slos:",
        "  reads: { routes: [messages], availability: 99.9 }",
        "  files: { routes: [drive], availability: 99.9 }"),
        GatewayTestSupport.defaultPolicies());
    for (int i = 0; i < 5; i++) {
      assertThat(s.get("/v1.0/me/messages", "t1").statusCode()).isGreaterThanOrEqualTo(500);
    }
  }

  @AfterAll
  static void stop() {
    s.close();
  }

  private static HttpResponse<String> admin(String path, boolean token) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(s.admin(path)).GET();
    if (token) {
      b.header("Authorization", "Bearer " + GatewayTestSupport.TOKEN);
    }
    return s.send(b);
  }

  @Test
  void theAdminApiShowsTheGroupBurningItsBudgetAndTheOtherNot() throws Exception {
    HttpResponse<String> r = admin("/admin/slos", true);

    assertThat(r.statusCode()).isEqualTo(200);
    String reads = r.body().substring(r.body().indexOf("\"name\":\"reads\""), r.body().indexOf("\"name\":\"files\""));
    assertThat(number(reads, "\"5m\":\\{\"error_ratio\":[^,]+,\"burn_rate\":([^}]+)\\}")).isGreaterThan(1);
    assertThat(number(reads, "\"budget_remaining\":([^,]+),")).isLessThan(0);
    String files = r.body().substring(r.body().indexOf("\"name\":\"files\""));
    assertThat(number(files, "\"5m\":\\{\"error_ratio\":[^,]+,\"burn_rate\":([^}]+)\\}")).isZero();
  }

  @Test
  void theMetricsShowTheBurnRatePerWindow() throws Exception {
    String metrics = admin("/metrics", false).body();

    assertThat(number(metrics, "breakwater_slo_burn_rate\\{sli=\"availability\",slo=\"reads\",window=\"5m\",?\\} (\\S+)"))
        .isGreaterThan(1);
    assertThat(number(metrics, "breakwater_slo_budget_remaining\\{sli=\"availability\",slo=\"reads\",?\\} (\\S+)"))
        .isLessThan(0);
  }

  @Test
  void theBudgetsNeedTheAdminToken() throws Exception {
    assertThat(admin("/admin/slos", false).statusCode()).isEqualTo(401);
  }

  private static double number(String text, String regex) {
    Matcher m = Pattern.compile(regex).matcher(text);
    assertThat(m.find()).as(regex + " in\n" + text).isTrue();
    return Double.parseDouble(m.group(1));
  }
}
