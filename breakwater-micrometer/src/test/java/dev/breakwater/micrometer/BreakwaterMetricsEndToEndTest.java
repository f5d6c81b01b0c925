package dev.breakwater.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.breakwater.Breakwater;
import dev.breakwater.BreakwaterException;
import dev.breakwater.CallContext;
import dev.breakwater.ErrorCode;
import dev.breakwater.Pipeline;
import dev.breakwater.bulkhead.BulkheadConfig;
import dev.breakwater.circuit.CircuitBreaker;
import dev.breakwater.circuit.CircuitBreakerConfig;
import dev.breakwater.config.PipelineConfig;
import dev.breakwater.config.Policies;
import dev.breakwater.event.BreakwaterListener;
import dev.breakwater.ratelimit.RateLimitConfig;
import dev.breakwater.ratelimit.RateLimitScope;
import dev.breakwater.retry.RetryConfig;
import dev.breakwater.time.VirtualTimeSource;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Drives real pipelines of a real engine and checks what reaches the registry. */
class BreakwaterMetricsEndToEndTest {
  private static final String TENANT = "tenant-contoso-9";
  private static final String USER = "user-bob-3";

  private SimpleMeterRegistry registry;
  private Breakwater breakwater;
  private final List<String> breakersCreated = new CopyOnWriteArrayList<>();
  private final CallContext ctx = CallContext.builder().tenant(TENANT).user(USER).operation("list_messages").build();

  @BeforeEach
  void setUp() {
    registry = new SimpleMeterRegistry();
    breakwater = Breakwater.builder()
        .timeSource(new VirtualTimeSource())
        .jitter(() -> 0.0)
        .policies(Policies.builder()
            .retry("retry", RetryConfig.defaults().withBudget(null))
            .circuitBreaker("breaker", CircuitBreakerConfig.defaults())
            .bulkhead("bulkhead", BulkheadConfig.of(4))
            .rateLimit(RateLimitConfig.of("per-tenant", RateLimitScope.TENANT, 100, Duration.ofSeconds(1)))
            .build())
        .listener(new BreakwaterMetrics(registry))
        .listener(new BreakwaterListener() {
          @Override
          public void onCircuitBreakerCreated(CircuitBreaker breaker) {
            breakersCreated.add(breaker.name());
          }
        })
        .build();
  }

  @Test
  void callsRetriesAndPolicyGaugesReachTheRegistry() throws Exception {
    Pipeline<String> graph = breakwater.<String>pipeline(PipelineConfig.named("graph-mail")
        .withUpstream("graph").withDomain("mail").withRetry("retry").withCircuitBreaker("breaker")
        .withBulkhead("bulkhead").withRateLimits(List.of("per-tenant"))).build();

    assertThat(graph.execute(ctx, () -> "ok")).isEqualTo("ok");
    AtomicInteger attempts = new AtomicInteger();
    assertThat(graph.execute(ctx, () -> {
      if (attempts.getAndIncrement() == 0) {
        throw new IOException("connection reset");
      }
      return "ok";
    })).isEqualTo("ok");
    assertThatThrownBy(() -> graph.execute(ctx, () -> {
      throw new IOException("down");
    })).isInstanceOfSatisfying(BreakwaterException.class,
        e -> assertThat(e.code()).isEqualTo(ErrorCode.UPSTREAM_ERROR));

    assertThat(registry.get("breakwater.calls").tags("upstream", "graph", "domain", "mail",
        "operation", "list_messages", "outcome", "success", "source", "upstream").counter().count()).isEqualTo(2.0);
    assertThat(registry.get("breakwater.calls").tags("outcome", "upstream_error").counter().count()).isEqualTo(1.0);
    assertThat(registry.get("breakwater.call.duration").tags("outcome", "success").timer().count()).isEqualTo(2);

    // Call two retried once; call three retried twice (attempts 2 and 3 of 3) and then gave up.
    assertThat(registry.get("breakwater.retry.attempts").tags("attempt", "2", "cause", "upstream_error")
        .counter().count()).isEqualTo(2.0);
    assertThat(registry.get("breakwater.retry.attempts").tags("attempt", "3").counter().count()).isEqualTo(1.0);
    assertThat(registry.get("breakwater.retry.exhausted").tags("why", "attempts", "code", "upstream_error")
        .counter().count()).isEqualTo(1.0);
    assertThat(registry.get("breakwater.retry.success.after.retry").counter().count()).isEqualTo(1.0);

    assertThat(registry.get("breakwater.ratelimit.decisions").tags("limit", "per-tenant", "decision", "allowed",
        "upstream", "graph", "operation", "list_messages").counter().count()).isEqualTo(3.0);

    assertThat(registry.get("breakwater.circuit.state").tag("name", "graph").gauge().value()).isEqualTo(0.0);
    assertThat(registry.get("breakwater.bulkhead.max").tag("name", "mail:read:bulkhead").gauge().value()).isEqualTo(4.0);
    assertThat(registry.get("breakwater.bulkhead.active").tag("name", "mail:read:bulkhead").gauge().value()).isEqualTo(0.0);

    assertNoTenantOrUser();
  }

  @Test
  void theTimeAddedByABackoffIsTheCallLessTheUpstreamTimeOfItsAttempts() {
    VirtualTimeSource time = new VirtualTimeSource();
    Breakwater engine = Breakwater.builder()
        .timeSource(time)
        .jitter(() -> 0.5)
        .policies(Policies.builder()
            .retry("retry", RetryConfig.defaults().withBackoff(Duration.ofMillis(100), Duration.ofSeconds(1))
                .withBudget(null))
            .build())
        .listener(new BreakwaterMetrics(registry))
        .build();
    Pipeline<String> graph = engine.<String>pipeline(PipelineConfig.named("graph-mail")
        .withUpstream("graph").withDomain("mail").withRetry("retry")).build();
    AtomicInteger attempts = new AtomicInteger();

    // 200 ms in the upstream, a 50 ms backoff (full jitter at 0.5 of 100 ms), 300 ms in the upstream.
    assertThat(graph.execute(ctx, () -> {
      if (attempts.getAndIncrement() == 0) {
        time.sleep(200_000_000L);
        throw new IOException("connection reset");
      }
      time.sleep(300_000_000L);
      return "ok";
    })).isEqualTo("ok");

    assertThat(registry.get("breakwater.call.duration").tags("outcome", "success").timer()
        .totalTime(TimeUnit.MILLISECONDS)).isEqualTo(550.0);
    assertThat(registry.get("breakwater.attempt.duration").tags("outcome", "upstream_error").timer()
        .totalTime(TimeUnit.MILLISECONDS)).isEqualTo(200.0);
    assertThat(registry.get("breakwater.attempt.duration").tags("outcome", "success").timer()
        .totalTime(TimeUnit.MILLISECONDS)).isEqualTo(300.0);
    assertThat(registry.get("breakwater.call.added").tags("upstream", "graph", "operation", "list_messages").timer()
        .totalTime(TimeUnit.MILLISECONDS)).isEqualTo(50.0);
  }

  @Test
  void perTenantBreakersKeepTenantsOutOfTags() {
    Pipeline<String> perTenant = breakwater.<String>pipeline(PipelineConfig.named("graph-per-tenant")
        .withUpstream("graph").withCircuitBreaker("breaker").withBreakerPerTenant(true)).build();
    breakwater.circuitBreaker("graph", "breaker"); // a shared breaker of the same upstream keeps its gauge

    assertThat(perTenant.execute(ctx, () -> "ok")).isEqualTo("ok");
    assertThat(breakersCreated).contains("graph/" + TENANT);

    assertThat(registry.find("breakwater.circuit.state").gauges()).hasSize(1);
    assertThat(registry.get("breakwater.calls").tags("upstream", "graph", "domain", "none").counter().count())
        .isEqualTo(1.0);
    assertNoTenantOrUser();
  }

  private void assertNoTenantOrUser() {
    assertThat(registry.getMeters()).isNotEmpty();
    for (Meter m : registry.getMeters()) {
      for (Tag t : m.getId().getTags()) {
        assertThat(t.getKey()).as(m.getId().toString()).isNotIn("tenant", "user");
        assertThat(t.getValue()).as(m.getId().toString()).doesNotContain(TENANT).doesNotContain(USER);
      }
    }
  }
}
