package dev.breakwater.circuit;

import static dev.breakwater.circuit.CircuitState.CLOSED;
import static dev.breakwater.circuit.CircuitState.DISABLED;
import static dev.breakwater.circuit.CircuitState.FORCED_CLOSED;
import static dev.breakwater.circuit.CircuitState.FORCED_OPEN;
import static dev.breakwater.circuit.CircuitState.HALF_OPEN;
import static dev.breakwater.circuit.CircuitState.OPEN;
import static org.assertj.core.api.Assertions.assertThat;

import dev.breakwater.circuit.CircuitBreakerConfig.WindowType;
import dev.breakwater.time.VirtualTimeSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** Scenarios of one circuit breaker on virtual time. */
class CircuitBreakerTest {
  private static final Duration OPEN_DURATION = Duration.ofSeconds(30);
  private static final long FAST = Duration.ofMillis(10).toNanos();

  private final VirtualTimeSource time = new VirtualTimeSource();
  private final List<String> transitions = new ArrayList<>();
  private final List<String> sinkErrors = new ArrayList<>();

  /** A count-based window of 10 calls, judged after 5, opening at 50 % failures, 3 probes of which 2 must succeed. */
  private static CircuitBreakerConfig config() {
    return new CircuitBreakerConfig(true, WindowType.COUNT_BASED, 10, 5, 50, 100, Duration.ofSeconds(60),
        OPEN_DURATION, 3, 2);
  }

  private CircuitBreaker breaker(CircuitBreakerConfig config) {
    CircuitBreaker b = new CircuitBreaker("upstream", config, time,
        (where, error) -> sinkErrors.add(where + ": " + error.getMessage()));
    b.addListener((breaker, from, to, reason) -> transitions.add(from + "->" + to));
    return b;
  }

  /** Makes a call through the breaker that fails (the breaker must grant it). */
  private static void fail(CircuitBreaker b) {
    assertThat(b.tryAcquirePermission()).isTrue();
    b.onFailure(FAST);
  }

  private static void succeed(CircuitBreaker b) {
    assertThat(b.tryAcquirePermission()).isTrue();
    b.onSuccess(FAST);
  }

  @Test
  void aWindowTippedOverByASuccessSaysTheFailureRateOpenedIt() {
    CircuitBreaker b = breaker(config());
    List<String> reasons = new ArrayList<>();
    b.addListener((breaker, from, to, reason) -> reasons.add(reason));
    fail(b);
    fail(b);
    fail(b);
    succeed(b);
    succeed(b); // the fifth call reaches the minimum with 3 of 5 failed: 60 % >= 50 %

    assertThat(b.state()).isEqualTo(OPEN);
    assertThat(reasons).containsExactly("failure rate reached 50.0%");
  }

  private CircuitBreaker openBreaker(CircuitBreakerConfig config) {
    CircuitBreaker b = breaker(config);
    b.openFor(config.openDuration(), "test");
    assertThat(b.state()).isEqualTo(OPEN);
    transitions.clear();
    return b;
  }

  private CircuitBreaker halfOpenBreaker(CircuitBreakerConfig config) {
    CircuitBreaker b = openBreaker(config);
    time.advance(config.openDuration());
    return b;
  }

  @Nested
  @DisplayName("count-based window")
  class CountBased {

    @Test
    void startsClosedAndAdmitsCalls() {
      CircuitBreaker b = breaker(config());

      assertThat(b.state()).isEqualTo(CLOSED);
      assertThat(b.tryAcquirePermission()).isTrue();
      assertThat(b.remainingOpen()).isZero();
    }

    @Test
    void doesNotJudgeBeforeMinimumCalls() {
      CircuitBreaker b = breaker(config());

      for (int i = 0; i < 4; i++) {
        fail(b);
      }

      assertThat(b.state()).isEqualTo(CLOSED);
      assertThat(b.failureRate()).as("below minimumCalls the rate is not judged").isEqualTo(-1f);
    }

    @Test
    void opensWhenTheMinimumCallsAreReachedAboveTheThreshold() {
      CircuitBreaker b = breaker(config());
      for (int i = 0; i < 4; i++) {
        fail(b);
      }

      fail(b);

      assertThat(b.state()).isEqualTo(OPEN);
      assertThat(transitions).containsExactly("CLOSED->OPEN");
      assertThat(b.tryAcquirePermission()).isFalse();
    }

    @Test
    void opensWhenTheCallThatReachesMinimumCallsSucceedsButTheRateIsAboveTheThreshold() {
      // Four failures and a success: 80 % failures over the 5 minimum calls.
      CircuitBreaker b = breaker(config());
      for (int i = 0; i < 4; i++) {
        fail(b);
      }

      succeed(b);

      assertThat(b.failureRate()).isEqualTo(80f);
      assertThat(b.state()).isEqualTo(OPEN);
    }

    @Test
    void opensExactlyAtTheFailureRateThreshold() {
      CircuitBreaker b = breaker(config());
      succeed(b);
      succeed(b);
      succeed(b);
      fail(b);
      fail(b); // 2 of 5: 40 %
      assertThat(b.state()).isEqualTo(CLOSED);
      assertThat(b.failureRate()).isEqualTo(40f);

      fail(b); // 3 of 6: 50 %

      assertThat(b.state()).isEqualTo(OPEN);
    }

    @Test
    void staysClosedBelowTheThreshold() {
      CircuitBreaker b = breaker(config());

      for (int i = 0; i < 20; i++) {
        if (i % 3 == 0) {
          fail(b);
        } else {
          succeed(b);
        }
      }

      assertThat(b.state()).isEqualTo(CLOSED);
      assertThat(transitions).isEmpty();
    }

    @Test
    void failuresSlideOutOfTheWindow() {
      // Window of 10, judged after 5: two failures, then ten successes push them out.
      CircuitBreaker b = breaker(config().withFailureRateThreshold(60));
      fail(b);
      fail(b);
      for (int i = 0; i < 10; i++) {
        succeed(b);
      }
      assertThat(b.failureRate()).isZero();

      // Five failures in the last ten calls: 50 % < 60 %.
      for (int i = 0; i < 5; i++) {
        fail(b);
      }
      assertThat(b.state()).isEqualTo(CLOSED);
      assertThat(b.failureRate()).isEqualTo(50f);

      fail(b); // 6 of the last 10

      assertThat(b.state()).isEqualTo(OPEN);
    }

    @Test
    void ignoredCallsAreNotCounted() {
      CircuitBreaker b = breaker(config());

      for (int i = 0; i < 20; i++) {
        assertThat(b.tryAcquirePermission()).isTrue();
        b.onIgnored();
      }

      assertThat(b.failureRate()).isEqualTo(-1f);
      assertThat(b.state()).isEqualTo(CLOSED);
    }
  }

  @Nested
  @DisplayName("time-based window")
  class TimeBased {
    /** The calls of the last 10 s, judged after 4, opening at 50 %. */
    private CircuitBreakerConfig timeConfig() {
      return config().withWindow(WindowType.TIME_BASED, 10).withMinimumCalls(4);
    }

    @Test
    void failuresWithinTheWindowCount() {
      CircuitBreaker b = breaker(timeConfig());
      fail(b);
      fail(b);
      fail(b);
      time.advance(Duration.ofSeconds(9));

      fail(b); // 4 of 4, three of them 9 s old

      assertThat(b.state()).isEqualTo(OPEN);
    }

    @Test
    void opensWhenTheCallThatReachesMinimumCallsSucceedsButTheRateIsAboveTheThreshold() {
      CircuitBreaker b = breaker(timeConfig());
      fail(b);
      fail(b);
      fail(b);

      succeed(b); // 3 of 4: 75 %

      assertThat(b.failureRate()).isEqualTo(75f);
      assertThat(b.state()).isEqualTo(OPEN);
    }

    @Test
    void forgetsFailuresOlderThanTheWindow() {
      CircuitBreaker b = breaker(timeConfig());
      fail(b);
      fail(b);
      fail(b);
      time.advance(Duration.ofSeconds(10));

      succeed(b);
      succeed(b);
      succeed(b);
      fail(b); // 1 of 4: the three old failures have left the window

      assertThat(b.failureRate()).isEqualTo(25f);
      assertThat(b.state()).isEqualTo(CLOSED);
    }

    @Test
    void aQuietWindowFallsBelowTheMinimumCalls() {
      CircuitBreaker b = breaker(timeConfig());
      succeed(b);
      succeed(b);
      succeed(b);
      succeed(b);
      assertThat(b.failureRate()).isZero();

      time.advance(Duration.ofSeconds(11));

      assertThat(b.failureRate()).isEqualTo(-1f);
    }
  }

  @Nested
  @DisplayName("slow calls")
  class SlowCalls {
    /** Calls of 1 s or more are slow; 50 % slow calls open the breaker. */
    private CircuitBreakerConfig slowConfig() {
      return config().withSlowCalls(50, Duration.ofSeconds(1));
    }

    @Test
    void aHighSlowCallRateOpensTheBreakerEvenIfEveryCallSucceeds() {
      CircuitBreaker b = breaker(slowConfig());
      assertThat(b.timesCalls()).isTrue();
      long slow = Duration.ofSeconds(1).toNanos();

      for (int i = 0; i < 4; i++) {
        assertThat(b.tryAcquirePermission()).isTrue();
        b.onSuccess(i % 2 == 0 ? slow : FAST);
      }
      assertThat(b.state()).as("below minimumCalls").isEqualTo(CLOSED);
      assertThat(b.tryAcquirePermission()).isTrue();
      b.onSuccess(slow); // 3 slow of 5

      assertThat(b.slowCallRate()).isEqualTo(60f);
      assertThat(b.state()).isEqualTo(OPEN);
    }

    @Test
    void callsJustUnderTheSlowDurationAreNotSlow() {
      CircuitBreaker b = breaker(slowConfig());

      for (int i = 0; i < 10; i++) {
        assertThat(b.tryAcquirePermission()).isTrue();
        b.onSuccess(Duration.ofSeconds(1).toNanos() - 1);
      }

      assertThat(b.slowCallRate()).isZero();
      assertThat(b.state()).isEqualTo(CLOSED);
    }

    @Test
    void slowCallsAreNotJudgedWhenDetectionIsOff() {
      CircuitBreaker b = breaker(config()); // slow-call rate threshold 100 %: detection off
      assertThat(b.timesCalls()).isFalse();

      for (int i = 0; i < 10; i++) {
        assertThat(b.tryAcquirePermission()).isTrue();
        b.onSuccess(Duration.ofHours(1).toNanos());
      }

      assertThat(b.state()).isEqualTo(CLOSED);
    }
  }

  @Nested
  @DisplayName("open and half-open")
  class OpenAndHalfOpen {

    @Test
    void refusesCallsUntilTheOpenDurationHasPassed() {
      CircuitBreaker b = openBreaker(config());

      time.advance(OPEN_DURATION.minusNanos(1));
      assertThat(b.tryAcquirePermission()).isFalse();
      assertThat(b.state()).isEqualTo(OPEN);

      time.advance(1);
      assertThat(b.state()).as("reads OPEN until the next call").isEqualTo(OPEN);
      assertThat(b.tryAcquirePermission()).isTrue();
      assertThat(b.state()).isEqualTo(HALF_OPEN);
      assertThat(transitions).containsExactly("OPEN->HALF_OPEN");
    }

    @Test
    void remainingOpenCountsDownToZero() {
      CircuitBreaker b = openBreaker(config());
      assertThat(b.remainingOpen()).isEqualTo(OPEN_DURATION);

      time.advance(Duration.ofSeconds(10));
      assertThat(b.remainingOpen()).isEqualTo(Duration.ofSeconds(20));

      time.advance(Duration.ofSeconds(25));
      assertThat(b.remainingOpen()).as("past the open duration, still OPEN until the next call").isZero();

      assertThat(b.tryAcquirePermission()).isTrue();
      assertThat(b.remainingOpen()).as("half-open").isZero();
    }

    @Test
    void halfOpenAdmitsExactlyTheConfiguredProbes() {
      CircuitBreaker b = halfOpenBreaker(config());

      assertThat(b.tryAcquirePermission()).isTrue();
      assertThat(b.tryAcquirePermission()).isTrue();
      assertThat(b.tryAcquirePermission()).isTrue();

      assertThat(b.tryAcquirePermission()).isFalse();
      assertThat(b.tryAcquirePermission()).isFalse();
      assertThat(b.state()).isEqualTo(HALF_OPEN);
    }

    @Test
    void closesAfterTheConfiguredProbeSuccesses() {
      CircuitBreaker b = halfOpenBreaker(config());

      succeed(b);
      assertThat(b.state()).isEqualTo(HALF_OPEN);
      succeed(b);

      assertThat(b.state()).isEqualTo(CLOSED);
      assertThat(transitions).containsExactly("OPEN->HALF_OPEN", "HALF_OPEN->CLOSED");
      assertThat(b.failureRate()).as("closing starts an empty window").isEqualTo(-1f);
    }

    @Test
    void toleratesProbeFailuresUpToProbesMinusSuccesses() {
      CircuitBreaker b = halfOpenBreaker(config()); // 3 probes, 2 successes: one failure is tolerated

      fail(b);
      assertThat(b.state()).isEqualTo(HALF_OPEN);
      succeed(b);
      succeed(b);

      assertThat(b.state()).isEqualTo(CLOSED);
    }

    @Test
    void oneProbeFailureBeyondTheToleranceReopens() {
      CircuitBreaker b = halfOpenBreaker(config());

      fail(b);
      fail(b);

      assertThat(b.state()).isEqualTo(OPEN);
      assertThat(transitions).containsExactly("OPEN->HALF_OPEN", "HALF_OPEN->OPEN");
      assertThat(b.remainingOpen()).isEqualTo(OPEN_DURATION);
      assertThat(b.tryAcquirePermission()).isFalse();
    }

    @Test
    void withoutToleranceTheFirstProbeFailureReopens() {
      CircuitBreaker b = halfOpenBreaker(config().withHalfOpen(2, 2));

      fail(b);

      assertThat(b.state()).isEqualTo(OPEN);
    }

    @Test
    void aSlowProbeCountsAsAFailedProbe() {
      CircuitBreaker b = halfOpenBreaker(config().withSlowCalls(50, Duration.ofSeconds(1)).withHalfOpen(1, 1));

      assertThat(b.tryAcquirePermission()).isTrue();
      b.onSuccess(Duration.ofSeconds(2).toNanos());

      assertThat(b.state()).isEqualTo(OPEN);
    }

    @Test
    void anIgnoredProbeHandsItsSlotBack() {
      CircuitBreaker b = halfOpenBreaker(config().withHalfOpen(1, 1));
      assertThat(b.tryAcquirePermission()).isTrue();

      b.onIgnored();

      assertThat(b.tryAcquirePermission()).isTrue();
    }

    @Test
    void anIgnoredProbeHandsItsSlotBackEvenAfterOtherCallsWereTurnedAway() {
      CircuitBreaker b = halfOpenBreaker(config().withHalfOpen(1, 1));
      assertThat(b.tryAcquirePermission()).as("the probe").isTrue();
      assertThat(b.tryAcquirePermission()).as("turned away while the probe runs").isFalse();
      assertThat(b.tryAcquirePermission()).as("turned away while the probe runs").isFalse();

      b.onIgnored(); // the probe said nothing about the upstream: no probe is running now

      assertThat(b.tryAcquirePermission()).as("a new probe may run").isTrue();
      b.onSuccess(FAST);
      assertThat(b.state()).isEqualTo(CLOSED);
    }
  }

  @Nested
  @DisplayName("openFor")
  class OpenFor {

    @Test
    void holdsAClosedBreakerOpenForTheGivenDuration() {
      CircuitBreaker b = breaker(config());

      b.openFor(Duration.ofSeconds(10), "503 with Retry-After");

      assertThat(b.state()).isEqualTo(OPEN);
      assertThat(b.remainingOpen()).isEqualTo(Duration.ofSeconds(10));
      time.advance(Duration.ofSeconds(10).minusNanos(1));
      assertThat(b.tryAcquirePermission()).isFalse();
      time.advance(1);
      assertThat(b.tryAcquirePermission()).isTrue();
      assertThat(b.state()).isEqualTo(HALF_OPEN);
    }

    @Test
    void doesNotShortenALongerOpen() {
      CircuitBreaker b = breaker(config());
      for (int i = 0; i < 5; i++) {
        fail(b);
      }
      assertThat(b.remainingOpen()).isEqualTo(OPEN_DURATION);

      b.openFor(Duration.ofSeconds(5), "short");

      assertThat(b.remainingOpen()).isEqualTo(OPEN_DURATION);
      time.advance(Duration.ofSeconds(5));
      assertThat(b.tryAcquirePermission()).isFalse();
    }

    @Test
    void extendsAShorterOpenWithoutReportingATransition() {
      CircuitBreaker b = openBreaker(config());

      b.openFor(Duration.ofSeconds(90), "long");

      assertThat(b.remainingOpen()).isEqualTo(Duration.ofSeconds(90));
      assertThat(transitions).as("OPEN -> OPEN is no transition").isEmpty();
      time.advance(OPEN_DURATION);
      assertThat(b.tryAcquirePermission()).isFalse();
      time.advance(Duration.ofSeconds(60));
      assertThat(b.tryAcquirePermission()).isTrue();
    }

    @Test
    void reopensAHalfOpenBreaker() {
      CircuitBreaker b = halfOpenBreaker(config());
      assertThat(b.tryAcquirePermission()).isTrue();

      b.openFor(Duration.ofSeconds(7), "throttled");

      assertThat(b.state()).isEqualTo(OPEN);
      assertThat(b.remainingOpen()).isEqualTo(Duration.ofSeconds(7));
      assertThat(transitions).containsExactly("OPEN->HALF_OPEN", "HALF_OPEN->OPEN");
    }

    @Test
    void leavesOperatorStatesAlone() {
      CircuitBreaker b = breaker(config());
      for (Runnable command : List.<Runnable>of(b::forceOpen, b::forceClosed, b::disable)) {
        command.run();
        CircuitState forced = b.state();

        b.openFor(Duration.ofSeconds(10), "throttled");

        assertThat(b.state()).isEqualTo(forced);
      }
    }
  }

  @Nested
  @DisplayName("operator commands")
  class Operator {

    @Test
    void forceOpenRefusesEveryCallWhateverTheTime() {
      CircuitBreaker b = breaker(config());

      b.forceOpen();

      assertThat(b.state()).isEqualTo(FORCED_OPEN);
      assertThat(b.tryAcquirePermission()).isFalse();
      time.advance(Duration.ofDays(1));
      assertThat(b.tryAcquirePermission()).isFalse();
      assertThat(b.state()).isEqualTo(FORCED_OPEN);
      assertThat(b.remainingOpen()).isPositive();
    }

    @Test
    void forceClosedAdmitsEveryCallAndRecordsNothing() {
      CircuitBreaker b = breaker(config());

      b.forceClosed();
      for (int i = 0; i < 50; i++) {
        fail(b);
      }

      assertThat(b.state()).isEqualTo(FORCED_CLOSED);
      assertThat(transitions).containsExactly("CLOSED->FORCED_CLOSED");
    }

    @Test
    void disableAdmitsEveryCallAndRecordsNothing() {
      CircuitBreaker b = breaker(config());

      b.disable();
      for (int i = 0; i < 50; i++) {
        fail(b);
      }

      assertThat(b.state()).isEqualTo(DISABLED);
    }

    @Test
    void aDisabledConfigStartsDisabled() {
      CircuitBreaker b = breaker(config().withEnabled(false));

      for (int i = 0; i < 50; i++) {
        fail(b);
      }

      assertThat(b.state()).isEqualTo(DISABLED);
    }

    @Test
    void resetReturnsAnOperatorStateToClosedWithAnEmptyWindow() {
      CircuitBreaker b = breaker(config());
      for (int i = 0; i < 4; i++) {
        fail(b);
      }
      b.forceOpen();

      b.reset();

      assertThat(b.state()).isEqualTo(CLOSED);
      assertThat(b.failureRate()).isEqualTo(-1f);
      assertThat(transitions).containsExactly("CLOSED->FORCED_OPEN", "FORCED_OPEN->CLOSED");
      fail(b);
      assertThat(b.state()).as("the four failures before are forgotten").isEqualTo(CLOSED);
    }

    @Test
    void resetEmptiesTheWindowOfAClosedBreaker() {
      CircuitBreaker b = breaker(config());
      for (int i = 0; i < 4; i++) {
        fail(b);
      }

      b.reset();

      assertThat(transitions).as("CLOSED -> CLOSED is no transition").isEmpty();
      assertThat(b.failureRate()).as("the window is empty").isEqualTo(-1f);
      fail(b);
      assertThat(b.state()).as("one failure after a reset is below minimumCalls").isEqualTo(CLOSED);
    }

    @Test
    void resetClosesAnOpenBreakerAtOnce() {
      CircuitBreaker b = openBreaker(config());

      b.reset();

      assertThat(b.state()).isEqualTo(CLOSED);
      assertThat(b.tryAcquirePermission()).isTrue();
      assertThat(b.remainingOpen()).isZero();
    }

    @Test
    void repeatingACommandReportsNoSecondTransition() {
      CircuitBreaker b = breaker(config());

      b.forceOpen();
      b.forceOpen();
      b.disable();
      b.disable();

      assertThat(transitions).containsExactly("CLOSED->FORCED_OPEN", "FORCED_OPEN->DISABLED");
    }
  }

  @Nested
  @DisplayName("listeners")
  class Listeners {

    @Test
    void aListenerThatThrowsDoesNotBreakTheBreakerAndTheErrorSinkReceivesIt() {
      CircuitBreaker b = breaker(config());
      List<String> later = new ArrayList<>();
      b.addListener((breaker, from, to, reason) -> {
        throw new IllegalStateException("listener bug");
      });
      b.addListener((breaker, from, to, reason) -> later.add(from + "->" + to + ": " + reason));

      for (int i = 0; i < 5; i++) {
        fail(b);
      }

      assertThat(b.state()).isEqualTo(OPEN);
      assertThat(sinkErrors).hasSize(1);
      assertThat(sinkErrors.get(0)).contains("upstream").contains("listener bug");
      assertThat(transitions).containsExactly("CLOSED->OPEN");
      assertThat(later).hasSize(1);
      assertThat(later.get(0)).startsWith("CLOSED->OPEN: ").contains("failure rate");

      time.advance(OPEN_DURATION);
      assertThat(b.tryAcquirePermission()).isTrue();
      assertThat(b.state()).isEqualTo(HALF_OPEN);
      assertThat(sinkErrors).hasSize(2);
    }

    @Test
    void listenersAreToldTheBreakerAndTheReason() {
      CircuitBreaker b = breaker(config());
      List<String> seen = new ArrayList<>();
      b.addListener((breaker, from, to, reason) -> seen.add(breaker.name() + " " + to + " " + reason));

      b.forceOpen();

      assertThat(seen).containsExactly("upstream FORCED_OPEN forced open by operator");
      assertThat(b.toString()).contains("upstream").contains("FORCED_OPEN");
    }
  }
}
