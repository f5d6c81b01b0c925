package dev.breakwater.gateway.health;

import static org.assertj.core.api.Assertions.assertThat;

import dev.breakwater.Degradation;
import dev.breakwater.control.ControlKey;
import dev.breakwater.control.ControlKind;
import dev.breakwater.control.ControlPlane;
import dev.breakwater.control.ControlSource;
import dev.breakwater.control.Setting;
import dev.breakwater.control.Target;
import dev.breakwater.gateway.config.HealthConfig;
import dev.breakwater.gateway.config.HealthConfig.Rule;
import dev.breakwater.gateway.config.HealthConfig.Signal;
import dev.breakwater.time.VirtualTimeSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Health rules on virtual time: a signal sets a level at its target and lets go after its exit condition, never
 * before its minimum dwell, however the signal flaps; the most severe of the entered rules wins; an operator's setting
 * wins over all of them; each transition is one webhook body.
 */
class HealthRulesTest {
  private static final ControlKey GRAPH = ControlKey.of(ControlKind.DEGRADATION, Target.upstream("graph"));
  private static final ControlKey GLOBAL = ControlKey.of(ControlKind.DEGRADATION, Target.global());

  private final VirtualTimeSource time = new VirtualTimeSource(1_700_000_000_000L);
  private final ControlPlane control = ControlPlane.inMemory(time);
  private final Signals signals = new Signals();
  private final List<String> posted = new ArrayList<>();
  private final HealthRules rules = new HealthRules(control, signals, time, posted::add, Runnable::run);

  /** The signals as the test sets them: the input of the rules under test. */
  private static final class Signals implements HealthSignals {
    boolean breakerOpen;
    boolean storeDown;
    double errorRate = Double.NaN;
    double endpointsDown = Double.NaN;

    @Override
    public boolean breakerOpen(String upstream) {
      return breakerOpen && upstream.equals("graph");
    }

    @Override
    public boolean stateStoreUnreachable() {
      return storeDown;
    }

    @Override
    public double errorRate(String upstream, Duration window, int minCalls) {
      return errorRate;
    }

    @Override
    public double slowCallRate(String upstream, Duration slowerThan, Duration window, int minCalls) {
      return Double.NaN;
    }

    @Override
    public double burnRate(String slo, String sli, String window) {
      return Double.NaN;
    }

    @Override
    public double endpointsDown(String upstream) {
      return upstream.equals("graph") ? endpointsDown : Double.NaN;
    }
  }

  private static Rule breakerRule(Degradation level, Duration dwell) {
    return new Rule("graph-breaker", Signal.BREAKER_OPEN, "graph", null, null, Duration.ofMinutes(1), null,
        Double.NaN, Double.NaN, 10, level, Target.upstream("graph"), dwell);
  }

  private static Rule errorRule(double enter, double exit) {
    return new Rule("graph-errors", Signal.ERROR_RATE, "graph", null, null, Duration.ofMinutes(1), null, enter, exit,
        10, Degradation.READ_ONLY, Target.upstream("graph"), Duration.ofSeconds(30));
  }

  private void configure(Rule... r) {
    rules.configure(new HealthConfig(List.of(r), null, Duration.ofSeconds(1)));
  }

  private void tick(Duration d) {
    time.advance(d);
  }

  @Test
  void anOpenBreakerSetsTheLevelAndItIsLiftedOnceClosedAndTheDwellHasPassed() {
    configure(breakerRule(Degradation.DEGRADED, Duration.ofSeconds(30)));
    tick(Duration.ofSeconds(1));
    assertThat(control.level(null, "graph")).isEqualTo(Degradation.NORMAL);

    signals.breakerOpen = true;
    tick(Duration.ofSeconds(1)); // entered at once: no dwell is owed before the first entry
    assertThat(control.level(null, "graph")).isEqualTo(Degradation.DEGRADED);
    assertThat(control.effective(GRAPH).source()).isEqualTo(ControlSource.HEALTH_RULE);
    assertThat(control.effective(GRAPH).setBy()).isEqualTo("graph-breaker");

    signals.breakerOpen = false;
    tick(Duration.ofSeconds(29)); // closed, but the rule has held for 29 s only
    assertThat(control.level(null, "graph")).isEqualTo(Degradation.DEGRADED);
    tick(Duration.ofSeconds(1));
    assertThat(control.level(null, "graph")).isEqualTo(Degradation.NORMAL);
    assertThat(posted).hasSize(2);
    assertThat(posted.get(0)).contains("\"rule\":\"graph-breaker\"", "\"transition\":\"entered\"",
        "\"level\":\"DEGRADED\"", "\"target\":\"upstream:graph\"", "\"operator_holds\":false");
    assertThat(posted.get(1)).contains("\"transition\":\"exited\"");
  }

  @Test
  void anUpstreamWhoseEndpointsAllFailTheirChecksIsServedFromCacheUntilHalfAreBack() {
    configure(new Rule("graph-down", Signal.ENDPOINTS_DOWN, "graph", null, null, Duration.ofMinutes(1), null, 100, 50,
        10, Degradation.CACHED_ONLY, Target.upstream("graph"), Duration.ofSeconds(10)));
    signals.endpointsDown = 50; // one of two regions down: failover handles it
    tick(Duration.ofSeconds(1));
    assertThat(control.level(null, "graph")).isEqualTo(Degradation.NORMAL);

    signals.endpointsDown = 100;
    tick(Duration.ofSeconds(1));
    assertThat(control.level(null, "graph")).isEqualTo(Degradation.CACHED_ONLY);
    assertThat(control.effective(GRAPH).setBy()).isEqualTo("graph-down");

    signals.endpointsDown = 50; // at the exit threshold, once the dwell has passed
    tick(Duration.ofSeconds(10));
    assertThat(control.level(null, "graph")).isEqualTo(Degradation.NORMAL);
  }

  @Test
  void aFlappingSignalDoesNotFlapTheLevel() {
    configure(breakerRule(Degradation.DEGRADED, Duration.ofSeconds(30)));
    List<Degradation> seen = new ArrayList<>();
    for (int i = 0; i < 120; i++) {
      signals.breakerOpen = i % 2 == 0; // open one second, closed the next, for two minutes
      tick(Duration.ofSeconds(1));
      Degradation now = control.level(null, "graph");
      if (seen.isEmpty() || seen.get(seen.size() - 1) != now) {
        seen.add(now);
      }
    }
    // Each state held at least 30 s: at most one switch per 30 s over 120 s.
    assertThat(seen.size()).isLessThanOrEqualTo(5);
    assertThat(posted.size()).isEqualTo(seen.size() - 1 + (seen.get(0) == Degradation.NORMAL ? 0 : 1));
  }

  @Test
  void separateEnterAndExitThresholdsHoldTheLevelInBetween() {
    configure(errorRule(50, 10));
    signals.errorRate = 60;
    tick(Duration.ofSeconds(1));
    assertThat(control.level(null, "graph")).isEqualTo(Degradation.READ_ONLY);
    signals.errorRate = 30; // below enter, above exit: stays
    tick(Duration.ofMinutes(2));
    assertThat(control.level(null, "graph")).isEqualTo(Degradation.READ_ONLY);
    signals.errorRate = Double.NaN; // too few calls to tell: counts as recovered
    tick(Duration.ofSeconds(1));
    assertThat(control.level(null, "graph")).isEqualTo(Degradation.NORMAL);
    signals.errorRate = 45; // below enter: does not enter
    tick(Duration.ofMinutes(1));
    assertThat(control.level(null, "graph")).isEqualTo(Degradation.NORMAL);
  }

  @Test
  void theMostSevereEnteredRuleWinsAtATarget() {
    configure(breakerRule(Degradation.DEGRADED, Duration.ZERO), errorRule(50, 10));
    signals.breakerOpen = true;
    signals.errorRate = 90;
    tick(Duration.ofSeconds(1));
    assertThat(control.level(null, "graph")).isEqualTo(Degradation.READ_ONLY);
    assertThat(control.effective(GRAPH).setBy()).isEqualTo("graph-errors");
    signals.errorRate = 0;
    tick(Duration.ofSeconds(31));
    assertThat(control.level(null, "graph")).isEqualTo(Degradation.DEGRADED);
    assertThat(control.effective(GRAPH).setBy()).isEqualTo("graph-breaker");
  }

  @Test
  void anOperatorSettingWinsAndTheWebhookSaysSo() {
    control.set(GLOBAL, new Setting.Level(Degradation.NORMAL), "oncall", null);
    configure(breakerRule(Degradation.MAINTENANCE, Duration.ZERO));
    signals.breakerOpen = true;
    tick(Duration.ofSeconds(1));
    assertThat(control.level("mail", "graph")).isEqualTo(Degradation.NORMAL);
    assertThat(control.effective(GRAPH).source()).isEqualTo(ControlSource.HEALTH_RULE); // the rule's, held off
    assertThat(posted).singleElement().asString().contains("\"operator_holds\":true");
    control.clear(GLOBAL, "oncall");
    assertThat(control.level("mail", "graph")).isEqualTo(Degradation.MAINTENANCE);
  }

  @Test
  void theStateStoreSignalSetsAGlobalLevel() {
    configure(new Rule("redis-down", Signal.STATE_STORE_UNREACHABLE, null, null, null, Duration.ofMinutes(1), null,
        Double.NaN, Double.NaN, 10, Degradation.READ_ONLY, Target.global(), Duration.ofSeconds(10)));
    signals.storeDown = true;
    tick(Duration.ofSeconds(1));
    assertThat(control.level("any", "other")).isEqualTo(Degradation.READ_ONLY);
    signals.storeDown = false;
    tick(Duration.ofSeconds(10));
    assertThat(control.level("any", "other")).isEqualTo(Degradation.NORMAL);
  }

  @Test
  void aReloadKeepsAnUnchangedRulesStateAndLetsGoOfARemovedRulesLevel() {
    configure(breakerRule(Degradation.DEGRADED, Duration.ofMinutes(5)));
    signals.breakerOpen = true;
    tick(Duration.ofSeconds(1));
    signals.breakerOpen = false;
    configure(breakerRule(Degradation.DEGRADED, Duration.ofMinutes(5)));
    tick(Duration.ofSeconds(1));
    assertThat(control.level(null, "graph")).isEqualTo(Degradation.DEGRADED); // still dwelling
    configure();
    assertThat(control.level(null, "graph")).isEqualTo(Degradation.NORMAL);
    assertThat(control.effective(GRAPH).source()).isEqualTo(ControlSource.DEFAULT);
  }
}
