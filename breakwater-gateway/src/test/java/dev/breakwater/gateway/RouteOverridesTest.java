package dev.breakwater.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.breakwater.simulator.EndpointGroup;
import dev.breakwater.simulator.Latency;
import dev.breakwater.simulator.SimulatorConfig;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/**
 * A route may set its own timeout and retry policy (a tool's own deadline) without a second upstream, so it keeps
 * the upstream's breaker and throttle gate; a caller may send its remaining budget, and the call ends by it.
 */
class RouteOverridesTest {
  private static final String POLICIES = String.join("\n",
      "  timeouts:",
      "    t: { attempt: 5s, deadline: 10s }",
      "    quick: { attempt: 300ms, deadline: 400ms }",
      "  retries:",
      "    r: { maxAttempts: 3, baseDelay: 10ms, maxDelay: 20ms }",
      "    once: { maxAttempts: 1, baseDelay: 10ms, maxDelay: 20ms }",
      "    tenPercent: { maxAttempts: 3, baseDelay: 10ms, maxDelay: 20ms, jitter: 10% }",
      "  circuitBreakers:",
      "    cb: { windowSize: 100, minimumCalls: 100, failureRateThreshold: 50, openDuration: 30s }");

  @Test
  void aRouteWithItsOwnTimeoutAnswers504WhileTheUpstreamsTimeoutStillServesTheOthers() throws Exception {
    SimulatorConfig slowEvents = SimulatorConfig.defaults().withRate(1000, 1000)
        .withLatency(EndpointGroup.EVENTS, Latency.fixed(1000));
    try (GatewayTestSupport s = new GatewayTestSupport(slowEvents, String.join("\n",
        "  - { name: quick-events, path: /v1.0/me/events, upstream: graph, timeout: quick }",
        "  - { name: messages, path: /v1.0/me/messages, upstream: graph }"), POLICIES)) {
      HttpResponse<String> quick = s.get("/v1.0/me/events", "contoso");
      assertThat(quick.statusCode()).isEqualTo(504);
      assertThat(quick.body()).contains("\"code\":\"TIMEOUT\"");
      assertThat(s.get("/v1.0/me/messages", "contoso").statusCode()).isEqualTo(200);
    }
  }

  @Test
  void aRouteWithItsOwnRetryPolicyTriesAsOftenAsItSays() throws Exception {
    try (GatewayTestSupport s = new GatewayTestSupport(SimulatorConfig.defaults().withRate(1000, 1000)
        .withErrorRate(1.0), String.join("\n",
        "  - { name: once, path: /v1.0/me/events, upstream: graph, retry: once }",
        "  - { name: messages, path: /v1.0/me/messages, upstream: graph, retry: tenPercent }"), POLICIES)) {
      assertThat(s.get("/v1.0/me/events", "tenant-once").statusCode()).isEqualTo(502);
      assertThat(s.get("/v1.0/me/messages", "tenant-thrice").statusCode()).isEqualTo(502);

      assertThat(s.simulator.counters().tenants().get("tenant-once").received()).isEqualTo(1);
      assertThat(s.simulator.counters().tenants().get("tenant-thrice").received()).isEqualTo(3);
    }
  }

  @Test
  void aCallersRemainingBudgetEndsTheCallEarlierThanTheRoutesDeadline() throws Exception {
    SimulatorConfig slowEvents = SimulatorConfig.defaults().withRate(1000, 1000)
        .withLatency(EndpointGroup.EVENTS, Latency.fixed(1000));
    try (GatewayTestSupport s = new GatewayTestSupport(slowEvents,
        "  - { name: events, path: /v1.0/me/events, upstream: graph }", POLICIES)) {
      HttpResponse<String> r = s.send(HttpRequest.newBuilder(s.uri("/v1.0/me/events"))
          .header("X-Tenant-Id", "contoso").header("X-Breakwater-Timeout-Ms", "200"));
      assertThat(r.statusCode()).isEqualTo(504);
      assertThat(r.body()).contains("\"code\":\"TIMEOUT\"");
      assertThat(s.simulator.counters().tenants().get("contoso").received())
          .as("a budget too short for a retry is not retried").isEqualTo(1);
    }
  }

  @Test
  void aMalformedBudgetIsA400ThatSaysWhatIsExpected() throws Exception {
    try (GatewayTestSupport s = new GatewayTestSupport(SimulatorConfig.defaults(),
        "  - { name: events, path: /v1.0/me/events, upstream: graph }", POLICIES)) {
      for (String bad : new String[] {"soon", "-5", "0", "123456789012"}) {
        HttpResponse<String> r = s.send(HttpRequest.newBuilder(s.uri("/v1.0/me/events"))
            .header("X-Tenant-Id", "contoso").header("X-Breakwater-Timeout-Ms", bad));
        assertThat(r.statusCode()).as(bad).isEqualTo(400);
        assertThat(r.body()).contains("X-Breakwater-Timeout-Ms: expected the caller's remaining time in milliseconds");
      }
      assertThat(s.simulator.counters().totals().received()).isZero();
    }
  }
}
