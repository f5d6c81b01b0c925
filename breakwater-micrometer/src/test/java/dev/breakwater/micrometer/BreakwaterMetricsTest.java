package dev.breakwater.micrometer;

import dev.breakwater.testing.NamedPipeline;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.breakwater.CallContext;
import dev.breakwater.ErrorCode;
import dev.breakwater.Lane;
import dev.breakwater.Source;
import dev.breakwater.bulkhead.Bulkhead;
import dev.breakwater.bulkhead.BulkheadConfig;
import dev.breakwater.circuit.CircuitBreaker;
import dev.breakwater.circuit.CircuitBreakerConfig;
import dev.breakwater.circuit.CircuitState;
import dev.breakwater.event.CacheOutcome;
import dev.breakwater.event.IdempotencyOutcome;
import dev.breakwater.event.RetryStop;
import dev.breakwater.time.VirtualTimeSource;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.config.NamingConvention;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class BreakwaterMetricsTest {
  private static final String TENANT = "tenant-acme-42";
  private static final String USER = "user-alice-7";

  private SimpleMeterRegistry registry;
  private BreakwaterMetrics metrics;
  private VirtualTimeSource time;
  private final NamedPipeline pipeline = new NamedPipeline("graph-mail", "graph", "mail");
  private final CallContext ctx = CallContext.builder().tenant(TENANT).user(USER).operation("list_messages").build();

  @BeforeEach
  void setUp() {
    registry = new SimpleMeterRegistry();
    metrics = new BreakwaterMetrics(registry);
    time = new VirtualTimeSource();
  }

  @Test
  void aControlChangeSetsItsTargetsGaugeAndIsCountedBySource() {
    dev.breakwater.control.ControlPlane plane = dev.breakwater.control.ControlPlane.inMemory(time);
    plane.addListener(metrics::onControlChange);
    dev.breakwater.control.ControlKey graph = dev.breakwater.control.ControlKey.of(
        dev.breakwater.control.ControlKind.DEGRADATION, dev.breakwater.control.Target.upstream("graph"));
    plane.setByRule(graph, new dev.breakwater.control.Setting.Level(dev.breakwater.Degradation.READ_ONLY), "rule");
    assertThat(registry.get("breakwater.control.value").tags("control", "degradation", "target", "upstream:graph")
        .gauge().value()).isEqualTo(2.0);
    plane.clearRule(graph, "rule");
    assertThat(registry.get("breakwater.control.value").tags("control", "degradation", "target", "upstream:graph")
        .gauge().value()).isEqualTo(0.0);
    assertThat(registry.get("breakwater.control.changes").tags("source", "health_rule").counter().count())
        .isEqualTo(1.0);
    assertThat(registry.get("breakwater.control.changes").tags("source", "default").counter().count())
        .isEqualTo(1.0);
  }

  @Test
  void countsAndTimesCompletedCallsWithPipelineDefaults() {
    metrics.onCallCompleted(pipeline, ctx, null, Source.UPSTREAM, 5_000_000);
    metrics.onCallCompleted(pipeline, ctx, null, Source.UPSTREAM, 7_000_000);
    metrics.onCallCompleted(pipeline, ctx, ErrorCode.UPSTREAM_ERROR, null, 1_000_000);

    Counter ok = registry.get("breakwater.calls").tags("upstream", "graph", "domain", "mail",
        "operation", "list_messages", "outcome", "success", "source", "upstream").counter();
    assertThat(ok.count()).isEqualTo(2.0);
    Counter failed = registry.get("breakwater.calls").tags("outcome", "upstream_error", "source", "none").counter();
    assertThat(failed.count()).isEqualTo(1.0);

    Timer okTimer = registry.get("breakwater.call.duration").tags("upstream", "graph", "domain", "mail",
        "operation", "list_messages", "outcome", "success").timer();
    assertThat(okTimer.count()).isEqualTo(2);
    assertThat(okTimer.totalTime(TimeUnit.MILLISECONDS)).isCloseTo(12.0, within(0.001));
    assertThat(okTimer.getId().getTag("source")).isNull();
  }

  @Test
  void callDurationsPublishHistogramBucketsAtTheDefaultBoundariesIncludingOneAndAHalfSeconds() {
    metrics.onCallCompleted(pipeline, ctx, null, Source.UPSTREAM, 1_200_000_000L);
    metrics.onCallCompleted(pipeline, ctx, null, Source.UPSTREAM, 1_500_000_000L);
    metrics.onCallCompleted(pipeline, ctx, null, Source.UPSTREAM, 1_600_000_000L);

    Timer timer = registry.get("breakwater.call.duration").tags("outcome", "success").timer();
    assertThat(bucketsInSeconds(timer)).containsExactly(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 1.5, 2.0, 3.0,
        5.0, 10.0, 15.0, 30.0, 60.0);
    // A p95 <= 1.5 s objective is read off one bucket: two of the three calls took at most 1.5 s.
    assertThat(countAtOrBelow(timer, 1.5)).isEqualTo(2.0);
    assertThat(countAtOrBelow(timer, 1.0)).isZero();
  }

  @Test
  void extraBoundariesAreMergedWithTheDefaultsSortedAndWithoutDuplicates() {
    BreakwaterMetrics withObjectives = new BreakwaterMetrics(registry,
        List.of(Duration.ofMillis(1200), Duration.ofMillis(750), Duration.ofSeconds(3)));
    assertThat(withObjectives.boundaries()).hasSize(BreakwaterMetrics.DEFAULT_BOUNDARIES.size() + 2).isSorted()
        .contains(Duration.ofMillis(750), Duration.ofMillis(1200));

    withObjectives.onCallCompleted(pipeline, ctx, null, Source.UPSTREAM, 1_100_000_000L);
    Timer timer = registry.get("breakwater.call.duration").timer();
    assertThat(bucketsInSeconds(timer)).contains(0.75, 1.0, 1.2, 1.5).hasSize(18);
    assertThat(countAtOrBelow(timer, 1.2)).isEqualTo(1.0);
  }

  @Test
  void aBucketBoundaryThatIsNotPositiveIsRefused() {
    assertThatThrownBy(() -> new BreakwaterMetrics(registry, List.of(Duration.ZERO)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("positive");
  }

  @Test
  void eachAttemptsUpstreamTimeIsTimedByItsOutcomeWithTheSameBuckets() {
    metrics.onAttempt(pipeline, ctx, 1, ErrorCode.UPSTREAM_ERROR, 200_000_000L);
    metrics.onAttempt(pipeline, ctx, 2, null, 300_000_000L);

    Timer failed = registry.get("breakwater.attempt.duration").tags("upstream", "graph", "domain", "mail",
        "operation", "list_messages", "outcome", "upstream_error").timer();
    assertThat(failed.totalTime(TimeUnit.MILLISECONDS)).isCloseTo(200.0, within(0.001));
    Timer ok = registry.get("breakwater.attempt.duration").tags("outcome", "success").timer();
    assertThat(ok.count()).isEqualTo(1);
    assertThat(bucketsInSeconds(ok)).isEqualTo(bucketsInSeconds(failed)).contains(1.5);
  }

  @Test
  void theTimeAddedIsTheCallLessItsUpstreamTimePerOperationWhateverTheOutcome() {
    metrics.onCallCompleted(pipeline, ctx, null, Source.UPSTREAM, 550_000_000L, 500_000_000L);
    metrics.onCallCompleted(pipeline, ctx, ErrorCode.UPSTREAM_ERROR, null, 130_000_000L, 100_000_000L);

    Timer added = registry.get("breakwater.call.added").tags("upstream", "graph", "domain", "mail",
        "operation", "list_messages").timer();
    assertThat(added.getId().getTag("outcome")).isNull();
    assertThat(added.count()).isEqualTo(2);
    assertThat(added.totalTime(TimeUnit.MILLISECONDS)).isCloseTo(80.0, within(0.001));
    assertThat(countAtOrBelow(added, 0.05)).isEqualTo(2.0);
  }

  private static List<Double> bucketsInSeconds(Timer timer) {
    List<Double> out = new ArrayList<>();
    for (CountAtBucket b : timer.takeSnapshot().histogramCounts()) {
      out.add(b.bucket(TimeUnit.SECONDS));
    }
    return out;
  }

  private static double countAtOrBelow(Timer timer, double seconds) {
    for (CountAtBucket b : timer.takeSnapshot().histogramCounts()) {
      if (b.bucket(TimeUnit.SECONDS) == seconds) {
        return b.count();
      }
    }
    throw new AssertionError("no bucket at " + seconds + " s");
  }

  @Test
  void contextOverridesPipelineAndMissingValuesReadNone() {
    CallContext explicit = CallContext.builder().tenant(TENANT).upstream("slack").domain("chat").operation("post")
        .build();
    metrics.onCallCompleted(pipeline, explicit, null, Source.CACHE, 1);
    assertThat(registry.get("breakwater.calls").tags("upstream", "slack", "domain", "chat", "operation", "post",
        "source", "cache").counter().count()).isEqualTo(1.0);

    NamedPipeline anonymous = new NamedPipeline("anon", null, null);
    metrics.onCallCompleted(anonymous, CallContext.builder().build(), ErrorCode.CIRCUIT_OPEN, Source.FALLBACK, 1);
    assertThat(registry.get("breakwater.calls").tags("upstream", "none", "domain", "none", "operation", "none",
        "outcome", "circuit_open", "source", "fallback").counter().count()).isEqualTo(1.0);
  }

  @Test
  void everySourceAndErrorCodeRendersLowerCase() {
    for (Source s : Source.values()) {
      metrics.onCallCompleted(pipeline, ctx, null, s, 1);
    }
    for (ErrorCode c : ErrorCode.values()) {
      metrics.onCallCompleted(pipeline, ctx, c, Source.UPSTREAM, 1);
    }
    assertThat(registry.get("breakwater.calls").counters()).extracting(m -> m.getId().getTag("source"))
        .contains("upstream", "cache", "stale_cache", "fallback", "replay");
    assertThat(registry.get("breakwater.calls").counters()).extracting(m -> m.getId().getTag("outcome"))
        .contains("success", "throttled", "rate_limited", "bulkhead_full", "idempotency_mismatch", "invalid_request");
  }

  @Test
  void callMetersAreRegisteredOnceAndReused() {
    for (int i = 0; i < 100; i++) {
      metrics.onCallCompleted(pipeline, ctx, null, Source.UPSTREAM, 1);
    }
    assertThat(registry.find("breakwater.calls").counters()).hasSize(1);
    assertThat(registry.find("breakwater.call.duration").timers()).hasSize(1);
    assertThat(registry.get("breakwater.calls").counter().count()).isEqualTo(100.0);
  }

  @Test
  void concurrentCallsAreAllCounted() throws InterruptedException {
    int threads = 8;
    int perThread = 10_000;
    CountDownLatch start = new CountDownLatch(1);
    List<Thread> workers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      String op = "op" + (t % 2);
      CallContext c = CallContext.builder().tenant("t" + t).operation(op).build();
      Thread w = new Thread(() -> {
        try {
          start.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
        for (int i = 0; i < perThread; i++) {
          metrics.onCallCompleted(pipeline, c, null, Source.UPSTREAM, 1_000);
        }
      });
      w.start();
      workers.add(w);
    }
    start.countDown();
    for (Thread w : workers) {
      w.join();
    }
    double total = registry.get("breakwater.calls").counters().stream().mapToDouble(Counter::count).sum();
    assertThat(total).isEqualTo((double) threads * perThread);
    assertThat(registry.get("breakwater.calls").counters()).hasSize(2);
  }

  @Test
  void circuitBreakerGaugesFollowTheBreaker() {
    CircuitBreaker breaker = new CircuitBreaker("graph",
        CircuitBreakerConfig.defaults().withMinimumCalls(2).withWindow(CircuitBreakerConfig.WindowType.COUNT_BASED, 4),
        time, (w, t) -> {});
    breaker.addListener(metrics::onCircuitTransition);
    metrics.onCircuitBreakerCreated(breaker);

    assertThat(registry.get("breakwater.circuit.state").tag("name", "graph").gauge().value()).isEqualTo(0.0);
    assertThat(registry.get("breakwater.circuit.failure.rate").tag("name", "graph").gauge().value())
        .isEqualTo(-1.0);

    assertThat(breaker.tryAcquirePermission()).isTrue();
    breaker.onFailure(1);
    assertThat(breaker.tryAcquirePermission()).isTrue();
    breaker.onFailure(1);
    assertThat(breaker.state()).isEqualTo(CircuitState.OPEN);
    assertThat(registry.get("breakwater.circuit.state").tag("name", "graph").gauge().value())
        .isEqualTo(CircuitState.OPEN.metricValue());
    assertThat(registry.get("breakwater.circuit.failure.rate").tag("name", "graph").gauge().value())
        .isEqualTo(100.0);

    breaker.forceOpen();
    assertThat(registry.get("breakwater.circuit.state").tag("name", "graph").gauge().value()).isEqualTo(3.0);

    assertThat(registry.get("breakwater.circuit.transitions").tags("name", "graph", "from", "closed", "to", "open")
        .counter().count()).isEqualTo(1.0);
    assertThat(registry.get("breakwater.circuit.transitions").tags("name", "graph", "from", "open",
        "to", "forced_open").counter().count()).isEqualTo(1.0);

    metrics.onCircuitRejected(pipeline, ctx, breaker);
    assertThat(registry.get("breakwater.circuit.rejected").tags("name", "graph", "upstream", "graph",
        "domain", "mail", "operation", "list_messages").counter().count()).isEqualTo(1.0);
  }

  @Test
  void aBreakersSlowCallRateIsAGaugeNextToItsFailureRate() {
    CircuitBreaker breaker = new CircuitBreaker("graph", CircuitBreakerConfig.defaults().withMinimumCalls(2)
        .withWindow(CircuitBreakerConfig.WindowType.COUNT_BASED, 4).withSlowCalls(90, Duration.ofSeconds(1)),
        time, (w, t) -> {});
    metrics.onCircuitBreakerCreated(breaker);
    assertThat(registry.get("breakwater.circuit.slow.call.rate").tag("name", "graph").gauge().value())
        .isEqualTo(-1.0);

    assertThat(breaker.tryAcquirePermission()).isTrue();
    breaker.onSuccess(Duration.ofSeconds(2).toNanos());
    assertThat(breaker.tryAcquirePermission()).isTrue();
    breaker.onSuccess(Duration.ofMillis(10).toNanos());

    assertThat(registry.get("breakwater.circuit.slow.call.rate").tag("name", "graph").gauge().value())
        .isEqualTo(50.0);
    assertThat(registry.get("breakwater.circuit.failure.rate").tag("name", "graph").gauge().value())
        .isEqualTo(0.0);
  }

  @Test
  void theTimeFromOpeningToClosingAgainIsOneRecoveryHoweverManyProbesFailed() {
    metrics = new BreakwaterMetrics(registry, List.of(), time);
    CircuitBreaker breaker = tripOnTwoFailures("graph");
    trip(breaker);
    time.advance(Duration.ofSeconds(10));
    assertThat(breaker.tryAcquirePermission()).isTrue(); // half-open probe
    breaker.onFailure(1);                                   // back to open for another 10 s
    assertThat(breaker.state()).isEqualTo(CircuitState.OPEN);
    time.advance(Duration.ofSeconds(10));
    assertThat(breaker.tryAcquirePermission()).isTrue();
    breaker.onSuccess(1);
    assertThat(breaker.state()).isEqualTo(CircuitState.CLOSED);

    Timer recovery = registry.get("breakwater.circuit.recovery").tag("name", "graph").timer();
    assertThat(recovery.count()).isEqualTo(1);
    assertThat(recovery.totalTime(TimeUnit.SECONDS)).isEqualTo(20.0);

    // A second outage, ended by an operator's reset after 3 s, is a second recovery.
    trip(breaker);
    time.advance(Duration.ofSeconds(3));
    breaker.reset();
    assertThat(recovery.count()).isEqualTo(2);
    assertThat(recovery.totalTime(TimeUnit.SECONDS)).isEqualTo(23.0);
    assertThat(recovery.max(TimeUnit.SECONDS)).isEqualTo(20.0);
  }

  @Test
  void anOperatorHoldingABreakerOpenCountsUntilCallsPassAgainAndHoldingItClosedIsNoOutage() {
    metrics = new BreakwaterMetrics(registry, List.of(), time);
    CircuitBreaker breaker = tripOnTwoFailures("graph");
    breaker.forceClosed();
    time.advance(Duration.ofMinutes(5));
    breaker.reset();
    assertThat(registry.find("breakwater.circuit.recovery").timer()).isNull();

    breaker.forceOpen();
    time.advance(Duration.ofMinutes(2));
    breaker.forceClosed(); // calls pass again: the outage ends here, not at the later reset
    time.advance(Duration.ofMinutes(1));
    breaker.reset();

    Timer recovery = registry.get("breakwater.circuit.recovery").tag("name", "graph").timer();
    assertThat(recovery.count()).isEqualTo(1);
    assertThat(recovery.totalTime(TimeUnit.SECONDS)).isEqualTo(120.0);
  }

  @Test
  void perTenantBreakersRecoverUnderTheirUpstreamOnly() {
    metrics = new BreakwaterMetrics(registry, List.of(), time);
    CircuitBreaker acme = new CircuitBreaker("graph", TENANT, twoFailures(), time, (w, t) -> {});
    CircuitBreaker other = new CircuitBreaker("graph", "tenant-other", twoFailures(), time, (w, t) -> {});
    acme.addListener(metrics::onCircuitTransition);
    other.addListener(metrics::onCircuitTransition);
    trip(acme);
    time.advance(Duration.ofSeconds(4));
    trip(other);
    time.advance(Duration.ofSeconds(6));
    acme.reset();
    other.reset();

    Timer recovery = registry.get("breakwater.circuit.recovery").timer();
    assertThat(recovery.getId().getTags()).containsExactly(Tag.of("name", "graph"));
    assertThat(recovery.count()).isEqualTo(2);
    assertThat(recovery.totalTime(TimeUnit.SECONDS)).isEqualTo(16.0);
    assertNoTenantOrUser();
  }

  private static CircuitBreakerConfig twoFailures() {
    return CircuitBreakerConfig.defaults().withMinimumCalls(2)
        .withWindow(CircuitBreakerConfig.WindowType.COUNT_BASED, 4)
        .withOpenDuration(Duration.ofSeconds(10)).withHalfOpen(1, 1);
  }

  private CircuitBreaker tripOnTwoFailures(String upstream) {
    CircuitBreaker breaker = new CircuitBreaker(upstream, twoFailures(), time, (w, t) -> {});
    breaker.addListener(metrics::onCircuitTransition);
    return breaker;
  }

  private static void trip(CircuitBreaker breaker) {
    for (int i = 0; i < 2; i++) {
      assertThat(breaker.tryAcquirePermission()).isTrue();
      breaker.onFailure(1);
    }
    assertThat(breaker.state()).isEqualTo(CircuitState.OPEN);
  }

  @Test
  void aRecreatedBreakerReplacesTheOldGauge() {
    CircuitBreaker first = new CircuitBreaker("graph", CircuitBreakerConfig.defaults(), time, (w, t) -> {});
    metrics.onCircuitBreakerCreated(first);
    first.forceOpen();
    CircuitBreaker second = new CircuitBreaker("graph", CircuitBreakerConfig.defaults(), time, (w, t) -> {});
    metrics.onCircuitBreakerCreated(second);

    assertThat(registry.find("breakwater.circuit.state").gauges()).hasSize(1);
    assertThat(registry.get("breakwater.circuit.state").tag("name", "graph").gauge().value()).isEqualTo(0.0);
    second.disable();
    assertThat(registry.get("breakwater.circuit.state").tag("name", "graph").gauge().value()).isEqualTo(5.0);
  }

  @Test
  void perTenantBreakersNeverLeakTheirTenant() {
    CircuitBreaker perTenant = new CircuitBreaker("graph", TENANT, CircuitBreakerConfig.defaults(), time,
        (w, t) -> {});
    metrics.onCircuitBreakerCreated(perTenant);
    metrics.onCircuitTransition(perTenant, CircuitState.CLOSED, CircuitState.OPEN, "failure rate reached 50.0%");
    metrics.onCircuitRejected(pipeline, ctx, perTenant);

    assertThat(registry.find("breakwater.circuit.state").gauges()).isEmpty();
    assertThat(registry.get("breakwater.circuit.transitions").tag("name", "graph").counter().count()).isEqualTo(1.0);
    assertThat(registry.get("breakwater.circuit.rejected").tag("name", "graph").counter().count()).isEqualTo(1.0);
    assertNoTenantOrUser();
  }

  @Test
  void bulkheadGaugesAndRejections() {
    Bulkhead bulkhead = new Bulkhead("mail", BulkheadConfig.of(4).withWait(Duration.ofSeconds(1), 2), time);
    metrics.onBulkheadCreated(bulkhead);

    assertThat(registry.get("breakwater.bulkhead.max").tag("name", "mail").gauge().value()).isEqualTo(4.0);
    assertThat(registry.get("breakwater.bulkhead.active").tag("name", "mail").gauge().value()).isEqualTo(0.0);

    for (int i = 0; i < 4; i++) {
      assertThat(bulkhead.tryAcquire(Lane.INTERACTIVE)).isTrue();
    }
    bulkhead.acquire(Lane.INTERACTIVE, Duration.ofSeconds(1).toNanos());
    assertThat(registry.get("breakwater.bulkhead.active").tag("name", "mail").gauge().value()).isEqualTo(4.0);
    assertThat(registry.get("breakwater.bulkhead.queue.depth").tag("name", "mail").gauge().value()).isEqualTo(1.0);

    time.advance(Duration.ofSeconds(2));
    assertThat(registry.get("breakwater.bulkhead.queue.depth").tag("name", "mail").gauge().value()).isEqualTo(0.0);

    metrics.onBulkheadRejected(pipeline, ctx, bulkhead);
    metrics.onBulkheadRejected(pipeline, ctx, bulkhead);
    assertThat(registry.get("breakwater.bulkhead.rejections").tags("name", "mail", "upstream", "graph")
        .counter().count()).isEqualTo(2.0);
  }

  @Test
  void retryMetersCapTheAttemptNumber() {
    metrics.onRetry(pipeline, ctx, 2, ErrorCode.UPSTREAM_ERROR, 100);
    metrics.onRetry(pipeline, ctx, 3, ErrorCode.TIMEOUT, 100);
    metrics.onRetry(pipeline, ctx, 4, ErrorCode.TIMEOUT, 100);
    metrics.onRetry(pipeline, ctx, 5, ErrorCode.TIMEOUT, 100);
    metrics.onRetry(pipeline, ctx, 17, ErrorCode.TIMEOUT, 100);

    assertThat(registry.get("breakwater.retry.attempts").tags("attempt", "2", "cause", "upstream_error",
        "upstream", "graph", "domain", "mail", "operation", "list_messages").counter().count()).isEqualTo(1.0);
    assertThat(registry.get("breakwater.retry.attempts").tags("attempt", "5+", "cause", "timeout").counter().count())
        .isEqualTo(2.0);
    assertThat(registry.get("breakwater.retry.attempts").counters()).extracting(c -> c.getId().getTag("attempt"))
        .containsOnly("2", "3", "4", "5+");

    metrics.onRetriesExhausted(pipeline, ctx, 3, ErrorCode.UPSTREAM_ERROR, RetryStop.ATTEMPTS);
    metrics.onRetriesExhausted(pipeline, ctx, 7, ErrorCode.TIMEOUT, RetryStop.ATTEMPTS);
    metrics.onRetriesExhausted(pipeline, ctx, 2, ErrorCode.TIMEOUT, RetryStop.DEADLINE);
    metrics.onRetriesExhausted(pipeline, ctx, 2, ErrorCode.THROTTLED, RetryStop.RETRY_AFTER);
    metrics.onRetriesExhausted(pipeline, ctx, 2, ErrorCode.UPSTREAM_ERROR, RetryStop.BUDGET);
    metrics.onRetriesExhausted(pipeline, ctx, 1, ErrorCode.TIMEOUT, RetryStop.NOT_RETRIED);
    assertThat(registry.get("breakwater.retry.exhausted").tags("why", "attempts", "code", "upstream_error")
        .counter().count()).isEqualTo(1.0);
    assertThat(registry.get("breakwater.retry.exhausted").tags("why", "attempts", "code", "timeout")
        .counter().count()).isEqualTo(1.0);
    assertThat(registry.get("breakwater.retry.exhausted").tags("why", "deadline").counter().count()).isEqualTo(1.0);
    assertThat(registry.get("breakwater.retry.exhausted").tags("why", "retry_after").counter().count())
        .isEqualTo(1.0);
    assertThat(registry.get("breakwater.retry.exhausted").tags("why", "budget").counter().count()).isEqualTo(1.0);
    assertThat(registry.get("breakwater.retry.exhausted").tags("why", "not_retried").counter().count())
        .isEqualTo(1.0);

    metrics.onSuccessAfterRetry(pipeline, ctx, 3);
    assertThat(registry.get("breakwater.retry.success.after.retry").tags("attempt", "3", "operation",
        "list_messages").counter().count()).isEqualTo(1.0);

    metrics.onRetryBudgetExhausted(pipeline, ctx);
    assertThat(registry.get("breakwater.retry.budget.exhausted").tags("upstream", "graph").counter().count())
        .isEqualTo(1.0);
  }

  @Test
  void timeoutsAreCountedAndTimedByScope() {
    metrics.onTimeout(pipeline, ctx, false, 2_000_000_000L);
    metrics.onTimeout(pipeline, ctx, false, 2_000_000_000L);
    metrics.onTimeout(pipeline, ctx, true, 10_000_000_000L);

    assertThat(registry.get("breakwater.timeout.violations").tag("scope", "attempt").counter().count())
        .isEqualTo(2.0);
    assertThat(registry.get("breakwater.timeout.violations").tag("scope", "deadline").counter().count())
        .isEqualTo(1.0);
    Timer deadline = registry.get("breakwater.timeout.duration").tags("scope", "deadline", "upstream", "graph")
        .timer();
    assertThat(deadline.count()).isEqualTo(1);
    assertThat(deadline.totalTime(TimeUnit.SECONDS)).isCloseTo(10.0, within(1e-9));
  }

  @Test
  void admissionCacheAndIdempotencyDecisions() {
    metrics.onRateLimit(pipeline, ctx, "per-tenant", true);
    metrics.onRateLimit(pipeline, ctx, "per-tenant", false);
    metrics.onRateLimit(pipeline, ctx, "per-tenant", false);
    assertThat(registry.get("breakwater.ratelimit.decisions").tags("limit", "per-tenant", "decision", "denied",
        "upstream", "graph", "operation", "list_messages").counter().count()).isEqualTo(2.0);
    assertThat(registry.get("breakwater.ratelimit.decisions").tags("decision", "allowed").counter().count())
        .isEqualTo(1.0);

    metrics.onThrottleGateHold(pipeline, ctx, 1_500);
    metrics.onThrottleGateClosed("graph", TENANT, time.epochMillis() + 30_000);
    assertThat(registry.get("breakwater.throttle.holds").tag("upstream", "graph").counter().count()).isEqualTo(1.0);
    Counter closed = registry.get("breakwater.throttle.closed").counter();
    assertThat(closed.count()).isEqualTo(1.0);
    assertThat(closed.getId().getTags()).containsExactly(Tag.of("upstream", "graph"));

    for (IdempotencyOutcome o : List.of(IdempotencyOutcome.RESERVED, IdempotencyOutcome.REPLAYED,
        IdempotencyOutcome.CONFLICT, IdempotencyOutcome.MISMATCH, IdempotencyOutcome.RELEASED,
        IdempotencyOutcome.RELEASED, IdempotencyOutcome.REFUSED)) {
      metrics.onIdempotency(pipeline, ctx, o);
    }
    assertThat(registry.get("breakwater.idempotency").tag("outcome", "released").counter().count()).isEqualTo(2.0);
    assertThat(registry.get("breakwater.idempotency").tag("outcome", "refused").counter().count()).isEqualTo(1.0);

    for (CacheOutcome o : List.of(CacheOutcome.HIT, CacheOutcome.HIT, CacheOutcome.MISS, CacheOutcome.STALE,
        CacheOutcome.LOAD_SHARED)) {
      metrics.onCache(pipeline, ctx, o);
    }
    assertThat(registry.get("breakwater.cache").tag("outcome", "hit").counter().count()).isEqualTo(2.0);
    assertThat(registry.get("breakwater.cache").counters()).extracting(c -> c.getId().getTag("outcome"))
        .containsExactlyInAnyOrder("hit", "miss", "stale", "load_shared");

    metrics.onDegradationReject(pipeline, ctx, ErrorCode.READ_ONLY);
    assertThat(registry.get("breakwater.degradation.rejections").tags("code", "read_only", "operation",
        "list_messages").counter().count()).isEqualTo(1.0);
  }

  @Test
  void registryAndInternalErrorMeters() {
    metrics.onRegistryEviction("breakers", 5);
    metrics.onRegistryEviction("breakers", 3);
    metrics.onRegistryEviction("breakers", 0);
    metrics.onRegistryNearCapacity("rate-limits", 9_100, 10_000);
    assertThat(registry.get("breakwater.registry.evictions").tag("registry", "breakers").counter().count())
        .isEqualTo(8.0);
    assertThat(registry.get("breakwater.registry.near.capacity").tag("registry", "rate-limits").counter().count())
        .isEqualTo(1.0);

    metrics.onInternalError("circuit breaker listener of graph", new RuntimeException());
    metrics.onInternalError("circuit breaker listener of slack", new RuntimeException());
    metrics.onInternalError(null, new RuntimeException());
    assertThat(registry.get("breakwater.internal.errors").counters()).hasSize(2);
    assertThat(registry.get("breakwater.internal.errors").tag("where", "circuit_breaker_listener").counter().count())
        .isEqualTo(2.0);
  }

  @Test
  void whereAndAttemptsAreBounded() {
    assertThat(BreakwaterMetrics.where("listener onCallCompleted of dev.x.Y@1234")).isEqualTo("listener_oncallcompleted");
    assertThat(BreakwaterMetrics.where("listener dev.breakwater.micrometer.BreakwaterMetrics"))
        .isEqualTo("listener_breakwatermetrics");
    assertThat(BreakwaterMetrics.where("listener com.acme.Foo$$Lambda/0x000071f00c0a3b58"))
        .isEqualTo("listener_foo");
    assertThat(BreakwaterMetrics.where("listener com.acme.Outer$Inner")).isEqualTo("listener_outer_inner");
    assertThat(BreakwaterMetrics.where("x".repeat(500))).hasSize(48);
    assertThat(BreakwaterMetrics.where("  ")).isEqualTo("none");
    assertThat(BreakwaterMetrics.attemptTag(1)).isEqualTo("2");
    assertThat(BreakwaterMetrics.attemptTag(4)).isEqualTo("4");
    assertThat(BreakwaterMetrics.attemptTag(Integer.MAX_VALUE)).isEqualTo("5+");
  }

  @Test
  void noMeterCarriesTenantOrUserIds() {
    exerciseEveryCallback();
    assertNoTenantOrUser();
  }

  private void assertNoTenantOrUser() {
    assertThat(registry.getMeters()).isNotEmpty();
    for (Meter m : registry.getMeters()) {
      for (Tag t : m.getId().getTags()) {
        assertThat(t.getKey()).as(m.getId().toString()).isNotIn("tenant", "user", "tenant_id", "user_id");
        assertThat(t.getValue()).as(m.getId().toString()).doesNotContain(TENANT).doesNotContain(USER);
      }
      assertThat(m.getId().getName()).startsWith("breakwater.");
    }
  }

  @Test
  void callsCounterRendersAsBreakwaterCallsTotalInPrometheus() {
    metrics.onCallCompleted(pipeline, ctx, null, Source.UPSTREAM, 1);
    Meter.Id id = registry.get("breakwater.calls").counter().getId();
    assertThat(id.getType()).isEqualTo(Meter.Type.COUNTER);
    // Prometheus renders names in snake case and appends _total to counters.
    String rendered = NamingConvention.snakeCase.name(id.getName(), id.getType(), id.getBaseUnit());
    String prometheus = id.getType() == Meter.Type.COUNTER ? rendered + "_total" : rendered;
    assertThat(prometheus).isEqualTo("breakwater_calls_total");

    for (Meter m : registry.getMeters()) {
      assertThat(NamingConvention.snakeCase.name(m.getId().getName(), m.getId().getType()))
          .startsWith("breakwater_").doesNotContain(".");
    }
  }

  private void exerciseEveryCallback() {
    CircuitBreaker breaker = new CircuitBreaker("graph", CircuitBreakerConfig.defaults(), time, (w, t) -> {});
    Bulkhead bulkhead = new Bulkhead("mail", BulkheadConfig.of(4), time);
    metrics.onCallCompleted(pipeline, ctx, null, Source.UPSTREAM, 1);
    metrics.onCallCompleted(pipeline, ctx, ErrorCode.THROTTLED, null, 1);
    metrics.onRetry(pipeline, ctx, 2, ErrorCode.THROTTLED, 1);
    metrics.onRetriesExhausted(pipeline, ctx, 3, ErrorCode.THROTTLED, RetryStop.ATTEMPTS);
    metrics.onSuccessAfterRetry(pipeline, ctx, 2);
    metrics.onRetryBudgetExhausted(pipeline, ctx);
    metrics.onTimeout(pipeline, ctx, true, 1);
    metrics.onCircuitBreakerCreated(breaker);
    metrics.onCircuitTransition(breaker, CircuitState.CLOSED, CircuitState.OPEN, "failure rate reached 50.0%");
    metrics.onCircuitRejected(pipeline, ctx, breaker);
    metrics.onBulkheadCreated(bulkhead);
    metrics.onBulkheadRejected(pipeline, ctx, bulkhead);
    metrics.onRateLimit(pipeline, ctx, "per-user", false);
    metrics.onThrottleGateHold(pipeline, ctx, 1);
    metrics.onThrottleGateClosed("graph", TENANT, 1);
    metrics.onIdempotency(pipeline, ctx, IdempotencyOutcome.RESERVED);
    metrics.onCache(pipeline, ctx, CacheOutcome.HIT);
    metrics.onDegradationReject(pipeline, ctx, ErrorCode.MAINTENANCE);
    metrics.onRegistryEviction("tenants", 1);
    metrics.onRegistryNearCapacity("tenants", 9, 10);
    metrics.onInternalError("listener of " + TENANT, new RuntimeException());
  }

  @Test
  void aStateStoreJustOpenedReadsSharedBeforeAnyTransition() {
    metrics.onStateStoreOpened("redis");

    assertThat(registry.get("breakwater.state.store.degraded").tags("store", "redis").gauge().value()).isEqualTo(0.0);
    assertThat(registry.find("breakwater.state.store.transitions").counters()).isEmpty();
  }

  @Test
  void aStateStoreFallingBackIsAGaugeATransitionAndACountOfDecisionsTakenLocally() {
    metrics.onStateStore("redis", true, "redis unreachable: connection refused");
    metrics.onDegradedDecision("redis");
    metrics.onDegradedDecision("redis");

    assertThat(registry.get("breakwater.state.store.degraded").tags("store", "redis").gauge().value()).isEqualTo(1.0);
    assertThat(registry.get("breakwater.state.store.transitions").tags("store", "redis", "to", "degraded").counter()
        .count()).isEqualTo(1.0);
    assertThat(registry.get("breakwater.state.store.degraded.decisions").tags("store", "redis").counter().count())
        .isEqualTo(2.0);

    metrics.onStateStore("redis", false, "redis reachable");
    assertThat(registry.get("breakwater.state.store.degraded").tags("store", "redis").gauge().value()).isEqualTo(0.0);
    assertThat(registry.get("breakwater.state.store.transitions").tags("store", "redis", "to", "shared").counter()
        .count()).isEqualTo(1.0);
  }

  @Test
  void aBreakersSuccessesAndFailuresByErrorCodeAreCountedUnderItsUpstreamOnly() {
    CircuitBreaker shared = new CircuitBreaker("graph", CircuitBreakerConfig.defaults(), time, (w, t) -> {});
    CircuitBreaker perTenant = new CircuitBreaker("graph", TENANT, CircuitBreakerConfig.defaults(), time,
        (w, t) -> {});
    metrics.onCircuitCall(shared, null);
    metrics.onCircuitCall(perTenant, null);
    metrics.onCircuitCall(shared, ErrorCode.TIMEOUT);
    metrics.onCircuitCall(perTenant, ErrorCode.UPSTREAM_ERROR);

    assertThat(registry.get("breakwater.circuit.successes").tag("name", "graph").counter().count()).isEqualTo(2.0);
    assertThat(registry.get("breakwater.circuit.failures").tags("name", "graph", "code", "timeout").counter()
        .count()).isEqualTo(1.0);
    assertThat(registry.get("breakwater.circuit.failures").tags("name", "graph", "code", "upstream_error").counter()
        .count()).isEqualTo(1.0);
    assertThat(registry.getMeters()).allSatisfy(m -> assertThat(m.getId().getTags().toString()).doesNotContain(TENANT));
  }
}
