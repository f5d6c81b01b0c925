package dev.breakwater.circuit;

import static dev.breakwater.circuit.CircuitState.CLOSED;
import static dev.breakwater.circuit.CircuitState.HALF_OPEN;
import static dev.breakwater.circuit.CircuitState.OPEN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.breakwater.config.ConfigException;
import dev.breakwater.time.VirtualTimeSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The absolute rule "N failures within T", beside the failure-rate window, on virtual time. */
class FailureCountRuleTest {
  private static final long FAST = Duration.ofMillis(10).toNanos();

  private final VirtualTimeSource time = new VirtualTimeSource();
  private final List<String> reasons = Collections.synchronizedList(new ArrayList<>());

  /** Rates that never open (a huge window judged late): only the absolute rule can open this breaker. */
  private static CircuitBreakerConfig fiveWithin30s() {
    return CircuitBreakerConfig.defaults().withWindow(CircuitBreakerConfig.WindowType.COUNT_BASED, 10_000)
        .withMinimumCalls(10_000).withFailuresWithin(5, Duration.ofSeconds(30));
  }

  private CircuitBreaker breaker(CircuitBreakerConfig c) {
    CircuitBreaker b = new CircuitBreaker("upstream", c, time, (w, e) -> {
      throw new AssertionError(w, e);
    });
    b.addListener((x, from, to, reason) -> reasons.add(from + "->" + to + ": " + reason));
    return b;
  }

  private static void call(CircuitBreaker b, boolean failure) {
    assertThat(b.tryAcquirePermission()).isTrue();
    if (failure) {
      b.onFailure(FAST);
    } else {
      b.onSuccess(FAST);
    }
  }

  @Test
  void fiveFailuresWithin30sOpenEvenAmongAThousandSuccesses() {
    CircuitBreaker b = breaker(fiveWithin30s());

    for (int i = 0; i < 1000; i++) {
      call(b, i % 200 == 199); // a failure every 200 calls, 5 in all, 6 s apart
      if (b.state() == CLOSED) {
        time.advance(Duration.ofMillis(30));
      }
    }

    assertThat(b.state()).isEqualTo(OPEN);
    assertThat(b.failureRate()).isEqualTo(-1f); // the rate window never judged: the count rule alone opened it
    assertThat(reasons).containsExactly("CLOSED->OPEN: 5 failure(s) within PT30S");
  }

  @Test
  void fiveFailuresSpreadOver31sDoNotOpen() {
    CircuitBreaker b = breaker(fiveWithin30s());

    for (int i = 0; i < 5; i++) {
      if (i > 0) {
        time.advance(Duration.ofMillis(7_750)); // 4 gaps of 7.75 s: the first and fifth are 31 s apart
      }
      call(b, true);
    }

    assertThat(b.state()).isEqualTo(CLOSED);
  }

  @Test
  void fiveFailuresExactly30sApartOpen() {
    CircuitBreaker b = breaker(fiveWithin30s());

    for (int i = 0; i < 5; i++) {
      if (i > 0) {
        time.advance(Duration.ofMillis(7_500));
      }
      call(b, true);
    }

    assertThat(b.state()).isEqualTo(OPEN);
  }

  @Test
  void failuresAgeOutOfTheWindow() {
    CircuitBreaker b = breaker(fiveWithin30s());
    for (int i = 0; i < 4; i++) {
      call(b, true);
    }
    time.advance(Duration.ofSeconds(31));

    for (int i = 0; i < 4; i++) {
      call(b, true); // four old ones have aged out: 4 recent failures, then 1 more opens
    }
    assertThat(b.state()).isEqualTo(CLOSED);
    call(b, true);

    assertThat(b.state()).isEqualTo(OPEN);
  }

  @Test
  void halfOpenIsJudgedByItsProbesAlone() {
    CircuitBreakerConfig c = fiveWithin30s().withHalfOpen(3, 2);
    CircuitBreaker b = breaker(c);
    for (int i = 0; i < 5; i++) {
      call(b, true);
    }
    time.advance(c.openDuration());

    call(b, true); // one failed probe of three is allowed (2 of 3 must succeed)
    call(b, false);
    assertThat(b.state()).isEqualTo(HALF_OPEN);
    call(b, false);

    assertThat(b.state()).isEqualTo(CLOSED);
  }

  @Test
  void aClosingAfterProbesForgetsTheFailuresThatOpened() {
    CircuitBreakerConfig c = fiveWithin30s().withOpenDuration(Duration.ofSeconds(5)).withHalfOpen(1, 1);
    CircuitBreaker b = breaker(c);
    for (int i = 0; i < 5; i++) {
      call(b, true);
    }
    time.advance(c.openDuration());
    call(b, false);
    assertThat(b.state()).isEqualTo(CLOSED);

    call(b, true); // within 30 s of the five that opened it, but those belong to the last closed period

    assertThat(b.state()).isEqualTo(CLOSED);
  }

  @Test
  void eitherRuleOpens() {
    CircuitBreakerConfig c = CircuitBreakerConfig.defaults().withWindow(CircuitBreakerConfig.WindowType.COUNT_BASED,
        10).withMinimumCalls(4).withFailuresWithin(100, Duration.ofSeconds(30));
    CircuitBreaker b = breaker(c);
    for (int i = 0; i < 4; i++) {
      call(b, i % 2 == 1); // the fourth call, a failure, brings the rate to 50 %
    }

    assertThat(b.state()).isEqualTo(OPEN);
    assertThat(reasons).containsExactly("CLOSED->OPEN: failure rate reached 50.0%");
  }

  @Test
  void oneFailureWithinAnyWindowOpensAtOnce() {
    CircuitBreaker b = breaker(fiveWithin30s().withFailuresWithin(1, Duration.ofMillis(1)));

    call(b, true);

    assertThat(b.state()).isEqualTo(OPEN);
  }

  @Test
  void concurrentFailuresOpenTheBreakerOnceAndSuccessesNeverDo() throws Exception {
    CircuitBreaker b = breaker(fiveWithin30s());
    ExecutorService pool = Executors.newFixedThreadPool(8);
    CountDownLatch start = new CountDownLatch(1);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        boolean failing = t % 2 == 0;
        done.add(pool.submit(() -> {
          start.await();
          for (int i = 0; i < 10_000; i++) {
            if (b.tryAcquirePermission()) {
              if (failing && i % 1000 == 0) {
                b.onFailure(FAST); // 4 threads x 10 failures, all at virtual instant 0
              } else {
                b.onSuccess(FAST);
              }
            }
          }
          return null;
        }));
      }
      start.countDown();
      for (Future<?> f : done) {
        f.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }

    assertThat(b.state()).isEqualTo(OPEN);
    assertThat(reasons).containsExactly("CLOSED->OPEN: 5 failure(s) within PT30S");
  }

  @Test
  void theRuleIsValidated() {
    CircuitBreakerConfig d = CircuitBreakerConfig.defaults();
    assertThatThrownBy(() -> d.withFailuresWithin(0, Duration.ofSeconds(1))).isInstanceOf(ConfigException.class)
        .hasMessageContaining("failureCountWindow");
    assertThatThrownBy(() -> d.withFailuresWithin(-1, null)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("failureCount");
    assertThatThrownBy(() -> d.withFailuresWithin(3, null)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("failureCountWindow");
    assertThatThrownBy(() -> d.withFailuresWithin(3, Duration.ZERO)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("failureCountWindow");
    assertThatThrownBy(() -> d.withFailuresWithin(3, Duration.ofDays(2))).isInstanceOf(ConfigException.class)
        .hasMessageContaining("at most PT24H");
    assertThatThrownBy(() -> d.withFailuresWithin(10_001, Duration.ofSeconds(1)))
        .isInstanceOf(ConfigException.class).hasMessageContaining("1..10000");
    assertThat(d.withFailuresWithin(0, null).countsFailures()).isFalse();
    assertThat(d.countsFailures()).isFalse();
  }
}
