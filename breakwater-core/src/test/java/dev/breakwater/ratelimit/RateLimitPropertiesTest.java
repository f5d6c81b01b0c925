package dev.breakwater.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.breakwater.event.Events;
import dev.breakwater.time.VirtualTimeSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Label;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.statistics.Statistics;

/**
 * Properties of the in-memory GCRA rate limiter, checked on virtual time for random limits and random traffic.
 *
 * <p>The bound used throughout is exact, with no slack for rounding. The store works in whole nanoseconds with the
 * emission interval {@code I = period / permits} (integer division), so its true rate is one token per {@code I}
 * nanoseconds, which is at least the configured rate. GCRA admits a request only while the theoretical arrival time
 * after it stays within {@code now + I * burst}, and every admitted token moves the theoretical arrival time forward
 * by exactly {@code I}, never starting before the request's own instant. So the tokens {@code N} admitted at instants
 * within {@code [t, t + W]} satisfy {@code N * I <= W + I * burst}: the arrival time went from at least {@code t} to
 * at most {@code t + W + I * burst}.
 */
class RateLimitPropertiesTest {
  private static final Duration IDLE = Duration.ofDays(1);

  /** One request of the random traffic: the virtual time before it and its cost (folded into 1..burst). */
  record Arrival(long gapPermille, long jitterNanos, int costSeed) {
    long gap(long interval) {
      return interval * gapPermille / 250 + jitterNanos;
    }

    int cost(RateLimitConfig limit) {
      return (int) (1 + (costSeed - 1) % limit.burst());
    }
  }

  @Property(tries = 200)
  @Label("no window [t, t+W] starting at an admission admits more than W / interval + burst tokens")
  void admitsNoMoreThanTheRatePlusTheBurstInAnyWindow(@ForAll("limits") RateLimitConfig limit,
      @ForAll("traffic") List<Arrival> traffic, @ForAll("windowPermilles") List<Integer> windowPermilles) {
    VirtualTimeSource time = new VirtualTimeSource();
    InMemoryRateLimitStore store = store(time);
    long interval = limit.emissionIntervalNanos();

    List<long[]> admitted = new ArrayList<>(); // {instant, cost}
    for (Arrival a : traffic) {
      time.advance(a.gap(interval));
      int cost = a.cost(limit);
      if (store.tryAcquire(limit, "k", cost).isAllowed()) {
        admitted.add(new long[] {time.nanoTime(), cost});
      }
    }
    Statistics.label("some requests denied").collect(admitted.size() < traffic.size());
    Statistics.label("some requests denied").coverage(c -> c.check(true).percentage(p -> p >= 25));

    List<Long> windows = new ArrayList<>(List.of(0L, interval, interval * limit.burst(), limit.period().toNanos()));
    for (int p : windowPermilles) {
      windows.add(limit.period().toNanos() / 1000 * p);
    }
    for (int i = 0; i < admitted.size(); i++) {
      long start = admitted.get(i)[0];
      for (long w : windows) {
        long tokens = 0;
        for (int j = i; j < admitted.size() && admitted.get(j)[0] - start <= w; j++) {
          tokens += admitted.get(j)[1];
        }
        assertThat(Math.multiplyExact(tokens, interval))
            .as("tokens admitted in [%d, %d + %d] of %s", start, start, w, limit)
            .isLessThanOrEqualTo(Math.addExact(w, Math.multiplyExact(interval, limit.burst())));
      }
    }
  }

  @Property(tries = 200)
  @Label("after a quiet spell of burst * interval a whole burst is admitted at once")
  void admitsAWholeBurstAfterAQuietSpell(@ForAll("limits") RateLimitConfig limit,
      @ForAll("traffic") List<Arrival> traffic) {
    VirtualTimeSource time = new VirtualTimeSource();
    InMemoryRateLimitStore store = store(time);
    replay(store, time, limit, "k", traffic);

    time.advance(limit.emissionIntervalNanos() * limit.burst());

    assertThat(store.tryAcquire(limit, "k", (int) limit.burst()).isAllowed()).isTrue();
  }

  @Property(tries = 200)
  @Label("the retryAfter of a denial is exact: admitted after exactly that wait, denied one nanosecond earlier")
  void retryAfterIsExact(@ForAll("limits") RateLimitConfig limit, @ForAll("traffic") List<Arrival> traffic,
      @ForAll("costSeeds") int costSeed) {
    VirtualTimeSource time = new VirtualTimeSource();
    InMemoryRateLimitStore store = store(time);
    replay(store, time, limit, "k", traffic);
    int cost = (int) (1 + (costSeed - 1) % limit.burst());

    // Keep asking at the same instant until denied: every admission moves the bucket's arrival time forward.
    RateLimitDecision denial;
    do {
      denial = store.tryAcquire(limit, "k", cost);
    } while (denial.isAllowed());
    long wait = denial.retryAfter().toNanos();

    assertThat(denial.never()).isFalse();
    assertThat(denial.deniedBy()).isEqualTo(limit.name());
    assertThat(wait).isPositive();

    time.advance(wait - 1);
    RateLimitDecision early = store.tryAcquire(limit, "k", cost);
    assertThat(early.isAllowed()).as("one nanosecond before retryAfter").isFalse();
    assertThat(early.retryAfter()).as("a denial consumes nothing, so one nanosecond is left").isEqualTo(
        Duration.ofNanos(1));

    time.advance(1);
    assertThat(store.tryAcquire(limit, "k", cost).isAllowed()).as("exactly at retryAfter").isTrue();
  }

  @Property(tries = 200)
  @Label("tryAcquireAll is all-or-none: a limit that denies leaves the other limits untouched")
  void tryAcquireAllConsumesNothingWhenOneLimitDenies(@ForAll("limits") RateLimitConfig a,
      @ForAll("limits") RateLimitConfig b, @ForAll("traffic") List<Arrival> trafficOnA,
      @ForAll boolean exhaustedLimitFirst) {
    RateLimitConfig limitA = rename(a, "a");
    RateLimitConfig limitB = rename(b, "b");
    VirtualTimeSource time = new VirtualTimeSource();
    InMemoryRateLimitStore store = store(time);
    // A shadow store sees the same traffic on A but never the failed multi-limit request; a probe store tells
    // whether A alone would have admitted it.
    VirtualTimeSource shadowTime = new VirtualTimeSource();
    InMemoryRateLimitStore shadow = store(shadowTime);
    VirtualTimeSource probeTime = new VirtualTimeSource();
    InMemoryRateLimitStore probe = store(probeTime);
    replay(store, time, limitA, "ka", trafficOnA);
    replay(shadow, shadowTime, limitA, "ka", trafficOnA);
    replay(probe, probeTime, limitA, "ka", trafficOnA);
    assertThat(store.tryAcquire(limitB, "kb", (int) limitB.burst()).isAllowed()).as("exhausting B").isTrue();
    int cost = (int) Math.min(limitA.burst(), limitB.burst());
    boolean aAloneAdmits = probe.tryAcquire(limitA, "ka", cost).isAllowed();

    List<RateLimitConfig> limits = exhaustedLimitFirst ? List.of(limitB, limitA) : List.of(limitA, limitB);
    List<String> keys = exhaustedLimitFirst ? List.of("kb", "ka") : List.of("ka", "kb");
    RateLimitDecision d = store.tryAcquireAll(limits, keys, cost);

    assertThat(d.isAllowed()).isFalse();
    assertThat(d.deniedBy()).isEqualTo(!exhaustedLimitFirst && !aAloneAdmits ? "a" : "b");
    // A answers exactly as if the multi-limit request had never happened.
    RateLimitDecision onA = store.tryAcquire(limitA, "ka", (int) limitA.burst());
    RateLimitDecision onShadow = shadow.tryAcquire(limitA, "ka", (int) limitA.burst());
    assertThat(onA.isAllowed()).isEqualTo(onShadow.isAllowed());
    assertThat(onA.retryAfter()).isEqualTo(onShadow.retryAfter());
  }

  @Property(tries = 200)
  @Label("with two limits where one is exhausted, the other still admits its full burst afterwards")
  void anUntouchedLimitKeepsItsFullBurst(@ForAll("limits") RateLimitConfig a, @ForAll("limits") RateLimitConfig b,
      @ForAll("costSeeds") int costSeed) {
    RateLimitConfig limitA = rename(a, "a");
    RateLimitConfig limitB = rename(b, "b");
    VirtualTimeSource time = new VirtualTimeSource();
    InMemoryRateLimitStore store = store(time);
    assertThat(store.tryAcquire(limitB, "kb", (int) limitB.burst()).isAllowed()).isTrue();
    int cost = (int) (1 + (costSeed - 1) % Math.min(limitA.burst(), limitB.burst()));

    assertThat(store.tryAcquireAll(List.of(limitA, limitB), List.of("ka", "kb"), cost).isAllowed()).isFalse();

    assertThat(store.tryAcquire(limitA, "ka", (int) limitA.burst()).isAllowed()).isTrue();
  }

  @Property(tries = 200)
  @Label("a cost above the burst is never admitted, and consumes nothing")
  void costAboveBurstIsNever(@ForAll("limits") RateLimitConfig limit, @ForAll("costSeeds") int excess) {
    VirtualTimeSource time = new VirtualTimeSource();
    InMemoryRateLimitStore store = store(time);
    int cost = (int) limit.burst() + excess;

    RateLimitDecision d = store.tryAcquire(limit, "k", cost);

    assertThat(d.isAllowed()).isFalse();
    assertThat(d.never()).isTrue();
    assertThat(d.deniedBy()).isEqualTo(limit.name());
    assertThat(d.retryAfter()).isEqualTo(Duration.ZERO);
    RateLimitDecision all = store.tryAcquireAll(List.of(rename(limit, "other"), limit), List.of("k", "k"), cost);
    assertThat(all.never()).isTrue();
    assertThat(store.tryAcquire(limit, "k", (int) limit.burst()).isAllowed()).isTrue();
  }

  // ---------------------------------------------------------------------------------------------------------------

  @Provide
  Arbitrary<RateLimitConfig> limits() {
    Arbitrary<Long> permits = Arbitraries.longs().between(1, 1000);
    Arbitrary<Long> periodNanos = Arbitraries.longs().between(1_000_000L, 10_000_000_000L);
    return Combinators.combine(permits, periodNanos).flatAs((p, n) -> Arbitraries.longs().between(1, p * 2)
        .map(burst -> new RateLimitConfig("limit", true, RateLimitScope.TENANT, p, Duration.ofNanos(n), burst)));
  }

  @Provide
  Arbitrary<List<Arrival>> traffic() {
    // Gaps from 0 to 4 emission intervals, a third of them exactly 0 (a burst at one instant).
    Arbitrary<Long> gapPermille = Arbitraries.frequencyOf(Tuple.of(1, Arbitraries.just(0L)),
        Tuple.of(2, Arbitraries.longs().between(0, 1000)));
    Arbitrary<Long> jitter = Arbitraries.longs().between(0, 1000);
    return Combinators.combine(gapPermille, jitter, costSeeds()).as(Arrival::new).list().ofMinSize(1).ofMaxSize(150);
  }

  @Provide
  Arbitrary<Integer> costSeeds() {
    return Arbitraries.frequencyOf(Tuple.of(1, Arbitraries.integers().between(1, 3)),
        Tuple.of(1, Arbitraries.integers().between(1, 2000)));
  }

  @Provide
  Arbitrary<List<Integer>> windowPermilles() {
    // Window lengths from 0 to 3 periods, in thousandths of the period.
    return Arbitraries.integers().between(0, 3000).list().ofMinSize(1).ofMaxSize(4);
  }

  private static InMemoryRateLimitStore store(VirtualTimeSource time) {
    return new InMemoryRateLimitStore(time, 1000, IDLE, new Events(List.of()));
  }

  private static void replay(InMemoryRateLimitStore store, VirtualTimeSource time, RateLimitConfig limit, String key,
      List<Arrival> traffic) {
    for (Arrival a : traffic) {
      time.advance(a.gap(limit.emissionIntervalNanos()));
      store.tryAcquire(limit, key, a.cost(limit));
    }
  }

  private static RateLimitConfig rename(RateLimitConfig c, String name) {
    return new RateLimitConfig(name, c.enabled(), c.scope(), c.permits(), c.period(), c.burst());
  }
}
