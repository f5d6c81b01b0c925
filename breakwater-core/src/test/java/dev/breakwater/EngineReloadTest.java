package dev.breakwater;

import static org.assertj.core.api.Assertions.assertThat;

import dev.breakwater.bulkhead.Bulkhead;
import dev.breakwater.bulkhead.BulkheadConfig;
import dev.breakwater.circuit.CircuitBreaker;
import dev.breakwater.circuit.CircuitBreakerConfig;
import dev.breakwater.circuit.CircuitState;
import dev.breakwater.config.PipelineConfig;
import dev.breakwater.config.Policies;
import dev.breakwater.retry.RetryConfig;
import dev.breakwater.time.VirtualTimeSource;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * An engine built to replace another (a configuration reload) keeps what the old one learnt and what operators set,
 * wherever the configuration did not change; a bulkhead keeps the permits of its calls in flight either way.
 */
class EngineReloadTest {
  private final VirtualTimeSource time = new VirtualTimeSource();
  private static final CircuitBreakerConfig FOUR_CALLS = CircuitBreakerConfig.defaults().withMinimumCalls(4)
      .withWindow(CircuitBreakerConfig.WindowType.COUNT_BASED, 4).withFailureRateThreshold(50);

  private Breakwater engine(Policies policies, Breakwater previous) {
    Breakwater.Builder b = Breakwater.builder().timeSource(time).executor(Runnable::run).policies(policies);
    if (previous != null) {
      b.replacing(previous);
    }
    Breakwater e = b.build();
    e.pipeline(PipelineConfig.named("mail").withUpstream("graph").withDomain("mail").withCircuitBreaker("cb")
        .withRetry("r").withBulkhead("b")).build();
    return e;
  }

  private static Policies policies(CircuitBreakerConfig cb, int bulkhead) {
    return Policies.builder().circuitBreaker("cb", cb).retry("r", RetryConfig.defaults())
        .bulkhead("b", BulkheadConfig.of(bulkhead)).build();
  }

  @Test
  void aBreakersWindowCarriesOverWhenItsConfigIsUnchanged() {
    Breakwater before = engine(policies(FOUR_CALLS, 10), null);
    CircuitBreaker b = before.circuitBreaker("graph", "cb");
    b.onFailure(0);
    b.onSuccess(0);
    b.onFailure(0);

    Breakwater after = engine(policies(FOUR_CALLS, 10), before);
    after.circuitBreaker("graph", "cb").onSuccess(0);

    assertThat(after.circuitBreaker("graph", "cb")).isSameAs(b);
    assertThat(b.state()).as("2 failures of 4 calls, half of them across the reload").isEqualTo(CircuitState.OPEN);
  }

  @Test
  void operatorSettingsSurviveAReloadEvenWhenTheBreakersConfigChanged() {
    Breakwater before = engine(policies(FOUR_CALLS, 10), null);
    before.circuitBreaker("graph", "cb").forceOpen();
    before.setDegradation(Degradation.READ_ONLY);
    before.setDegradation("graph", Degradation.DEGRADED);

    Breakwater after = engine(policies(FOUR_CALLS.withOpenDuration(Duration.ofSeconds(5)), 10), before);

    CircuitBreaker b = after.circuitBreaker("graph", "cb");
    assertThat(b.config().openDuration()).isEqualTo(Duration.ofSeconds(5));
    assertThat(b.state()).isEqualTo(CircuitState.FORCED_OPEN);
    assertThat(after.degradation("graph")).isEqualTo(Degradation.DEGRADED);
    assertThat(after.degradation("other")).isEqualTo(Degradation.READ_ONLY);
  }

  @Test
  void aBreakerWhoseConfigChangedStartsAfresh() {
    Breakwater before = engine(policies(FOUR_CALLS, 10), null);
    CircuitBreaker old = before.circuitBreaker("graph", "cb");
    old.onFailure(0);
    old.onFailure(0);
    old.onFailure(0);

    Breakwater after = engine(policies(FOUR_CALLS.withFailureRateThreshold(80), 10), before);
    CircuitBreaker b = after.circuitBreaker("graph", "cb");
    b.onSuccess(0);

    assertThat(b).isNotSameAs(old);
    assertThat(b.state()).isEqualTo(CircuitState.CLOSED);
  }

  @Test
  void aBulkheadNeverAdmitsMoreThanItsLimitAcrossReloads() {
    Breakwater first = engine(policies(FOUR_CALLS, 2), null);
    Bulkhead b = first.bulkheads().values().iterator().next();
    assertThat(b.tryAcquire(Lane.INTERACTIVE)).isTrue();
    assertThat(b.tryAcquire(Lane.INTERACTIVE)).isTrue();

    Breakwater grown = engine(policies(FOUR_CALLS, 3), first);
    assertThat(grown.bulkheads().values()).containsExactly(b);
    assertThat(b.tryAcquire(Lane.INTERACTIVE)).isTrue();
    assertThat(b.tryAcquire(Lane.INTERACTIVE)).isFalse();

    engine(policies(FOUR_CALLS, 1), grown);
    b.release();
    b.release();
    assertThat(b.tryAcquire(Lane.INTERACTIVE)).as("the one call still in flight is the new limit").isFalse();
    b.release();
    assertThat(b.tryAcquire(Lane.INTERACTIVE)).isTrue();
  }

  @Test
  void stateUnderAConfigNameThatNoLongerExistsIsDropped() {
    Breakwater before = engine(policies(FOUR_CALLS, 10), null);
    before.circuitBreaker("graph", "cb").forceOpen();

    Breakwater after = Breakwater.builder().timeSource(time).replacing(before)
        .policies(Policies.builder().circuitBreaker("other", FOUR_CALLS).build()).build();

    assertThat(after.circuitBreakers()).isEmpty();
    assertThat(after.bulkheads()).isEmpty();
  }
}
