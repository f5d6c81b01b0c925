package dev.breakwater.config;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.breakwater.Breakwater;
import dev.breakwater.bulkhead.BulkheadConfig;
import dev.breakwater.cache.CacheConfig;
import dev.breakwater.circuit.CircuitBreakerConfig;
import dev.breakwater.ratelimit.RateLimitConfig;
import dev.breakwater.ratelimit.RateLimitScope;
import dev.breakwater.retry.RetryBudgetConfig;
import dev.breakwater.retry.RetryConfig;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Invalid configuration fails early with {@code name: value (expected: ...)}. */
class ConfigValidationTest {

  @Test
  void aThresholdOutsideAPercentageIsNamedWithWhatIsExpected() {
    assertThatThrownBy(() -> CircuitBreakerConfig.defaults().withFailureRateThreshold(150))
        .isInstanceOf(ConfigException.class)
        .hasMessage("failureRateThreshold: 150.0 (expected: a percentage in (0, 100])");
  }

  @Test
  void halfOpenSuccessesCannotExceedTheProbes() {
    assertThatThrownBy(() -> CircuitBreakerConfig.defaults().withHalfOpen(2, 3))
        .hasMessage("halfOpenSuccesses: 3 (expected: <= halfOpenProbes (2))");
  }

  @Test
  void retryDelaysMustBeOrdered() {
    assertThatThrownBy(() -> RetryConfig.defaults().withBackoff(Duration.ofSeconds(5), Duration.ofSeconds(1)))
        .hasMessage("maxDelay: PT1S (expected: >= baseDelay (PT5S))");
    assertThatThrownBy(() -> RetryConfig.defaults().withMaxAttempts(0))
        .hasMessage("maxAttempts: 0 (expected: >= 1)");
    assertThatThrownBy(() -> new RetryBudgetConfig(0.1, 5, Duration.ofMillis(10)))
        .hasMessage("window: PT0.01S (expected: between 1 s and 10 min)");
  }

  @Test
  void aBulkheadReserveMustLeaveRoomForBatch() {
    assertThatThrownBy(() -> BulkheadConfig.of(4).withInteractiveReserve(4))
        .hasMessage("interactiveReserve: 4 (expected: < maxConcurrent (4))");
    assertThatThrownBy(() -> BulkheadConfig.of(4).withWait(Duration.ofSeconds(-1), 10))
        .hasMessage("maxWait: PT-1S (expected: a duration >= 0)");
  }

  @Test
  void rateLimitsAndCachesAreValidated() {
    assertThatThrownBy(() -> RateLimitConfig.of("x", RateLimitScope.TENANT, 0, Duration.ofSeconds(1)))
        .hasMessage("permits: 0 (expected: >= 1)");
    assertThatThrownBy(() -> RateLimitConfig.of(" ", RateLimitScope.TENANT, 1, Duration.ofSeconds(1)))
        .hasMessage("name:   (expected: a non-blank name)");
    assertThatThrownBy(() -> CacheConfig.of(Duration.ofSeconds(1)).withVersion("v1:x"))
        .hasMessage("version: v1:x (expected: a non-blank string without ':')");
  }

  @Test
  void aPipelineNamingAMissingPolicyFailsWhenBuiltAndListsTheChoices() {
    Breakwater bw = Breakwater.builder().policies(Policies.builder()
        .retry("reads", RetryConfig.defaults()).retry("writes", RetryConfig.defaults()).build()).build();
    assertThatThrownBy(() -> bw.pipeline(PipelineConfig.named("graph").withRetry("nope")).build())
        .isInstanceOf(ConfigException.class)
        .hasMessage("pipelines.graph.retry: \"nope\" (expected: one of [reads, writes])");
    assertThatThrownBy(() -> bw.pipeline(PipelineConfig.named("graph").withRateLimits(java.util.List.of("x")))
        .build())
        .hasMessage("pipelines.graph.rateLimits: \"x\" (expected: one of [])");
  }

  @Test
  void engineBoundsAreValidated() {
    assertThatThrownBy(() -> Breakwater.builder().registryBounds(0, Duration.ofMinutes(1)))
        .hasMessage("registryCapacity: 0 (expected: >= 1)");
  }
}
