package dev.breakwater.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.breakwater.Degradation;
import dev.breakwater.control.Target;
import dev.breakwater.gateway.config.HealthConfig.Signal;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The health section: rules read with their defaults, and every mistake reported at its line naming the field. */
class HealthRulesConfigTest {

  @Test
  void rulesAreReadWithTheirDefaults() {
    GatewayConfig c = ConfigLoaderTest.parse(ConfigLoaderTest.BASE + """
        health:
          webhook: http://127.0.0.1:9000/hooks
          rules:
            - { name: graph-down, signal: breaker_open, upstream: graph, level: degraded }
            - { name: redis-down, signal: state_store_unreachable, level: read_only, minDwell: 10s }
            - { name: graph-errors, signal: error_rate, upstream: graph, enter: 50, exit: 10, level: maintenance,
                target: route:GET /v1.0/me/messages }
            - { name: graph-regions, signal: endpoints_down, upstream: graph, enter: 100, exit: 50, level: cached_only }
        """);
    HealthConfig h = c.health();
    assertThat(h.webhook()).hasToString("http://127.0.0.1:9000/hooks");
    assertThat(h.evaluateEvery()).isEqualTo(Duration.ofSeconds(1));
    assertThat(h.rules()).extracting(HealthConfig.Rule::signal)
        .containsExactly(Signal.BREAKER_OPEN, Signal.STATE_STORE_UNREACHABLE, Signal.ERROR_RATE,
            Signal.ENDPOINTS_DOWN);
    assertThat(h.rules().get(3).target()).isEqualTo(Target.upstream("graph"));
    assertThat(h.rules().get(3).enter()).isEqualTo(100);
    assertThat(h.rules().get(3).exit()).isEqualTo(50);
    assertThat(h.rules().get(0).target()).isEqualTo(Target.upstream("graph"));
    assertThat(h.rules().get(0).minDwell()).isEqualTo(Duration.ofSeconds(30));
    assertThat(h.rules().get(1).target()).isEqualTo(Target.global());
    assertThat(h.rules().get(2).level()).isEqualTo(Degradation.MAINTENANCE);
    assertThat(h.rules().get(2).target()).isEqualTo(Target.route("GET /v1.0/me/messages"));
    assertThat(h.rules().get(2).window()).isEqualTo(Duration.ofMinutes(1));
    assertThat(ConfigLoaderTest.parse(ConfigLoaderTest.BASE).health()).isEqualTo(HealthConfig.NONE);
  }

  @Test
  void anUnknownUpstreamLevelOrTargetAndThresholdsTheWrongWayRoundAreReportedNamingTheField() {
    assertThat(ConfigLoaderTest.problems(ConfigLoaderTest.BASE + """
        health:
          rules:
            - { name: a, signal: breaker_open, upstream: grahp, level: degraded }
            - { name: b, signal: error_rate, upstream: graph, enter: 10, exit: 50, level: panic }
            - { name: c, signal: state_store_unreachable, level: read_only, target: upstream:nope }
            - { name: d, signal: burn_rate, slo: reads, enter: 10, level: degraded }
            - { name: a, signal: breaker, level: normal }
        """)).containsExactly(
        "gateway.yaml:32: health.rules[0].upstream: \"grahp\" (expected: one of [graph])",
        "gateway.yaml:33: health.rules[1].exit: 50 (expected: a value from 0 to enter (10.0): the rule exits once the"
            + " signal is at or below it)",
        "gateway.yaml:33: health.rules[1].level: \"panic\" (expected: one of normal, degraded, read_only, cached_only, emergency, maintenance)",
        "gateway.yaml:34: health.rules[2].target: \"upstream:nope\" (expected: upstream:NAME with NAME one of [graph])",
        "gateway.yaml:35: health.rules[3].slo: \"reads\" (expected: an SLO name; none are defined under slos)",
        "gateway.yaml:36: health.rules[4].name: \"a\" (expected: a name no other rule has)",
        "gateway.yaml:36: health.rules[4].signal: \"breaker\" (expected: one of [breaker_open, state_store_unreachable,"
            + " error_rate, slow_calls, burn_rate, endpoints_down])",
        "gateway.yaml:36: health.rules[4].level: \"normal\" (expected: a level other than normal (a rule that holds"
            + " sets it; it lets go by itself))");
  }
}
