package dev.breakwater.gateway.config;

import static dev.breakwater.gateway.config.ConfigLoaderTest.BASE;
import static dev.breakwater.gateway.config.ConfigLoaderTest.parse;
import static dev.breakwater.gateway.config.ConfigLoaderTest.problems;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Where an upstream's calls go: endpoints, endpoint groups, checks, ejection, failback, and every way to get it wrong. */
class EndpointsConfigLoaderTest {
  private static final String ENDPOINTS = "    endpoints: [http://127.0.0.1:9000]\n";

  /** BASE with the upstream's endpoints line replaced by {@code yaml} (indented under the upstream, from line 21). */
  static String upstream(String yaml) {
    return BASE.replace(ENDPOINTS, yaml.stripIndent().indent(4));
  }

  static UpstreamConfig graph(String yaml) {
    return parse(upstream(yaml)).upstreams().get("graph");
  }

  @Test
  void aListOfEndpointsIsOneGroupPerEndpointInPriorityOrderWithTheDefaults() {
    UpstreamConfig u = graph("endpoints: [http://127.0.0.1:9000, http://127.0.0.1:9001]\n");
    assertThat(u.groups()).containsExactly(
        new EndpointGroupConfig("127.0.0.1:9000", List.of(URI.create("http://127.0.0.1:9000"))),
        new EndpointGroupConfig("127.0.0.1:9001", List.of(URI.create("http://127.0.0.1:9001"))));
    assertThat(u.healthCheck()).isNull();
    assertThat(u.outlierDetection()).isEqualTo(OutlierDetectionConfig.DEFAULTS);
    assertThat(u.failback()).isEqualTo(FailbackConfig.DEFAULTS);
    assertThat(u.connectTimeout()).isEqualTo(Duration.ofSeconds(2));
    assertThat(u.idleTimeout()).isEqualTo(Duration.ofSeconds(60));
  }

  @Test
  void groupsChecksEjectionFailbackAndTimeoutsAreRead() {
    UpstreamConfig u = graph("""
        endpointGroups:
          - name: west
            endpoints: [http://10.0.0.1:9000, http://10.0.0.2:9000]
          - name: east
            endpoints: [http://10.1.0.1:9000]
        healthCheck: { path: /health, interval: 2s, timeout: 500ms, healthyThreshold: 3, unhealthyThreshold: 2 }
        outlierDetection: { consecutiveFailures: 3, baseEjection: 10s, maxEjection: 2m }
        failback: { healthyChecks: 5, steps: [10, 50, 100], verifyWindow: 1m, maxErrorRate: 2.5 }
        connectTimeout: 500ms
        idleTimeout: 30s
        """);
    assertThat(u.groups()).extracting(EndpointGroupConfig::name).containsExactly("west", "east");
    assertThat(u.endpoints()).containsExactly(URI.create("http://10.0.0.1:9000"), URI.create("http://10.0.0.2:9000"),
        URI.create("http://10.1.0.1:9000"));
    assertThat(u.healthCheck()).isEqualTo(new HealthCheckConfig("/health", Duration.ofSeconds(2),
        Duration.ofMillis(500), 3, 2));
    assertThat(u.outlierDetection()).isEqualTo(new OutlierDetectionConfig(true, 3, Duration.ofSeconds(10),
        Duration.ofMinutes(2)));
    assertThat(u.failback()).isEqualTo(new FailbackConfig(5, List.of(10, 50, 100), Duration.ofMinutes(1), 2.5));
    assertThat(u.connectTimeout()).isEqualTo(Duration.ofMillis(500));
    assertThat(u.idleTimeout()).isEqualTo(Duration.ofSeconds(30));
  }

  @Test
  void aHealthCheckNeedsOnlyItsPath() {
    assertThat(graph(ENDPOINTS.strip() + "\nhealthCheck: { path: /ready }\n").healthCheck()).isEqualTo(
        new HealthCheckConfig("/ready", Duration.ofSeconds(5), Duration.ofSeconds(1), 2, 3));
  }

  @Test
  void unknownKeysAreReportedWithTheClosestName() {
    assertThat(problems(upstream(ENDPOINTS.strip() + "\nhealthCheck: { path: /health, intervall: 2s }\n")))
        .containsExactly("gateway.yaml:22: upstreams.graph.healthCheck.intervall: unknown key (expected: one of"
            + " [path, interval, timeout, healthyThreshold, unhealthyThreshold]; did you mean \"interval\"?)");
  }

  @Test
  void thresholdsOfZeroOrLessAreRefusedByName() {
    assertThat(problems(upstream(ENDPOINTS.strip() + "\nhealthCheck: { path: /health, healthyThreshold: 0 }\n")))
        .containsExactly("gateway.yaml:22: upstreams.graph.healthCheck.healthyThreshold: 0 (expected: an integer in"
            + " 1..1000)");
    assertThat(problems(upstream(ENDPOINTS.strip() + "\noutlierDetection: { consecutiveFailures: -1 }\n")))
        .containsExactly("gateway.yaml:22: upstreams.graph.outlierDetection.consecutiveFailures: -1 (expected: an"
            + " integer in 1..1000)");
    assertThat(problems(upstream(ENDPOINTS.strip() + "\nfailback: { healthyChecks: 0 }\n")))
        .containsExactly("gateway.yaml:22: upstreams.graph.failback.healthyChecks: 0 (expected: an integer in"
            + " 1..1000)");
    assertThat(problems(upstream(ENDPOINTS.strip() + "\nhealthCheck: { path: /health, interval: 0s }\n")))
        .containsExactly("gateway.yaml:22: upstreams.graph.healthCheck.interval: \"0s\" (expected: a positive"
            + " duration, such as 5s)");
  }

  @Test
  void stepsThatDoNotIncreaseOrDoNotEndAtOneHundredAreRefused() {
    assertThat(problems(upstream(ENDPOINTS.strip() + "\nfailback: { steps: [5, 50, 25, 100] }\n")))
        .containsExactly("gateway.yaml:22: upstreams.graph.failback.steps[2]: 25 (expected: increasing percentages"
            + " from 1 that end at 100, such as [5, 25, 50, 100]; 25 does not increase on 50)");
    assertThat(problems(upstream(ENDPOINTS.strip() + "\nfailback: { steps: [5, 25, 50] }\n")))
        .containsExactly("gateway.yaml:22: upstreams.graph.failback.steps: a list (expected: increasing percentages"
            + " from 1 that end at 100, such as [5, 25, 50, 100]; the last step must be 100)");
    assertThat(problems(upstream(ENDPOINTS.strip() + "\nfailback: { steps: [0, 100] }\n")))
        .containsExactly("gateway.yaml:22: upstreams.graph.failback.steps[0]: 0 (expected: increasing percentages"
            + " from 1 that end at 100, such as [5, 25, 50, 100])");
  }

  @Test
  void aMaximumEjectionShorterThanTheBaseIsRefused() {
    assertThat(problems(upstream(ENDPOINTS.strip() + "\noutlierDetection: { baseEjection: 1m, maxEjection: 30s }\n")))
        .containsExactly("gateway.yaml:22: upstreams.graph.outlierDetection.maxEjection: \"30s\" (expected: a"
            + " duration at least baseEjection (1m))");
  }

  @Test
  void endpointsAndEndpointGroupsTogetherAreRefused() {
    assertThat(problems(upstream(ENDPOINTS.strip() + "\nendpointGroups: [{ name: a, endpoints: [http://h:1] }]\n")))
        .containsExactly("gateway.yaml:22: upstreams.graph.endpointGroups: a list (expected: either endpoints (a"
            + " list in priority order) or endpointGroups, not both)");
  }

  @Test
  void aGroupNeedsAUniqueNameAndEndpoints() {
    assertThat(problems(upstream("""
        endpointGroups:
          - name: west
            endpoints: [http://10.0.0.1:9000]
          - name: west
          - endpoints: [http://10.0.0.2:9000]
        """))).containsExactly(
        "gateway.yaml:24: upstreams.graph.endpointGroups[1].name: \"west\" (expected: a name no other group of this"
            + " upstream has)",
        "gateway.yaml:24: upstreams.graph.endpointGroups[1].endpoints: missing (expected: a list of http(s) base"
            + " URLs, such as [http://127.0.0.1:9000])",
        "gateway.yaml:25: upstreams.graph.endpointGroups[2].name: missing (expected: a name of letters, digits,"
            + " '.', '_' and '-', such as primary)");
  }

  @Test
  void shardingPinsTenantsToGroupsThatExist() {
    UpstreamConfig u = graph("""
        endpointGroups:
          - { name: west, endpoints: [http://10.0.0.1:9000] }
          - { name: east, endpoints: [http://10.1.0.1:9000] }
        sharding: { tenants: { contoso: east } }
        """);
    assertThat(u.sharding()).isEqualTo(new ShardingConfig(java.util.Map.of("contoso", "east")));
    assertThat(problems(upstream("""
        endpointGroups:
          - { name: west, endpoints: [http://10.0.0.1:9000] }
        sharding: { tenants: { contoso: wset } }
        """))).containsExactly("gateway.yaml:23: upstreams.graph.sharding.tenants.contoso: \"wset\" (expected: the"
            + " name of one of this upstream's groups: one of [west]; did you mean \"west\"?)");
  }
}
