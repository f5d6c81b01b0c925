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
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Label;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;
import net.jqwik.api.Tuple;

/**
 * The circuit breaker as a state machine: random sequences of calls, outcomes, passing time and operator commands
 * against a breaker with a small random config, checked against a model of what each action may do.
 *
 * <p>Outcomes are reported only for permissions the breaker granted (its contract), possibly late: a permission
 * granted in one phase may be reported after the breaker moved on.
 */
class CircuitBreakerStateMachinePropertiesTest {

  sealed interface Action permits Acquire, Report, Advance, OpenFor, Operator {}

  /** {@code tryAcquirePermission()}. */
  record Acquire() implements Action {}

  /**
   * Reports the outcome of one outstanding permission after a call of that length; {@code pick} chooses which,
   * counting back from the latest.
   */
  record Report(Outcome outcome, long durationMillis, int pick) implements Action {}

  /** Virtual time passes. */
  record Advance(long millis) implements Action {}

  /** {@code openFor(Duration)}, as on a 503 with Retry-After. */
  record OpenFor(long millis) implements Action {}

  /** An operator command. */
  record Operator(Command command) implements Action {}

  enum Outcome { SUCCESS, FAILURE, IGNORED }

  enum Command {
    FORCE_OPEN(FORCED_OPEN), FORCE_CLOSED(FORCED_CLOSED), DISABLE(DISABLED), RESET(CLOSED);

    final CircuitState target;

    Command(CircuitState target) {
      this.target = target;
    }
  }

  record Transition(CircuitState from, CircuitState to, String reason) {}

  /** Every transition the breaker may ever report. */
  static boolean legal(CircuitState from, CircuitState to) {
    if (from == to) {
      return false; // OPEN -> OPEN (an extension of the open time) and the like are not transitions
    }
    switch (to) {
      case OPEN:
        return from == CLOSED || from == HALF_OPEN;
      case HALF_OPEN:
        return from == OPEN;
      default:
        return true; // CLOSED (half-open success or reset), FORCED_OPEN, FORCED_CLOSED, DISABLED by the operator
    }
  }

  @Property(tries = 300)
  @Label("every transition is legal, caused by its action, chained, and the model's expectations hold")
  void transitionsFollowTheStateMachine(@ForAll("configs") CircuitBreakerConfig config,
      @ForAll("actions") List<Action> actions) {
    Run run = new Run(config);
    run.play(actions);

    Statistics.label("reached half-open").collect(run.reachedHalfOpen);
    Statistics.label("probe checked after one was handed back").collect(run.probeAfterHandBack);
    Statistics.label("reached half-open").coverage(c -> c.check(true).percentage(p -> p >= 5));
  }

  /** One breaker, its recorded transitions and the model's view of it. */
  private static final class Run {
    final CircuitBreakerConfig config;
    final VirtualTimeSource time = new VirtualTimeSource();
    final CircuitBreaker breaker;
    final List<Transition> transitions = new ArrayList<>();
    final List<Throwable> listenerErrors = new ArrayList<>();
    /** The phase (the number of transitions so far) in which each outstanding permission was granted. */
    final List<Integer> pending = new ArrayList<>();

    CircuitState state = CLOSED;
    long openUntil;
    // The current half-open phase: probes granted, probes handed back by onIgnored, probe successes and failures,
    // and whether a permission of an earlier phase was reported in it (the model's counts are then not the breaker's).
    int granted;
    int ignored;
    int successes;
    int failures;
    boolean foreign;
    boolean reachedHalfOpen;
    boolean probeAfterHandBack;
    /** When the model cannot tell whether an action causes a transition: the states it may lead to. */
    Set<CircuitState> allowedTargets;

    Run(CircuitBreakerConfig config) {
      this.config = config;
      this.breaker = new CircuitBreaker("upstream", config, time, (where, error) -> listenerErrors.add(error));
      breaker.addListener((b, from, to, reason) -> transitions.add(new Transition(from, to, reason)));
    }

    void play(List<Action> actions) {
      assertThat(breaker.state()).isEqualTo(CLOSED);
      for (Action action : actions) {
        int before = transitions.size();
        CircuitState from = state;
        long now = time.nanoTime();
        allowedTargets = Set.of();
        List<Transition> expected = step(action, from, now);

        List<Transition> happened = List.copyOf(transitions.subList(before, transitions.size()));
        assertThat(happened).as("transitions caused by %s in %s", action, from).hasSizeLessThanOrEqualTo(1);
        for (Transition t : happened) {
          assertThat(legal(t.from(), t.to())).as("legal: %s", t).isTrue();
          assertThat(t.from()).as("chained: %s follows %s", t, state).isEqualTo(state);
          assertThat(t.reason()).isNotBlank();
          state = t.to();
        }
        if (expected != null) {
          assertThat(happened.stream().map(t -> t.from() + "->" + t.to()).toList())
              .as("transitions caused by %s in %s", action, from)
              .isEqualTo(expected.stream().map(t -> t.from() + "->" + t.to()).toList());
        } else {
          happened.forEach(t -> assertThat(allowedTargets).as("target of %s caused by %s", t, action)
              .contains(t.to()));
        }
        for (Transition t : happened) {
          if (t.to() == OPEN && !(action instanceof OpenFor)) {
            openUntil = now + config.openDuration().toNanos();
          }
        }
        assertThat(breaker.state()).as("state() after %s equals the last transition's target", action)
            .isEqualTo(state);
        if (state == OPEN) {
          assertThat(breaker.remainingOpen()).isEqualTo(Duration.ofNanos(Math.max(0, openUntil - time.nanoTime())));
        }
      }
      assertThat(breaker.state()).as("state() after the sequence equals the last transition's target")
          .isEqualTo(transitions.isEmpty() ? CLOSED : transitions.get(transitions.size() - 1).to());
      assertThat(listenerErrors).isEmpty();
    }

    /**
     * Performs one action; returns the transitions it must cause, or null when the model cannot tell (then
     * {@link #allowedTargets} says where it may lead).
     */
    List<Transition> step(Action action, CircuitState from, long now) {
      if (action instanceof Acquire) {
        return acquire(from, now);
      } else if (action instanceof Report) {
        return report((Report) action, from);
      } else if (action instanceof Advance) {
        time.advance(Duration.ofMillis(((Advance) action).millis()));
        return List.of();
      } else if (action instanceof OpenFor) {
        long nanos = Duration.ofMillis(((OpenFor) action).millis()).toNanos();
        breaker.openFor(Duration.ofNanos(nanos), "upstream asked for " + nanos + " ns");
        switch (from) {
          case CLOSED:
          case HALF_OPEN:
            openUntil = now + nanos;
            return List.of(new Transition(from, OPEN, ""));
          case OPEN:
            openUntil = Math.max(openUntil, now + nanos); // a longer open stays; a shorter one is extended
            return List.of();
          default:
            return List.of(); // operator states are left alone
        }
      } else {
        Command command = ((Operator) action).command();
        switch (command) {
          case FORCE_OPEN:
            breaker.forceOpen();
            break;
          case FORCE_CLOSED:
            breaker.forceClosed();
            break;
          case DISABLE:
            breaker.disable();
            break;
          default:
            breaker.reset();
        }
        return from == command.target ? List.of() : List.of(new Transition(from, command.target, ""));
      }
    }

    List<Transition> acquire(CircuitState from, long now) {
      boolean permitted = breaker.tryAcquirePermission();
      List<Transition> expected = List.of();
      switch (from) {
        case CLOSED:
        case FORCED_CLOSED:
        case DISABLED:
          assertThat(permitted).as("%s admits every call", from).isTrue();
          break;
        case FORCED_OPEN:
          assertThat(permitted).as("forced open admits nothing").isFalse();
          break;
        case OPEN:
          if (now - openUntil < 0) {
            assertThat(permitted).as("open, %d ns before it may probe", openUntil - now).isFalse();
            break;
          }
          expected = List.of(new Transition(OPEN, HALF_OPEN, ""));
          granted = 0;
          ignored = 0;
          successes = 0;
          failures = 0;
          foreign = false;
          expectProbe(permitted);
          break;
        default:
          expectProbe(permitted);
      }
      if (permitted) {
        pending.add(transitions.size());
      }
      return expected;
    }

    /** Half-open admits a probe exactly while fewer than halfOpenProbes are taken (an ignored probe is handed back). */
    void expectProbe(boolean permitted) {
      reachedHalfOpen = true;
      if (!foreign) {
        probeAfterHandBack |= ignored > 0;
        assertThat(permitted).as("half-open with %d of %d probes taken (%d granted, %d handed back)",
            granted - ignored, config.halfOpenProbes(), granted, ignored)
            .isEqualTo(granted - ignored < config.halfOpenProbes());
      }
      if (permitted) {
        granted++;
      }
    }

    List<Transition> report(Report r, CircuitState from) {
      if (pending.isEmpty()) {
        return List.of(); // nothing to report: outcomes are only reported for granted permissions
      }
      int phase = pending.remove(pending.size() - 1 - r.pick() % pending.size());
      boolean own = from == HALF_OPEN && phase == transitions.size();
      if (from == HALF_OPEN && !own) {
        foreign = true;
      }
      long nanos = Duration.ofMillis(r.durationMillis()).toNanos();
      boolean slow = config.slowCallDetection() && nanos >= config.slowCallDuration().toNanos();
      switch (r.outcome()) {
        case IGNORED:
          breaker.onIgnored();
          if (own) {
            ignored++;
          }
          return List.of();
        case SUCCESS:
          breaker.onSuccess(nanos);
          break;
        default:
          breaker.onFailure(nanos);
      }
      boolean bad = r.outcome() == Outcome.FAILURE || slow;
      switch (from) {
        case CLOSED:
          allowedTargets = Set.of(OPEN); // whether it opens depends on the window
          return null;
        case HALF_OPEN:
          if (foreign) {
            // The breaker also counted a permission of an earlier phase; only the direction is certain.
            allowedTargets = bad ? Set.of(OPEN) : Set.of(CLOSED);
            return null;
          }
          if (bad) {
            failures++;
            return failures > config.halfOpenProbes() - config.halfOpenSuccesses()
                ? List.of(new Transition(HALF_OPEN, OPEN, "")) : List.of();
          }
          successes++;
          return successes >= config.halfOpenSuccesses() ? List.of(new Transition(HALF_OPEN, CLOSED, "")) : List.of();
        default:
          return List.of(); // open, forced or disabled: nothing is recorded
      }
    }
  }

  // ---------------------------------------------------------------------------------------------------------------

  @Provide
  Arbitrary<CircuitBreakerConfig> configs() {
    Arbitrary<WindowType> type = Arbitraries.of(WindowType.class);
    Arbitrary<Integer> windowSize = Arbitraries.integers().between(1, 10);
    Arbitrary<Integer> minimumCalls = Arbitraries.integers().between(1, 10);
    Arbitrary<Double> failureRate = Arbitraries.of(10.0, 25.0, 50.0, 66.6, 100.0);
    Arbitrary<Double> slowRate = Arbitraries.of(100.0, 100.0, 50.0, 20.0);
    Arbitrary<Long> slowMillis = Arbitraries.longs().between(50, 1000);
    Arbitrary<Long> openMillis = Arbitraries.longs().between(100, 2000);
    Arbitrary<Tuple.Tuple2<Integer, Integer>> halfOpen = Arbitraries.integers().between(1, 4)
        .flatMap(p -> Arbitraries.integers().between(1, p).map(s -> Tuple.of(p, s)));
    return Combinators.combine(type, windowSize, minimumCalls, failureRate, slowRate, slowMillis, openMillis, halfOpen)
        .as((t, w, m, f, s, sm, om, h) -> new CircuitBreakerConfig(true, t, w, m, f, s, Duration.ofMillis(sm),
            Duration.ofMillis(om), h.get1(), h.get2()));
  }

  @Provide
  Arbitrary<List<Action>> actions() {
    Arbitrary<Action> acquire = Arbitraries.just(new Acquire());
    Arbitrary<Outcome> outcome = Arbitraries.frequency(Tuple.of(2, Outcome.SUCCESS), Tuple.of(2, Outcome.FAILURE),
        Tuple.of(2, Outcome.IGNORED));
    Arbitrary<Action> report = Combinators.combine(outcome,
        Arbitraries.longs().between(0, 1500), Arbitraries.frequencyOf(Tuple.of(3, Arbitraries.just(0)),
            Tuple.of(1, Arbitraries.integers().between(0, 1000)))).as(Report::new);
    Arbitrary<Action> advance = Arbitraries.longs().between(0, 3000).map(Advance::new);
    Arbitrary<Action> openFor = Arbitraries.longs().between(1, 8000).map(OpenFor::new);
    Arbitrary<Action> operator = Arbitraries.frequency(Tuple.of(1, Command.FORCE_OPEN),
        Tuple.of(1, Command.FORCE_CLOSED), Tuple.of(1, Command.DISABLE), Tuple.of(3, Command.RESET)).map(Operator::new);
    Arbitrary<Action> action = Arbitraries.frequencyOf(Tuple.of(8, acquire), Tuple.of(8, report),
        Tuple.of(4, advance), Tuple.of(2, openFor), Tuple.of(1, operator));
    return action.list().ofMinSize(10).ofMaxSize(100);
  }
}
