package dev.breakwater.gateway.config;

import static dev.breakwater.gateway.config.ConfigLoaderTest.BASE;
import static dev.breakwater.gateway.config.ConfigLoaderTest.parse;
import static dev.breakwater.gateway.config.ConfigLoaderTest.problems;
import static org.assertj.core.api.Assertions.assertThat;

import dev.breakwater.circuit.CircuitBreakerConfig;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The breaker keys {@code failuresWithin} and {@code fleet}: read into the core config, and wrong values reported. */
class BreakerRulesConfigTest {
  private static final String GRAPH = "graph: { failureRateThreshold: 50 }";

  private static CircuitBreakerConfig graph(String policy) {
    return parse(BASE.replace(GRAPH, "graph: " + policy)).policies().circuitBreaker("graph");
  }

  @Test
  void byDefaultNoCountRuleAndNoFleet() {
    CircuitBreakerConfig c = graph("{ failureRateThreshold: 50 }");

    assertThat(c.countsFailures()).isFalse();
    assertThat(c.fleet()).isFalse();
  }

  @Test
  void failuresWithinAndFleetAreRead() {
    CircuitBreakerConfig c = graph("{ failuresWithin: { count: 5, window: 30s }, fleet: true }");

    assertThat(c.failureCount()).isEqualTo(5);
    assertThat(c.failureCountWindow()).isEqualTo(Duration.ofSeconds(30));
    assertThat(c.fleet()).isTrue();
  }

  @Test
  void aRuleMissingAPartNamesIt() {
    assertThat(problems(BASE.replace(GRAPH, "graph: { failuresWithin: { count: 5 } }")))
        .containsExactly("gateway.yaml:11: policies.circuitBreakers.graph.failuresWithin.window: missing (expected:"
            + " a duration such as 250ms, 1.5s, 10s, 5m, 1h, 2d or PT10S, at most 106751d)");
  }

  @Test
  void wrongValuesAreReportedAtTheirKeys() {
    assertThat(problems(BASE.replace(GRAPH, "graph: { failuresWithin: { count: 0, window: 30s } }")))
        .containsExactly("gateway.yaml:11: policies.circuitBreakers.graph.failuresWithin.count: 0 (expected: an"
            + " integer in 1..10000)");
    assertThat(problems(BASE.replace(GRAPH, "graph: { failuresWithin: { count: 5, window: 2d } }")))
        .containsExactly("gateway.yaml:11: policies.circuitBreakers.graph.failuresWithin.window: \"2d\" (expected:"
            + " at most 1d)");
    assertThat(problems(BASE.replace(GRAPH, "graph: { fleet: yes please }")))
        .singleElement().asString().startsWith("gateway.yaml:11: policies.circuitBreakers.graph.fleet:");
    assertThat(problems(BASE.replace(GRAPH, "graph: { failuresWithin: { count: 5, windw: 30s } }")))
        .anySatisfy(p -> assertThat(p).contains("failuresWithin.windw: unknown key").contains("did you mean"));
    assertThat(problems(BASE.replace(GRAPH, "graph: { failuresWithin: 5 }")))
        .singleElement().asString().startsWith("gateway.yaml:11: policies.circuitBreakers.graph.failuresWithin: 5")
        .contains("count").contains("window");
  }
}
