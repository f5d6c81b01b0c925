package dev.breakwater.gateway.config;

import static dev.breakwater.gateway.config.ConfigLoaderTest.parse;
import static dev.breakwater.gateway.config.ConfigLoaderTest.problems;
import static dev.breakwater.gateway.config.SloConfigLoaderTest.ROUTES;
import static org.assertj.core.api.Assertions.assertThat;

import dev.breakwater.fault.FaultKind;
import dev.breakwater.fault.FaultSpec;
import dev.breakwater.fault.FaultTarget;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The {@code faults} section: drills armed at each load, and every way one can be wrong, with its line. */
class FaultsConfigLoaderTest {

  /** A drill named {@code drill}; its first key is at line 33. */
  static String withFault(String body) {
    return ROUTES + "faults:\n  drill:\n" + body.stripIndent().indent(4);
  }

  @Test
  void aDrillIsReadWithTheDefaultsOfItsKind() {
    GatewayConfig c = parse(withFault("route: list-messages\nkind: error\n"));
    FaultSpec f = c.faults().get("drill");
    assertThat(f).isEqualTo(new FaultSpec(FaultKind.ERROR, FaultTarget.route("list-messages"), null, 503, null, 100,
        null, null, Duration.ofMinutes(10)));
  }

  @Test
  void everyKeyOfADrillIsRead() {
    GatewayConfig c = parse(withFault("""
        upstream: graph
        kind: throttle
        retryAfter: 7s
        percent: 12.5
        tenant: drill-tenant
        header: { name: X-Drill, value: "on" }
        duration: 30m
        """));
    assertThat(c.faults().get("drill")).isEqualTo(new FaultSpec(FaultKind.THROTTLE, FaultTarget.upstream("graph"),
        null, 0, Duration.ofSeconds(7), 12.5, "drill-tenant", new FaultSpec.HeaderMatch("X-Drill", "on"),
        Duration.ofMinutes(30)));
    assertThat(parse(withFault("route: list-messages\nkind: delay\ndelay: 3s\n")).faults().get("drill").delay())
        .isEqualTo(Duration.ofSeconds(3));
  }

  @Test
  void aConfigWithoutFaultsArmsNone() {
    assertThat(parse(ROUTES).faults()).isEmpty();
  }

  @Test
  void theTargetMustBeExactlyOneExistingRouteOrUpstream() {
    assertThat(problems(withFault("kind: abort\n"))).containsExactly("gateway.yaml:32: faults.drill.route: missing"
        + " (expected: exactly one of route (a route's name) and upstream (an upstream's name))");
    assertThat(problems(withFault("route: list-messages\nupstream: graph\nkind: abort\n"))).containsExactly(
        "gateway.yaml:34: faults.drill.upstream: \"graph\" (expected: exactly one of route (a route's name) and"
            + " upstream (an upstream's name))");
    assertThat(problems(withFault("route: list-mesages\nkind: abort\n"))).containsExactly(
        "gateway.yaml:33: faults.drill.route: \"list-mesages\" (expected: the name of a route: one of"
            + " [list-messages]; did you mean \"list-messages\"?)");
    assertThat(problems(withFault("upstream: grap\nkind: abort\n"))).containsExactly(
        "gateway.yaml:33: faults.drill.upstream: \"grap\" (expected: the name of an upstream: one of [graph];"
            + " did you mean \"graph\"?)");
  }

  @Test
  void theKindIsRequiredAndSpelledInLowerCase() {
    assertThat(problems(withFault("route: list-messages\n"))).containsExactly(
        "gateway.yaml:32: faults.drill.kind: missing (expected: one of [delay, error, throttle, abort])");
    assertThat(problems(withFault("route: list-messages\nkind: timeout\n"))).containsExactly(
        "gateway.yaml:34: faults.drill.kind: \"timeout\" (expected: one of [delay, error, throttle, abort])");
  }

  @Test
  void aKeyThatDoesNotFitTheKindIsRefusedRatherThanIgnored() {
    assertThat(problems(withFault("route: list-messages\nkind: abort\ndelay: 2s\n"))).containsExactly(
        "gateway.yaml:35: faults.drill.delay: \"2s\" (expected: no delay: it applies to kind delay only)");
    assertThat(problems(withFault("route: list-messages\nkind: throttle\nstatus: 503\n"))).containsExactly(
        "gateway.yaml:35: faults.drill.status: 503 (expected: no status: it applies to kind error only)");
    assertThat(problems(withFault("route: list-messages\nkind: delay\n"))).containsExactly(
        "gateway.yaml:32: faults.drill.delay: missing (expected: a positive duration of at most 1h, such as 2s)");
  }

  @Test
  void limitsAreNamedWithTheFix() {
    assertThat(problems(withFault("route: list-messages\nkind: error\nstatus: 302\n"))).containsExactly(
        "gateway.yaml:35: faults.drill.status: 302 (expected: an HTTP error status from 400 to 599)");
    assertThat(problems(withFault("route: list-messages\nkind: throttle\nretryAfter: 1500ms\n"))).containsExactly(
        "gateway.yaml:35: faults.drill.retryAfter: \"1500ms\" (expected: whole seconds from 1s to 1h, such as 5s)");
    assertThat(problems(withFault("route: list-messages\nkind: abort\npercent: 120\n"))).containsExactly(
        "gateway.yaml:35: faults.drill.percent: 120 (expected: a percentage from 0 to 100)");
    assertThat(problems(withFault("route: list-messages\nkind: abort\nduration: 2h\n"))).containsExactly(
        "gateway.yaml:35: faults.drill.duration: \"2h\" (expected: a positive duration of at most 1h, such as 10m"
            + " (the default))");
    assertThat(problems(withFault("route: list-messages\nkind: abort\nheader: { name: \"X Drill\", value: on }\n")))
        .containsExactly("gateway.yaml:35: faults.drill.header.name: \"X Drill\" (expected: an HTTP header name such"
            + " as X-Drill)");
    assertThat(problems(withFault("route: list-messages\nkind: abort\nheader: { name: X-Drill }\n")))
        .containsExactly("gateway.yaml:35: faults.drill.header.value: missing (expected: the value a call must carry"
            + " to be hit)");
  }

  @Test
  void aDrillNameIsLettersDigitsAndPunctuation() {
    assertThat(problems(ROUTES + "faults:\n  'a drill': { route: list-messages, kind: abort }\n")).containsExactly(
        "gateway.yaml:32: faults.a drill: \"a drill\" (expected: a name of letters, digits, '.', '_' and '-')");
  }
}
