package dev.breakwater.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.breakwater.simulator.SimulatorConfig;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/** A tenant the upstream throttles is held by the gateway: nothing it sends reaches the upstream inside Retry-After. */
@org.junit.jupiter.api.extension.ExtendWith(LeakDetection.class)
class ThrottleGateEndToEndTest {

  @Test
  void aNoisyTenantNeverReachesTheUpstreamInsideItsRetryAfterWindow() throws Exception {
    try (GatewayTestSupport s = new GatewayTestSupport(SimulatorConfig.defaults().withRate(20, 40),
        String.join("\n",
            "  - name: messages",
            "    path: /v1.0/me/messages",
            "    upstream: graph",
            "    operation: list-messages",
            "    rateLimits: [per-tenant]"),
        GatewayTestSupport.defaultPolicies())) {
      // One request at a time, as fast as it goes: every request after the first 429 is sent knowing the window.
      int throttledByGateway = 0;
      for (int i = 0; i < 400; i++) {
        HttpResponse<String> r = s.get("/v1.0/me/messages", "noisy");
        if (r.statusCode() == 429) {
          throttledByGateway++;
          assertThat(r.headers().firstValue("Retry-After")).isPresent();
          assertThat(r.headers().firstValue("Content-Type")).contains("application/problem+json");
          assertThat(r.body()).contains("\"code\":\"THROTTLED\"");
        }
      }
      var counters = s.simulator.counters().tenant("noisy");
      System.out.printf("noisy: upstream received=%d throttled=%d insideWindow=%d; gateway answered 429 %d times%n",
          counters.received(), counters.throttled(), counters.receivedInsideWindow(), throttledByGateway);
      assertThat(counters.throttled()).as("the upstream did throttle").isPositive();
      assertThat(counters.receivedInsideWindow()).isZero();
    }
  }
}
