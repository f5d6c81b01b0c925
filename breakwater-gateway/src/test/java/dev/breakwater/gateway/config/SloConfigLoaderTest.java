package dev.breakwater.gateway.config;

import static dev.breakwater.gateway.config.ConfigLoaderTest.BASE;
import static dev.breakwater.gateway.config.ConfigLoaderTest.parse;
import static dev.breakwater.gateway.config.ConfigLoaderTest.problems;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The {@code slos} section: objectives over named routes, and every way it can be wrong, with its line. */
class SloConfigLoaderTest {
  /** BASE's route named, so that an SLO can refer to it; the slos section starts at line 31. */
  static final String ROUTES = BASE.replace("  - path: /v1.0/me/messages", "  - name: list-messages\n"
      + "    path: /v1.0/me/messages");

  static String withSlo(String body) {
    return ROUTES + "slos:\n  mail-reads:\n" + body.stripIndent().indent(4);
  }

  @Test
  void anSloGroupIsReadWithItsObjectivesAndTheDefaultWindow() {
    GatewayConfig c = parse(withSlo("""
        routes: [list-messages]
        availability: 99.9
        latency: { threshold: 1.5s, percent: 95 }
        """));
    SloConfig s = c.slos().get("mail-reads");
    assertThat(s.routes()).containsExactly("list-messages");
    assertThat(s.window()).isEqualTo(Duration.ofDays(30));
    assertThat(s.availability()).isEqualTo(99.9);
    assertThat(s.latency()).isEqualTo(new SloConfig.LatencyObjective(Duration.ofMillis(1500), 95));
    assertThat(c.latencyThresholds()).containsExactly(Duration.ofMillis(1500));
  }

  @Test
  void aConfigWithoutSlosHasNone() {
    assertThat(parse(ROUTES).slos()).isEmpty();
  }

  @Test
  void aWindowOfWholeHoursIsAccepted() {
    assertThat(parse(withSlo("routes: [list-messages]\nwindow: 12h\navailability: 99\n")).slos().get("mail-reads")
        .window()).isEqualTo(Duration.ofHours(12));
  }

  @Test
  void anUnknownRouteIsReportedWithTheClosestName() {
    assertThat(problems(withSlo("routes: [list-mesages]\navailability: 99.9\n"))).containsExactly(
        "gateway.yaml:33: slos.mail-reads.routes[0]: \"list-mesages\" (expected: the name of a route: one of"
            + " [list-messages]; did you mean \"list-messages\"?)");
  }

  @Test
  void anObjectiveOfOneHundredPercentOrMoreIsRefused() {
    assertThat(problems(withSlo("routes: [list-messages]\navailability: 100\n"))).containsExactly(
        "gateway.yaml:34: slos.mail-reads.availability: 100 (expected: a percentage above 0 and below 100, such as"
            + " 99.9)");
    assertThat(problems(withSlo("routes: [list-messages]\nlatency: { threshold: 1s, percent: 0 }\n")))
        .containsExactly("gateway.yaml:34: slos.mail-reads.latency.percent: 0 (expected: a percentage above 0 and"
            + " below 100, such as 99.9)");
  }

  @Test
  void aWindowTheRulesCannotExpressIsRefused() {
    assertThat(problems(withSlo("routes: [list-messages]\nwindow: 91d\navailability: 99\n"))).containsExactly(
        "gateway.yaml:34: slos.mail-reads.window: \"91d\" (expected: whole days from 1d to 90d, or whole hours such"
            + " as 12h)");
    assertThat(problems(withSlo("routes: [list-messages]\nwindow: 90m\navailability: 99\n"))).containsExactly(
        "gateway.yaml:34: slos.mail-reads.window: \"90m\" (expected: whole days from 1d to 90d, or whole hours such"
            + " as 12h)");
  }

  @Test
  void aGroupWithoutAnyObjectiveIsRefused() {
    assertThat(problems(withSlo("routes: [list-messages]\n"))).containsExactly(
        "gateway.yaml:32: slos.mail-reads.availability: missing (expected: availability (a percentage such as 99.9),"
            + " latency ({ threshold: 1.5s, percent: 95 }) or both)");
  }

  @Test
  void aLatencyObjectiveNeedsAThresholdOfWholeMillisecondsAndAPercentage() {
    assertThat(problems(withSlo("routes: [list-messages]\nlatency: { threshold: 0.5ms }\n"))).containsExactly(
        "gateway.yaml:34: slos.mail-reads.latency.threshold: \"0.5ms\" (expected: a positive whole number of"
            + " milliseconds, such as 1.5s or 250ms)",
        "gateway.yaml:34: slos.mail-reads.latency.percent: missing (expected: a percentage above 0 and below 100,"
            + " such as 99.9 (the share of calls within the threshold))");
  }

  @Test
  void aGroupWithoutRoutesIsRefused() {
    assertThat(problems(withSlo("availability: 99.9\n"))).containsExactly(
        "gateway.yaml:32: slos.mail-reads.routes: missing (expected: a list of route names, such as [list-messages,"
            + " get-message])");
  }

  @Test
  void anUnknownKeyInAGroupIsReportedWithASuggestion() {
    assertThat(problems(withSlo("routes: [list-messages]\navailabilty: 99.9\nlatency: { threshold: 1s, percent: 9"
        + "0 }\n"))).singleElement().asString().startsWith("gateway.yaml:34: slos.mail-reads.availabilty")
        .contains("did you mean \"availability\"?");
  }
}
