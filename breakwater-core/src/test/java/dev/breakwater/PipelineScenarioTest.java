package dev.breakwater;

import static dev.breakwater.testing.Harness.fail;
import static dev.breakwater.testing.Harness.ok;
import static dev.breakwater.testing.Harness.slow;
import static org.assertj.core.api.Assertions.assertThat;

import dev.breakwater.bulkhead.BulkheadConfig;
import dev.breakwater.cache.CacheConfig;
import dev.breakwater.circuit.CircuitBreakerConfig;
import dev.breakwater.config.PipelineConfig;
import dev.breakwater.config.Policies;
import dev.breakwater.config.TimeoutConfig;
import dev.breakwater.event.Events;
import dev.breakwater.fallback.Fallback;
import dev.breakwater.idempotency.IdempotencyConfig;
import dev.breakwater.idempotency.Reservation;
import dev.breakwater.idempotency.WhenStoreUnavailable;
import dev.breakwater.ratelimit.RateLimitConfig;
import dev.breakwater.ratelimit.RateLimitScope;
import dev.breakwater.retry.RetryConfig;
import dev.breakwater.spi.IdempotencyStore;
import dev.breakwater.testing.Harness.Mode;
import dev.breakwater.testing.Harness.Outcome;
import dev.breakwater.testing.Harness;
import dev.breakwater.throttle.InMemoryThrottleGateStore;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The pipeline's behaviour, one scenario per test, each run through both the synchronous and the asynchronous API on
 * virtual time: the two must agree on every outcome.
 */
class PipelineScenarioTest {
  private static final Duration SEC = Duration.ofSeconds(1);

  private final Harness h = new Harness();

  private Policies.Builder policies() {
    return Policies.builder()
        .timeout("t", TimeoutConfig.of(Duration.ofSeconds(2), Duration.ofSeconds(10)))
        .timeout("tight", TimeoutConfig.of(Duration.ofSeconds(2), Duration.ofSeconds(3)))
        .retry("r", RetryConfig.defaults().withBackoff(Duration.ofMillis(100), Duration.ofSeconds(1))
            .withBudget(null))
        .circuitBreaker("cb", CircuitBreakerConfig.defaults().withMinimumCalls(4).withWindow(
            CircuitBreakerConfig.WindowType.COUNT_BASED, 10))
        .bulkhead("b", BulkheadConfig.of(2))
        .idempotency("i", IdempotencyConfig.defaults())
        .idempotency("upstream-dedupes", IdempotencyConfig.defaults().withUpstreamDeduplicates(true))
        .cache("c", CacheConfig.of(Duration.ofSeconds(30)).withStaleIfError(Duration.ofMinutes(5)))
        .rateLimit(RateLimitConfig.of("per-tenant", RateLimitScope.TENANT, 2, SEC))
        .rateLimit(RateLimitConfig.of("per-op", RateLimitScope.OPERATION, 3, SEC));
  }

  private PipelineConfig graph() {
    return PipelineConfig.named("graph").withUpstream("graph").withDomain("mail").withTimeout("t").withRetry("r");
  }

  private Pipeline<String> pipeline(PipelineConfig c) {
    return h.engine().policies(policies().build()).build().<String>pipeline(c).build();
  }

  private static CallContext read(String tenant) {
    return CallContext.builder().tenant(tenant).operation("list-messages").build();
  }

  private static BreakwaterException throttled(long seconds) {
    return new BreakwaterException(ErrorCode.THROTTLED, "429", Duration.ofSeconds(seconds), null);
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void aSuccessfulCallPassesThroughOnce(Mode mode) {
    Outcome o = h.script(ok("inbox")).run(mode, pipeline(graph()), read("contoso"));
    assertThat(o.value()).isEqualTo("inbox");
    assertThat(o.result().source()).isEqualTo(Source.UPSTREAM);
    assertThat(h.upstreamCalls).hasValue(1);
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void aTransientFailureIsRetriedWithBackoffAndThenSucceeds(Mode mode) {
    Outcome o = h.script(fail(new IOException("reset")), ok("inbox")).run(mode, pipeline(graph()), read("contoso"));
    assertThat(o.value()).isEqualTo("inbox");
    assertThat(h.upstreamCalls).hasValue(2);
    // full jitter with u = 0.5 on a 100 ms base: the first retry waits 50 ms
    assertThat(h.events.named("retry")).containsExactly("retry 2 UPSTREAM_ERROR 50000000");
    assertThat(h.events.named("success-after-retry")).containsExactly("success-after-retry 2");
    assertThat(o.elapsedNanos()).isGreaterThanOrEqualTo(50_000_000L);
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void everyAttemptReportsItsNumberOutcomeAndUpstreamTimeAndTheCallTheirSum(Mode mode) {
    Outcome o = h.script(new Harness.Step(200_000_000L, null, new IOException("reset")),
        slow(Duration.ofMillis(300), "inbox")).run(mode, pipeline(graph()), read("contoso"));
    assertThat(o.value()).isEqualTo("inbox");
    assertThat(h.events.named("attempt")).containsExactly("attempt 1 UPSTREAM_ERROR 200000000",
        "attempt 2 success 300000000");
    // 200 ms upstream, a 50 ms backoff, 300 ms upstream: the call took 550 ms, of which 500 ms in the upstream
    assertThat(h.events.named("call-time")).containsExactly("call-time 550000000 upstream 500000000");
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void anAttemptRefusedByAnOpenBreakerIsNotReportedAsAnAttempt(Mode mode) {
    Pipeline<String> p = pipeline(graph().withCircuitBreaker("cb").withRetry(null));
    h.otherwise(fail(new IOException("reset")));
    for (int i = 0; i < 4; i++) {
      h.run(mode, p, read("contoso"));
    }
    Outcome o = h.run(mode, p, read("contoso"));
    assertThat(o.error().code()).isEqualTo(ErrorCode.CIRCUIT_OPEN);
    assertThat(h.events.named("attempt")).hasSize(4);
    assertThat(h.events.named("call-time").get(4)).endsWith(" upstream 0");
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void exhaustedRetriesFailWithUpstreamErrorAndCallTheDeadLetterHook(Mode mode) {
    List<String> deadLetters = new ArrayList<>();
    Pipeline<String> p = h.engine().policies(policies().build()).build().<String>pipeline(graph())
        .onRetriesExhausted((ctx, e) -> deadLetters.add(e.code() + " " + ctx.tenant())).build();
    Outcome o = h.otherwise(fail(new IOException("down"))).run(mode, p, read("contoso"));
    assertThat(o.error().code()).isEqualTo(ErrorCode.UPSTREAM_ERROR);
    assertThat(o.error().correlationId()).isNotBlank();
    assertThat(h.upstreamCalls).hasValue(3);
    assertThat(deadLetters).containsExactly("UPSTREAM_ERROR contoso");
    assertThat(h.events.named("exhausted")).containsExactly("exhausted 3 UPSTREAM_ERROR attempts");
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void aPlainWriteIsNeverRetried(Mode mode) {
    CallContext write = CallContext.builder().tenant("contoso").operation("send-mail").kind(OperationKind.WRITE)
        .build();
    Outcome o = h.otherwise(fail(new IOException("reset"))).run(mode, pipeline(graph()), write);
    assertThat(o.error().code()).isEqualTo(ErrorCode.UPSTREAM_ERROR);
    assertThat(h.upstreamCalls).hasValue(1);
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void aWriteTheUpstreamDeduplicatesByItsKeyAndAnIdempotentWriteAreRetried(Mode mode) {
    CallContext keyed = CallContext.builder().tenant("contoso").operation("send-mail").kind(OperationKind.WRITE)
        .idempotencyKey("k-1").fingerprint("f").build();
    h.script(fail(new IOException("reset")), ok("sent"));
    assertThat(h.run(mode, pipeline(graph().withIdempotency("upstream-dedupes")), keyed).value()).isEqualTo("sent");
    CallContext put = CallContext.builder().tenant("contoso").operation("put").kind(OperationKind.IDEMPOTENT_WRITE)
        .build();
    h.script(fail(new IOException("reset")), ok("put"));
    assertThat(h.run(mode, pipeline(graph()), put).value()).isEqualTo("put");
    assertThat(h.upstreamCalls).hasValue(4);
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void aClientErrorIsNeverRetried(Mode mode) {
    Outcome o = h.otherwise(fail(new BreakwaterException(ErrorCode.AUTH_REQUIRED, "401", null, null)))
        .run(mode, pipeline(graph()), read("contoso"));
    assertThat(o.error().code()).isEqualTo(ErrorCode.AUTH_REQUIRED);
    assertThat(h.upstreamCalls).hasValue(1);
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void retryAfterReplacesTheBackoffAndClosesTheTenantsGate(Mode mode) {
    Pipeline<String> p = pipeline(graph().withThrottleGate(true));
    Outcome o = h.script(fail(throttled(3)), ok("inbox")).run(mode, p, read("contoso"));
    assertThat(o.value()).isEqualTo("inbox");
    assertThat(o.elapsedNanos()).isGreaterThanOrEqualTo(3_000_000_000L);
    // Retry-After plus a spread of up to a fifth of it (at most 1 s); the harness's jitter is 0.5: 3 s + 300 ms.
    assertThat(h.events.named("retry")).containsExactly("retry 2 THROTTLED 3300000000");
    assertThat(h.events.named("gate-closed")).containsExactly("gate-closed graph contoso");
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void aClosedGateFailsTheTenantFastWithoutReachingTheUpstreamAndSparesOtherTenants(Mode mode) {
    Pipeline<String> p = pipeline(graph().withThrottleGate(true).withRetry(null));
    assertThat(h.script(fail(throttled(30))).run(mode, p, read("contoso")).error().code())
        .isEqualTo(ErrorCode.THROTTLED);
    h.time.advance(Duration.ofSeconds(10));
    Outcome held = h.run(mode, p, read("contoso"));
    assertThat(held.error().code()).isEqualTo(ErrorCode.THROTTLED);
    assertThat(held.error().retryAfter()).contains(Duration.ofSeconds(20));
    assertThat(h.upstreamCalls).hasValue(1);
    assertThat(h.run(mode, p, read("fabrikam")).value()).isEqualTo("ok");
    h.time.advance(Duration.ofSeconds(21));
    assertThat(h.run(mode, p, read("contoso")).value()).isEqualTo("ok");
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void aRetryHoldsWhileAGateClosedMeanwhileAndNeverReachesTheUpstreamInsideIt(Mode mode) {
    InMemoryThrottleGateStore gates = new InMemoryThrottleGateStore(h.time, 100, new Events(List.of()));
    Pipeline<String> p = h.engine().policies(policies().build()).throttleGateStore(gates).build()
        .<String>pipeline(graph().withThrottleGate(true)).build();
    List<Long> attemptTimes = new ArrayList<>();
    // While the first attempt fails, another call learns that the tenant is throttled for 3 s.
    h.script(fail(new IOException("reset")).and(() -> {
      attemptTimes.add(h.time.epochMillis());
      gates.close("graph", "contoso", h.time.epochMillis() + 3000);
    }), ok("inbox").and(() -> attemptTimes.add(h.time.epochMillis())));
    Outcome o = h.run(mode, p, read("contoso"));
    assertThat(o.value()).isEqualTo("inbox");
    assertThat(h.upstreamCalls).hasValue(2);
    assertThat(attemptTimes.get(1) - attemptTimes.get(0)).as("the retry waits out the gate, not its 50 ms backoff")
        .isGreaterThanOrEqualTo(3000);
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void aRetryFailsThrottledWhenAGateClosedMeanwhileOutlastsTheDeadline(Mode mode) {
    InMemoryThrottleGateStore gates = new InMemoryThrottleGateStore(h.time, 100, new Events(List.of()));
    Pipeline<String> p = h.engine().policies(policies().build()).throttleGateStore(gates).build()
        .<String>pipeline(graph().withThrottleGate(true)).build();
    h.script(fail(new IOException("reset")).and(() ->
        gates.close("graph", "contoso", h.time.epochMillis() + 30_000)));
    Outcome o = h.run(mode, p, read("contoso"));
    assertThat(o.error().code()).isEqualTo(ErrorCode.THROTTLED);
    assertThat(o.error().retryAfter()).contains(Duration.ofSeconds(30));
    assertThat(h.upstreamCalls).hasValue(1);
  }

  @org.junit.jupiter.api.Test
  void aCallThatWaitedForItsBulkheadChecksTheGateAgainBeforeItsFirstAttempt() {
    InMemoryThrottleGateStore gates = new InMemoryThrottleGateStore(h.time, 100, new Events(List.of()));
    Pipeline<String> p = h.engine().policies(policies().bulkhead("one", BulkheadConfig.of(1)
            .withWait(Duration.ofSeconds(5), 10)).build()).throttleGateStore(gates).build()
        .<String>pipeline(graph().withThrottleGate(true).withRetry(null).withBulkhead("one")).build();
    h.script(new Harness.Step(Long.MAX_VALUE, null, null));
    CompletionStage<?> holder = h.start(p, read("contoso"));
    CompletionStage<CallResult<String>> waiting = h.start(p, read("contoso"));
    assertThat(h.upstreamCalls).hasValue(1);
    // The tenant gets throttled while the second call queues for the permit.
    gates.close("graph", "contoso", h.time.epochMillis() + 60_000);
    h.attempts.get(0).complete("done");
    assertThat(holder.toCompletableFuture().join()).isNotNull();
    assertThat(waiting.toCompletableFuture()).isCompletedExceptionally();
    assertThat(h.upstreamCalls).hasValue(1);
  }

  @org.junit.jupiter.api.Test
  void callsHeldByOneRetryAfterAreSpreadOverAFifthOfItInsteadOfAllReturningAtItsEnd() {
    java.util.Random random = new java.util.Random(7);
    Pipeline<String> p = h.engine().jitter(random::nextDouble).policies(policies().build()).build()
        .<String>pipeline(graph().withThrottleGate(true)).build();
    List<Long> retryTimes = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      h.script(new Harness.Step(10_000_000L, null, throttled(1))); // ten calls in flight when the window opens
    }
    h.otherwise(ok("inbox").and(() -> retryTimes.add(h.time.epochMillis())));
    List<CompletionStage<CallResult<String>>> calls = new ArrayList<>();
    long start = h.time.epochMillis();
    for (int i = 0; i < 10; i++) {
      calls.add(h.start(p, read("contoso")));
    }
    for (int ms = 0; ms < 2000; ms++) {
      h.time.advance(Duration.ofMillis(1));
    }
    calls.forEach(c -> assertThat(c.toCompletableFuture().getNow(null).value()).isEqualTo("inbox"));
    assertThat(retryTimes).hasSize(10).allSatisfy(t -> assertThat(t - start).isBetween(1010L, 1209L));
    assertThat(retryTimes.stream().distinct().count()).as("no two retries at the same instant").isEqualTo(10);
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void aRetryAfterPastTheDeadlineFailsAtOnceWithThrottled(Mode mode) {
    Outcome o = h.script(fail(throttled(60))).run(mode, pipeline(graph()), read("contoso"));
    assertThat(o.error().code()).isEqualTo(ErrorCode.THROTTLED);
    assertThat(o.error().retryAfter()).contains(Duration.ofSeconds(60));
    assertThat(o.elapsedNanos()).isLessThan(SEC.toNanos());
    assertThat(h.upstreamCalls).hasValue(1);
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void anAttemptOverItsTimeoutIsATimeoutAndIsRetried(Mode mode) {
    Outcome o = h.script(slow(Duration.ofSeconds(5), "late"), ok("inbox")).run(mode, pipeline(graph()),
        read("contoso"));
    assertThat(o.value()).isEqualTo("inbox");
    assertThat(h.events.named("timeout")).containsExactly("timeout attempt");
    if (mode == Mode.ASYNC) {
      assertThat(h.attempts.get(0).isCancelled()).as("the timed-out attempt's future is cancelled").isTrue();
    }
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void theDeadlineBoundsEveryRetry(Mode mode) {
    Outcome o = h.otherwise(slow(Duration.ofMillis(2500), "late")).run(mode,
        pipeline(graph().withTimeout("tight")), read("contoso"));
    assertThat(o.error().code()).isEqualTo(ErrorCode.TIMEOUT);
    assertThat(h.upstreamCalls.get()).isLessThanOrEqualTo(3);
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void anOpenBreakerFailsFastWithRetryAfterAndSparesTheUpstream(Mode mode) {
    Pipeline<String> p = pipeline(graph().withRetry(null).withCircuitBreaker("cb"));
    h.otherwise(fail(new IOException("down")));
    for (int i = 0; i < 4; i++) {
      assertThat(h.run(mode, p, read("contoso")).error().code()).isEqualTo(ErrorCode.UPSTREAM_ERROR);
    }
    Outcome o = h.run(mode, p, read("contoso"));
    assertThat(o.error().code()).isEqualTo(ErrorCode.CIRCUIT_OPEN);
    assertThat(o.error().retryAfter()).contains(Duration.ofSeconds(30));
    assertThat(h.upstreamCalls).hasValue(4);
    assertThat(h.events.named("circuit")).containsExactly("circuit CLOSED->OPEN");
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void aFullBulkheadRejectsTheCall(Mode mode) {
    Pipeline<String> p = pipeline(graph().withBulkhead("b"));
    h.script(new Harness.Step(Long.MAX_VALUE, null, null), new Harness.Step(Long.MAX_VALUE, null, null));
    CompletionStage<?> a = h.start(p, read("contoso"));
    CompletionStage<?> b = h.start(p, read("contoso"));
    Outcome o = h.run(mode, p, read("contoso"));
    assertThat(o.error().code()).isEqualTo(ErrorCode.BULKHEAD_FULL);
    h.attempts.forEach(f -> f.complete("done"));
    assertThat(a.toCompletableFuture().join()).isNotNull();
    assertThat(b.toCompletableFuture().join()).isNotNull();
    assertThat(h.run(mode, p, read("contoso")).value()).isEqualTo("ok");
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void aTenantOverItsRateLimitIsRateLimitedAndOtherTenantsAreNot(Mode mode) {
    Pipeline<String> p = pipeline(graph().withRateLimits(List.of("per-tenant")));
    assertThat(h.run(mode, p, read("noisy")).value()).isEqualTo("ok");
    assertThat(h.run(mode, p, read("noisy")).value()).isEqualTo("ok");
    Outcome o = h.run(mode, p, read("noisy"));
    assertThat(o.error().code()).isEqualTo(ErrorCode.RATE_LIMITED);
    assertThat(o.error().retryAfter()).contains(Duration.ofSeconds(1));
    assertThat(h.run(mode, p, read("quiet")).value()).isEqualTo("ok");
    assertThat(h.upstreamCalls).hasValue(3);
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void severalLimitsAreConsumedAllOrNone(Mode mode) {
    Pipeline<String> p = pipeline(graph().withRateLimits(List.of("per-tenant", "per-op")));
    h.run(mode, p, read("a"));
    h.run(mode, p, read("a"));
    assertThat(h.run(mode, p, read("a")).error().code()).isEqualTo(ErrorCode.RATE_LIMITED); // per-tenant denies
    // per-op must not have been charged by the denied call: it still has one token for tenant b
    assertThat(h.run(mode, p, read("b")).value()).isEqualTo("ok");
    Outcome o = h.run(mode, p, read("c"));
    assertThat(o.error().code()).isEqualTo(ErrorCode.RATE_LIMITED);
    assertThat(o.error().getMessage()).contains("per-op");
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void aFallbackStandsInForAFailureAndIsMarkedDegraded(Mode mode) {
    Pipeline<String> p = h.engine().policies(policies().build()).build().<String>pipeline(graph().withRetry(null))
        .fallback(Fallback.value("cached-inbox")).build();
    Outcome o = h.otherwise(fail(new IOException("down"))).run(mode, p, read("contoso"));
    assertThat(o.value()).isEqualTo("cached-inbox");
    assertThat(o.result().degraded()).isTrue();
    assertThat(o.result().source()).isEqualTo(Source.FALLBACK);
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void aFallbackNeverHidesAnErrorTheCallerMustSee(Mode mode) {
    Pipeline<String> p = h.engine().policies(policies().build()).build().<String>pipeline(graph().withRetry(null))
        .fallback(Fallback.value("x")).build();
    Outcome o = h.otherwise(fail(new BreakwaterException(ErrorCode.AUTH_REQUIRED, "401", null, null)))
        .run(mode, p, read("contoso"));
    assertThat(o.error().code()).isEqualTo(ErrorCode.AUTH_REQUIRED);
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void theLastGoodValueStandsInForAFailure(Mode mode) {
    Pipeline<String> p = h.engine().policies(policies().build()).build().<String>pipeline(graph().withRetry(null))
        .fallback(Fallback.lastGood()).build();
    assertThat(h.script(ok("v1")).run(mode, p, read("contoso")).value()).isEqualTo("v1");
    h.otherwise(fail(new IOException("down")));
    Outcome o = h.run(mode, p, read("contoso"));
    assertThat(o.value()).isEqualTo("v1");
    assertThat(o.result().degraded()).isTrue();
    assertThat(h.run(mode, p, read("other-tenant")).error().code()).isEqualTo(ErrorCode.UPSTREAM_ERROR);
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void aCompletedIdempotentCallIsReplayedNotRepeated(Mode mode) {
    Pipeline<String> p = pipeline(graph().withIdempotency("i"));
    CallContext send = CallContext.builder().tenant("contoso").operation("send").kind(OperationKind.WRITE)
        .idempotencyKey("abc").fingerprint("POST /send #1").build();
    assertThat(h.script(ok("sent-1")).run(mode, p, send).value()).isEqualTo("sent-1");
    Outcome again = h.run(mode, p, send);
    assertThat(again.value()).isEqualTo("sent-1");
    assertThat(again.result().source()).isEqualTo(Source.REPLAY);
    assertThat(h.upstreamCalls).hasValue(1);
    Outcome mismatch = h.run(mode, p, send.toBuilder().fingerprint("POST /send #2").build());
    assertThat(mismatch.error().code()).isEqualTo(ErrorCode.IDEMPOTENCY_MISMATCH);
    CallContext otherTenant = send.toBuilder().tenant("fabrikam").build();
    assertThat(h.run(mode, p, otherTenant).result().source()).as("keys are scoped by tenant")
        .isEqualTo(Source.UPSTREAM);
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void aDuplicateWhileInFlightIsAConflictAndACallThatNeverRanReleasesTheKey(Mode mode) {
    Pipeline<String> p = pipeline(graph().withIdempotency("i").withRetry(null));
    CallContext send = CallContext.builder().tenant("contoso").operation("send").kind(OperationKind.WRITE)
        .idempotencyKey("abc").fingerprint("f").build();
    h.script(new Harness.Step(Long.MAX_VALUE, null, null));
    CompletionStage<?> first = h.start(p, send);
    assertThat(h.run(mode, p, send).error().code()).isEqualTo(ErrorCode.IDEMPOTENCY_CONFLICT);
    h.attempts.get(0).completeExceptionally(new java.net.ConnectException("refused"));
    assertThat(first.toCompletableFuture()).isCompletedExceptionally();
    assertThat(h.run(mode, p, send).value()).as("nothing was sent: the key was released").isEqualTo("ok");
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void aKeyedCallThatFailedAfterItMayHaveRunKeepsItsKeyUntilTheLeaseEnds(Mode mode) {
    Pipeline<String> p = pipeline(graph().withIdempotency("i").withRetry(null));
    CallContext send = CallContext.builder().tenant("contoso").operation("send").kind(OperationKind.WRITE)
        .idempotencyKey("abc").fingerprint("f").build();
    h.script(fail(new IOException("connection reset after the request was sent")));
    assertThat(h.run(mode, p, send).error().code()).isEqualTo(ErrorCode.UPSTREAM_ERROR);

    assertThat(h.run(mode, p, send).error().code()).as("the repeat is not run: the first may have taken effect")
        .isEqualTo(ErrorCode.IDEMPOTENCY_CONFLICT);
    assertThat(h.upstreamCalls).hasValue(1);
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void withAnUnknownOutcomeAnswerTheRepeatOfAKeyThatMayHaveRunGetsThatAnswer(Mode mode) {
    Pipeline<String> p = h.engine().policies(policies().build()).build().<String>pipeline(
        graph().withIdempotency("i").withRetry(null)).unknownOutcome(e -> "unknown: " + e.code()).build();
    CallContext send = CallContext.builder().tenant("contoso").operation("send").kind(OperationKind.WRITE)
        .idempotencyKey("abc").fingerprint("f").build();
    h.script(fail(new IOException("connection reset after the request was sent")));
    assertThat(h.run(mode, p, send).error().code()).isEqualTo(ErrorCode.UPSTREAM_ERROR);

    Outcome again = h.run(mode, p, send);
    assertThat(again.value()).isEqualTo("unknown: UPSTREAM_ERROR");
    assertThat(again.result().source()).isEqualTo(Source.REPLAY);
    assertThat(h.upstreamCalls).hasValue(1);
  }

  /** A shared store that cannot answer: refuses under REFUSE, decides (reserved) under ACCEPT_LOCAL. */
  private static final class UnreachableStore implements IdempotencyStore<String> {
    final List<WhenStoreUnavailable> asked = new java.util.concurrent.CopyOnWriteArrayList<>();

    @Override
    public Reservation<String> reserve(String key, String fingerprint, Duration lease) {
      return reserve(key, fingerprint, lease, WhenStoreUnavailable.REFUSE);
    }

    @Override
    public Reservation<String> reserve(String key, String fingerprint, Duration lease, WhenStoreUnavailable when) {
      asked.add(when);
      if (when == WhenStoreUnavailable.REFUSE) {
        throw new BreakwaterException(ErrorCode.DEGRADED, "store did not answer", SEC, null);
      }
      return Reservation.reserved();
    }

    @Override
    public CompletionStage<Reservation<String>> reserveAsync(String key, String fingerprint, Duration lease,
        WhenStoreUnavailable when) {
      try {
        return java.util.concurrent.CompletableFuture.completedFuture(reserve(key, fingerprint, lease, when));
      } catch (BreakwaterException e) {
        return java.util.concurrent.CompletableFuture.failedFuture(e);
      }
    }

    @Override
    public void complete(String key, String fingerprint, String value, Duration ttl) {}

    @Override
    public void release(String key, String fingerprint) {}
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void aKeyedCallTheStoreCannotAnswerIsRefusedWithItsCorrelationIdAndNeverRuns(Mode mode) {
    UnreachableStore store = new UnreachableStore();
    Pipeline<String> p = h.engine().policies(policies().build()).build().<String>pipeline(graph().withIdempotency("i"))
        .idempotencyStore(store).build();
    CallContext send = CallContext.builder().tenant("contoso").operation("send").kind(OperationKind.WRITE)
        .idempotencyKey("abc").fingerprint("f").build();
    Outcome o = h.run(mode, p, send);
    assertThat(o.error().code()).isEqualTo(ErrorCode.DEGRADED);
    assertThat(o.error().retryAfter()).contains(SEC);
    assertThat(o.error().correlationId()).isEqualTo(send.correlationId());
    assertThat(h.upstreamCalls).hasValue(0);
    assertThat(store.asked).containsExactly(WhenStoreUnavailable.REFUSE);
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void aPolicyThatAcceptsLocalDecisionsAsksTheStoreForOne(Mode mode) {
    UnreachableStore store = new UnreachableStore();
    Pipeline<String> p = h.engine().policies(policies().idempotency("local", IdempotencyConfig.defaults()
        .withWhenStoreUnavailable(WhenStoreUnavailable.ACCEPT_LOCAL)).build()).build()
        .<String>pipeline(graph().withIdempotency("local")).idempotencyStore(store).build();
    CallContext send = CallContext.builder().tenant("contoso").operation("send").kind(OperationKind.WRITE)
        .idempotencyKey("abc").fingerprint("f").build();
    assertThat(h.script(ok("sent")).run(mode, p, send).value()).isEqualTo("sent");
    assertThat(store.asked).containsExactly(WhenStoreUnavailable.ACCEPT_LOCAL);
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void aGarbageIdempotencyKeyIsAnInvalidRequest(Mode mode) {
    Pipeline<String> p = pipeline(graph().withIdempotency("i"));
    CallContext send = CallContext.builder().tenant("contoso").kind(OperationKind.WRITE)
        .idempotencyKey("k".repeat(300)).build();
    assertThat(h.run(mode, p, send).error().code()).isEqualTo(ErrorCode.INVALID_REQUEST);
    assertThat(h.upstreamCalls).hasValue(0);
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void readsAreCachedPerTenantAndUserUntilTheirTtl(Mode mode) {
    Pipeline<String> p = pipeline(graph().withCache("c"));
    CallContext alice = CallContext.builder().tenant("contoso").user("alice").operation("folders").build();
    assertThat(h.script(ok("alice-folders")).run(mode, p, alice).value()).isEqualTo("alice-folders");
    Outcome hit = h.run(mode, p, alice);
    assertThat(hit.value()).isEqualTo("alice-folders");
    assertThat(hit.result().source()).isEqualTo(Source.CACHE);
    assertThat(h.script(ok("bob-folders")).run(mode, p, alice.toBuilder().user("bob").build()).value())
        .as("a private cache never serves one user's entry to another").isEqualTo("bob-folders");
    assertThat(h.script(ok("other")).run(mode, p, alice.toBuilder().tenant("fabrikam").build()).value())
        .isEqualTo("other");
    h.time.advance(Duration.ofSeconds(31));
    assertThat(h.script(ok("fresh")).run(mode, p, alice).value()).isEqualTo("fresh");
    assertThat(h.upstreamCalls).hasValue(4);
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void aStaleEntryStandsInWhenTheUpstreamFails(Mode mode) {
    Pipeline<String> p = pipeline(graph().withCache("c").withRetry(null));
    CallContext alice = CallContext.builder().tenant("contoso").user("alice").operation("folders").build();
    h.script(ok("v1")).run(mode, p, alice);
    h.time.advance(Duration.ofSeconds(60));
    Outcome o = h.otherwise(fail(new IOException("down"))).run(mode, p, alice);
    assertThat(o.value()).isEqualTo("v1");
    assertThat(o.result().source()).isEqualTo(Source.STALE_CACHE);
    assertThat(h.events.named("cache")).contains("cache stale");
  }

  /** Sync followers block on the leader in real time, so the sync form of this is ConcurrencyStressTest's. */
  @ParameterizedTest
  @EnumSource(value = Mode.class, names = "ASYNC")
  void concurrentMissesShareOneLoad(Mode mode) {
    Pipeline<String> p = pipeline(graph().withCache("c"));
    h.script(slow(Duration.ofMillis(500), "folders"));
    List<CompletionStage<?>> waiting = new ArrayList<>();
    for (int i = 0; i < 63; i++) {
      waiting.add(h.start(p, read("contoso")));
    }
    assertThat(h.run(mode, p, read("contoso")).value()).isEqualTo("folders");
    h.time.advance(SEC);
    waiting.forEach(w -> assertThat(w.toCompletableFuture()).isCompleted());
    assertThat(h.upstreamCalls).hasValue(1);
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void theOperatorsDegradationLevelRejectsWhatItMust(Mode mode) {
    Breakwater bw = h.engine().policies(policies().build()).build();
    Pipeline<String> p = bw.<String>pipeline(graph()).build();
    CallContext write = CallContext.builder().tenant("t").kind(OperationKind.IDEMPOTENT_WRITE).build();
    CallContext batch = CallContext.builder().tenant("t").lane(Lane.BATCH).build();
    bw.setDegradation(Degradation.READ_ONLY);
    assertThat(h.run(mode, p, write).error().code()).isEqualTo(ErrorCode.READ_ONLY);
    assertThat(h.run(mode, p, read("t")).value()).isEqualTo("ok");
    bw.setDegradation(Degradation.DEGRADED);
    assertThat(h.run(mode, p, batch).error().code()).isEqualTo(ErrorCode.DEGRADED);
    bw.setDegradation("graph", Degradation.MAINTENANCE);
    assertThat(h.run(mode, p, read("t")).error().code()).isEqualTo(ErrorCode.MAINTENANCE);
    bw.setDegradation("graph", null);
    bw.setDegradation(Degradation.NORMAL);
    assertThat(h.run(mode, p, write).value()).isEqualTo("ok");
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void aListenerThatThrowsNeverHurtsTheCallAndIsReported(Mode mode) {
    List<String> internal = new ArrayList<>();
    Pipeline<String> p = h.engine().policies(policies().build())
        .listener(new dev.breakwater.event.BreakwaterListener() {
          @Override
          public void onCallCompleted(Pipeline<?> pl, CallContext c, ErrorCode code, Source s, long d) {
            throw new IllegalStateException("broken metrics backend");
          }

          @Override
          public void onInternalError(String where, Throwable error) {
            internal.add(error.getMessage());
          }
        }).build().<String>pipeline(graph()).build();
    assertThat(h.run(mode, p, read("contoso")).value()).isEqualTo("ok");
    assertThat(internal).containsExactly("broken metrics backend");
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void everyErrorCarriesTheCallersCorrelationId(Mode mode) {
    CallContext ctx = CallContext.builder().tenant("t").correlationId("req-42").build();
    Outcome o = h.otherwise(fail(new IOException("down"))).run(mode, pipeline(graph().withRetry(null)), ctx);
    assertThat(o.error().correlationId()).isEqualTo("req-42");
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void aDisabledPolicyPassesEverythingThrough(Mode mode) {
    Policies ps = policies().circuitBreaker("off", CircuitBreakerConfig.defaults().withMinimumCalls(1)
        .withEnabled(false)).retry("off", RetryConfig.defaults().withEnabled(false)).build();
    Pipeline<String> p = h.engine().policies(ps).build().<String>pipeline(PipelineConfig.named("p")
        .withUpstream("u").withCircuitBreaker("off").withRetry("off")).build();
    h.otherwise(fail(new IOException("down")));
    for (int i = 0; i < 10; i++) {
      assertThat(h.run(mode, p, read("t")).error().code()).isEqualTo(ErrorCode.UPSTREAM_ERROR);
    }
    assertThat(h.upstreamCalls).hasValue(10);
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void withoutAGateRetryAfterHoldsTheUpstreamsBreakerOpenThatLong(Mode mode) {
    Pipeline<String> p = pipeline(graph().withRetry(null).withCircuitBreaker("cb"));
    assertThat(h.script(fail(throttled(5))).run(mode, p, read("contoso")).error().code())
        .isEqualTo(ErrorCode.THROTTLED);
    Outcome held = h.run(mode, p, read("fabrikam"));
    assertThat(held.error().code()).isEqualTo(ErrorCode.CIRCUIT_OPEN);
    assertThat(held.error().retryAfter()).contains(Duration.ofSeconds(5));
    h.time.advance(Duration.ofSeconds(5));
    assertThat(h.run(mode, p, read("fabrikam")).value()).isEqualTo("ok");
    assertThat(h.upstreamCalls).hasValue(2);
  }
}
