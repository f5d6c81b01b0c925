package dev.breakwater.retry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.breakwater.time.VirtualTimeSource;
import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Label;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.IntRange;

/** Properties of the full-jitter exponential backoff and of the retry budget. */
class BackoffPropertiesTest {

  // --- backoff ----------------------------------------------------------------------------------------------------

  @Property(tries = 200)
  @Label("the backoff of retry n lies in [0, min(maxDelay, baseDelay * 2^(n-1))]")
  void backoffLiesBetweenZeroAndTheCeiling(@ForAll("anyBackoff") RetryConfig config,
      @ForAll @IntRange(min = 1, max = 100) int retry, @ForAll("uniforms") double uniform) {
    long backoff = config.backoffNanos(retry, uniform);

    assertThat(backoff).isBetween(0L, exactCeiling(config, retry).min(BigInteger.valueOf(Long.MAX_VALUE))
        .longValueExact());
    assertThat(backoff).isLessThanOrEqualTo(config.backoffCeilingNanos(retry));
  }

  @Property(tries = 200)
  @Label("the ceiling equals min(maxDelay, baseDelay * 2^(n-1)) exactly for any delays up to a year")
  void ceilingIsExact(@ForAll("realisticBackoff") RetryConfig config, @ForAll @IntRange(min = 1, max = 100) int retry) {
    assertThat(BigInteger.valueOf(config.backoffCeilingNanos(retry))).isEqualTo(exactCeiling(config, retry));
  }

  @Property(tries = 200)
  @Label("the ceiling starts at baseDelay, never decreases with n, never exceeds maxDelay and never overflows")
  void ceilingIsMonotonicAndBounded(@ForAll("anyBackoff") RetryConfig config) {
    long base = config.baseDelay().toNanos();
    long max = config.maxDelay().toNanos();
    assertThat(config.backoffCeilingNanos(1)).isEqualTo(base);
    long previous = base;
    for (int n = 1; n <= 100; n++) {
      long ceiling = config.backoffCeilingNanos(n);
      assertThat(ceiling).as("ceiling of retry %d", n).isBetween(previous, max);
      previous = ceiling;
    }
    assertThat(config.backoffCeilingNanos(100)).as("far beyond the doubling range the cap holds").isGreaterThan(0);
  }

  @Property(tries = 200)
  @Label("the jitter spans the whole range: uniform 0 waits nothing, the largest uniform below 1 nearly the ceiling")
  void jitterSpansTheRange(@ForAll("realisticBackoff") RetryConfig config,
      @ForAll @IntRange(min = 1, max = 100) int retry) {
    long ceiling = config.backoffCeilingNanos(retry);
    assertThat(config.backoffNanos(retry, 0.0)).isZero();
    assertThat(config.backoffNanos(retry, Math.nextDown(1.0))).isBetween(ceiling - 1 - ceiling / (1L << 50), ceiling);
  }

  @Property(tries = 200)
  @Label("proportional jitter keeps the backoff within ±fraction of the exponential delay, never above maxDelay")
  void proportionalJitterStaysAroundTheDelay(@ForAll("realisticBackoff") RetryConfig config,
      @ForAll @IntRange(min = 1, max = 100) int retry, @ForAll("uniforms") double uniform,
      @ForAll @IntRange(min = 1, max = 100) int percent) {
    double f = percent / 100.0;
    RetryConfig c = config.withJitter(Jitter.proportional(f));
    long d = c.backoffCeilingNanos(retry);
    long backoff = c.backoffNanos(retry, uniform);

    long slack = 2 + (d >> 40); // the bounds are computed in doubles, exact to about one part in 2^52
    assertThat(backoff).isBetween((long) Math.floor(d * (1 - f)) - slack, Math.min(c.maxDelay().toNanos(),
        (long) Math.ceil(d * (1 + f)) + slack));
  }

  @Example
  @Label("±10 % around 400 ms: the extremes of the uniform draw give 360 ms and nearly 440 ms")
  void proportionalJitterOfTenPercent() {
    RetryConfig c = RetryConfig.defaults().withJitter(Jitter.proportional(0.1));
    assertThat(c.backoffNanos(3, 0.0)).isEqualTo(Duration.ofMillis(360).toNanos());
    assertThat(c.backoffNanos(3, 0.5)).isEqualTo(Duration.ofMillis(400).toNanos());
    assertThat(c.backoffNanos(3, Math.nextDown(1.0))).isBetween(Duration.ofMillis(439).toNanos(),
        Duration.ofMillis(440).toNanos());
  }

  @Example
  @Label("the defaults double from 100 ms and cap at 5 s")
  void defaultBackoffDoublesAndCaps() {
    RetryConfig c = RetryConfig.defaults();
    assertThat(c.backoffCeilingNanos(1)).isEqualTo(Duration.ofMillis(100).toNanos());
    assertThat(c.backoffCeilingNanos(2)).isEqualTo(Duration.ofMillis(200).toNanos());
    assertThat(c.backoffCeilingNanos(6)).isEqualTo(Duration.ofMillis(3200).toNanos());
    assertThat(c.backoffCeilingNanos(7)).isEqualTo(Duration.ofSeconds(5).toNanos());
    assertThat(c.backoffCeilingNanos(100)).isEqualTo(Duration.ofSeconds(5).toNanos());
    assertThat(c.backoffNanos(2, 0.5)).isEqualTo(Duration.ofMillis(100).toNanos());
  }

  private static BigInteger exactCeiling(RetryConfig config, int retry) {
    BigInteger doubled = BigInteger.valueOf(config.baseDelay().toNanos()).shiftLeft(retry - 1);
    return doubled.min(BigInteger.valueOf(config.maxDelay().toNanos()));
  }

  @Provide
  Arbitrary<RetryConfig> anyBackoff() {
    // Any delays a Duration can express in nanoseconds, from 1 ns up to Long.MAX_VALUE ns (292 years).
    Arbitrary<Long> nanos = Arbitraries.longs().between(1, Long.MAX_VALUE);
    return Combinators.combine(nanos, nanos).as(BackoffPropertiesTest::backoff);
  }

  @Provide
  Arbitrary<RetryConfig> realisticBackoff() {
    Arbitrary<Long> nanos = Arbitraries.longs().between(1, Duration.ofDays(366).toNanos());
    return Combinators.combine(nanos, nanos).as(BackoffPropertiesTest::backoff);
  }

  @Provide
  Arbitrary<Double> uniforms() {
    return Arbitraries.oneOf(Arbitraries.doubles().between(0.0, true, 1.0, false),
        Arbitraries.of(0.0, Math.nextDown(1.0), 0.5, 0.999_999));
  }

  private static RetryConfig backoff(long a, long b) {
    return RetryConfig.defaults().withBackoff(Duration.ofNanos(Math.min(a, b)), Duration.ofNanos(Math.max(a, b)));
  }

  // --- retry budget -----------------------------------------------------------------------------------------------

  /** One event of the random traffic: virtual time passes, then a first attempt or a retry request. */
  record Step(long gapMillis, boolean retry) {}

  @Property(tries = 200)
  @Label("at every granted retry, the retries of the window so far are <= max(ratio * first attempts, floor * window)")
  void retriesStayWithinTheBudgetOfTheirWindow(@ForAll("budgets") RetryBudgetConfig config,
      @ForAll("steps") List<Step> steps, @ForAll @IntRange(min = 0, max = 10_000) int startMillis) {
    VirtualTimeSource time = new VirtualTimeSource();
    time.advance(Duration.ofMillis(startMillis));
    RetryBudget budget = new RetryBudget(config);
    long windowSeconds = config.window().toSeconds();
    List<Long> firsts = new ArrayList<>(); // the second of each first attempt
    List<Long> retries = new ArrayList<>(); // the second of each granted retry

    for (Step step : steps) {
      time.advance(Duration.ofMillis(step.gapMillis()));
      long second = Math.floorDiv(time.nanoTime(), 1_000_000_000L);
      if (!step.retry()) {
        budget.onFirstAttempt(time.nanoTime());
        firsts.add(second);
      } else if (budget.tryRetry(time.nanoTime())) {
        retries.add(second);
        long n = firsts.stream().filter(s -> second - s < windowSeconds).count();
        long r = retries.stream().filter(s -> second - s < windowSeconds).count();
        assertThat((double) r)
            .as("retries in the %d s window ending at second %d, after %d first attempts", windowSeconds, second, n)
            .isLessThanOrEqualTo(Math.max(config.ratio() * n, (double) config.minRetriesPerSecond() * windowSeconds));
      }
    }
  }

  @Property(tries = 200)
  @Label("within one window, after N first attempts exactly floor(max(ratio * N, floor * window)) retries are granted")
  void grantsTheWholeBudgetAndNoMore(@ForAll("budgets") RetryBudgetConfig config,
      @ForAll @IntRange(min = 0, max = 300) int firstAttempts) {
    VirtualTimeSource time = new VirtualTimeSource();
    RetryBudget budget = new RetryBudget(config);
    long windowSeconds = config.window().toSeconds();
    for (int i = 0; i < firstAttempts; i++) {
      budget.onFirstAttempt(time.nanoTime());
    }
    // Spread the retry requests over the rest of the window: every one still counts the first attempts.
    long allowed = (long) Math.floor(Math.max(config.ratio() * firstAttempts,
        (double) config.minRetriesPerSecond() * windowSeconds));
    long granted = 0;
    long requests = allowed + 20;
    long step = (config.window().toNanos() - 1) / requests;
    for (long i = 0; i < requests; i++) {
      if (budget.tryRetry(time.nanoTime())) {
        granted++;
      }
      time.advance(step);
    }

    assertThat(granted).isEqualTo(allowed);
  }

  @Example
  @Label("retries granted long ago no longer count once the window has passed")
  void theWindowForgetsOldRetries() {
    VirtualTimeSource time = new VirtualTimeSource();
    RetryBudget budget = new RetryBudget(new RetryBudgetConfig(0.0, 1, Duration.ofSeconds(2)));
    assertThat(budget.tryRetry(time.nanoTime())).isTrue();
    assertThat(budget.tryRetry(time.nanoTime())).isTrue();
    assertThat(budget.tryRetry(time.nanoTime())).as("floor of 1 a second over 2 s").isFalse();

    time.advance(Duration.ofSeconds(2));

    assertThat(budget.tryRetry(time.nanoTime())).isTrue();
  }

  @Provide
  Arbitrary<RetryBudgetConfig> budgets() {
    Arbitrary<Double> ratio = Arbitraries.oneOf(Arbitraries.of(0.0, 0.1, 0.2, 0.5, 1.0),
        Arbitraries.doubles().between(0, 10));
    Arbitrary<Integer> floor = Arbitraries.integers().between(0, 20);
    Arbitrary<Long> windowSeconds = Arbitraries.longs().between(1, 30);
    return Combinators.combine(ratio, floor, windowSeconds)
        .as((r, f, w) -> new RetryBudgetConfig(r, f, Duration.ofSeconds(w)));
  }

  @Provide
  Arbitrary<List<Step>> steps() {
    Arbitrary<Long> gaps = Arbitraries.frequencyOf(Tuple.of(6, Arbitraries.just(0L)),
        Tuple.of(3, Arbitraries.longs().between(0, 999)), Tuple.of(1, Arbitraries.longs().between(1000, 40_000)));
    return Combinators.combine(gaps, Arbitraries.of(true, false)).as(Step::new).list().ofMaxSize(300);
  }
}
