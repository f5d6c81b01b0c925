package dev.breakwater.gateway.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import dev.breakwater.gateway.config.EndpointGroupConfig;
import dev.breakwater.gateway.config.FailbackConfig;
import dev.breakwater.gateway.config.OutlierDetectionConfig;
import dev.breakwater.gateway.config.UpstreamConfig;
import dev.breakwater.gateway.upstream.balance.EndpointSelector;
import dev.breakwater.gateway.upstream.balance.Outcome;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A reload keeps what was learnt about an upstream's endpoints while their settings stay the same. */
class EndpointMonitorsTest {
  private final Vertx vertx = Vertx.vertx();
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final EndpointMonitors monitors = new EndpointMonitors(vertx, registry);

  @AfterEach
  void close() {
    monitors.close();
    vertx.close().toCompletionStage().toCompletableFuture().join();
  }

  private static UpstreamConfig upstream(String name, String retry, String... urls) {
    List<EndpointGroupConfig> groups = java.util.Arrays.stream(urls)
        .map(u -> new EndpointGroupConfig(u, List.of(URI.create(u)))).toList();
    return new UpstreamConfig(name, groups, null, retry, null, false, true, 8, UpstreamConfig.Protocol.HTTP1, null,
        Duration.ofSeconds(2), Duration.ofSeconds(60), null, OutlierDetectionConfig.DEFAULTS, FailbackConfig.DEFAULTS,
        null);
  }

  @Test
  void anUpstreamWhoseEndpointSettingsDidNotChangeKeepsItsSelectorAndItsEjections() {
    EndpointSelector first = monitors.configure(List.of(upstream("graph", null, "http://127.0.0.1:1",
        "http://127.0.0.1:2"))).get("graph");
    for (int k = 0; k < 5; k++) {
      first.record(0, Outcome.FAILURE);
    }
    assertThat(first.status().activeGroup()).isEqualTo("http://127.0.0.1:2");

    EndpointSelector kept = monitors.configure(List.of(upstream("graph", "other-retry", "http://127.0.0.1:1",
        "http://127.0.0.1:2"))).get("graph");
    assertThat(kept).isSameAs(first);
    assertThat(monitors.status().get("graph").activeGroup()).isEqualTo("http://127.0.0.1:2");

    EndpointSelector fresh = monitors.configure(List.of(upstream("graph", null, "http://127.0.0.1:1",
        "http://127.0.0.1:3"))).get("graph");
    assertThat(fresh).isNotSameAs(first);
    assertThat(fresh.status().activeGroup()).isEqualTo("http://127.0.0.1:1");
    assertThat(registry.find("breakwater.upstream.endpoint.available").gauges()).hasSize(2);
  }

  @Test
  void anUpstreamNoLongerConfiguredIsForgottenWithItsGauges() {
    monitors.configure(List.of(upstream("graph", null, "http://127.0.0.1:1"), upstream("mail", null,
        "http://127.0.0.1:4")));
    monitors.configure(List.of(upstream("graph", null, "http://127.0.0.1:1")));
    assertThat(monitors.status()).containsOnlyKeys("graph");
    assertThat(registry.find("breakwater.upstream.failback.percent").gauges()).hasSize(1);
  }
}
