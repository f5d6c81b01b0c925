package dev.breakwater.gateway.upstream.balance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.breakwater.gateway.upstream.balance.EndpointEvent.Kind;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How the selector chooses endpoints, ejects them, fails over and fails back, on virtual time. */
class EndpointSelectorTest {

  @Test
  void callsGoRoundRobinOverTheFirstGroupOnly() {
    Selectors s = new Selectors(3, 2);
    List<Integer> picks = new ArrayList<>();
    for (int k = 0; k < 6; k++) {
      picks.add(s.selector.pick(0));
    }
    assertThat(picks).containsExactly(0, 1, 2, 0, 1, 2);
  }

  @Test
  void aRetryGoesToAnEndpointTheCallHasNotTriedThenToTheNextGroup() {
    Selectors s = new Selectors(2, 1);
    int first = s.selector.pick(0);
    int second = s.selector.pick(1L << first);
    int third = s.selector.pick((1L << first) | (1L << second));
    assertThat(List.of(first, second)).containsExactlyInAnyOrder(0, 1);
    assertThat(third).isEqualTo(2);
    assertThat(s.selector.pick(0b111)).isEqualTo(-1);
  }

  @Test
  void consecutiveFailuresEjectAnEndpointAndASuccessStartsTheCountAgain() {
    Selectors s = new Selectors(2);
    s.fail(0, 2);
    s.selector.record(0, Outcome.SUCCESS);
    s.fail(0, 2);
    assertThat(s.selector.status().endpoints().get(0).ejected()).isFalse();
    s.selector.record(0, Outcome.TIMEOUT);
    assertThat(s.selector.status().endpoints().get(0).ejected()).isTrue();
    assertThat(s.events).extracting(EndpointEvent::kind).containsExactly(Kind.EJECTED);
    for (int k = 0; k < 5; k++) {
      assertThat(s.selector.pick(0)).isEqualTo(1);
    }
  }

  @Test
  void anEjectionLastsTheBaseThenDoublesUpToTheMaximum() {
    Selectors s = new Selectors(2);
    List<Duration> ejections = new ArrayList<>();
    for (int round = 0; round < 5; round++) {
      s.fail(0, 3);
      EndpointEvent e = s.events.get(s.events.size() - 1);
      assertThat(e.kind()).isEqualTo(Kind.EJECTED);
      ejections.add(e.ejection());
      s.advance(e.ejection().minusMillis(1));
      assertThat(s.selector.status().endpoints().get(0).ejected()).as("before its end").isTrue();
      s.advance(Duration.ofMillis(1));
      assertThat(s.selector.status().endpoints().get(0).ejected()).as("at its end").isFalse();
    }
    assertThat(ejections).containsExactly(Duration.ofSeconds(10), Duration.ofSeconds(20), Duration.ofSeconds(40),
        Duration.ofSeconds(60), Duration.ofSeconds(60));
  }

  @Test
  void anEndpointThatServedAWholeMaximumEjectionStartsAgainAtTheBase() {
    Selectors s = new Selectors(2);
    s.fail(0, 3);
    s.advance(Duration.ofSeconds(10));
    s.fail(0, 3);
    assertThat(s.events.get(s.events.size() - 1).ejection()).isEqualTo(Duration.ofSeconds(20));
    s.advance(Duration.ofSeconds(20));
    s.advance(Duration.ofSeconds(60));
    s.fail(0, 3);
    assertThat(s.events.get(s.events.size() - 1).ejection()).isEqualTo(Duration.ofSeconds(10));
  }

  @Test
  void healthChecksMarkAnEndpointUnhealthyAndHealthyAtTheirThresholds() {
    Selectors s = new Selectors(2);
    s.check(0, false, 2);
    assertThat(s.selector.status().endpoints().get(0).healthy()).isTrue();
    s.check(0, false, 1);
    assertThat(s.selector.status().endpoints().get(0).healthy()).isFalse();
    s.check(0, true, 1);
    assertThat(s.selector.status().endpoints().get(0).healthy()).isFalse();
    s.check(0, true, 1);
    assertThat(s.selector.status().endpoints().get(0).healthy()).isTrue();
    assertThat(s.events).extracting(EndpointEvent::kind).containsExactly(Kind.UNHEALTHY, Kind.HEALTHY);
  }

  @Test
  void whenTheGroupInUseHasNoEndpointLeftCallsFailOverToTheNextGroup() {
    Selectors s = new Selectors(2, 1, 1);
    s.fail(0, 3);
    assertThat(s.selector.status().activeGroup()).isEqualTo("g0");
    s.fail(1, 3);
    assertThat(s.selector.status().activeGroup()).isEqualTo("g1");
    assertThat(s.events.get(s.events.size() - 1)).satisfies(e -> {
      assertThat(e.kind()).isEqualTo(Kind.FAILOVER);
      assertThat(e.fromGroup()).isEqualTo("g0");
      assertThat(e.group()).isEqualTo("g1");
      assertThat(e.describe()).isEqualTo("upstream graph failed over from group g0 to group g1");
    });
    assertThat(s.selector.pick(0)).isEqualTo(2);
  }

  @Test
  void withNoEndpointAvailableCallsAreTriedAnywayInPriorityOrder() {
    Selectors s = new Selectors(1, 1);
    s.check(0, false, 3);
    s.check(1, false, 3);
    assertThat(s.selector.pick(0)).isEqualTo(0);
    assertThat(s.selector.pick(1)).isEqualTo(1);
  }

  @Test
  void aRecoveredPrimaryTakesCallsBackInStepsAfterItsHealthyChecks() {
    Selectors s = new Selectors(1, 1);
    s.check(0, false, 3);
    assertThat(s.selector.status().activeGroup()).isEqualTo("g1");
    s.check(0, true, 9);
    assertThat(s.selector.status().failbackGroup()).as("after 9 checks").isNull();
    assertThat(s.callsTo("g0", 100, Outcome.SUCCESS)).isZero();
    s.check(0, true, 1);
    List<Integer> shares = new ArrayList<>();
    for (int step = 0; step < 4; step++) {
      shares.add(s.callsTo("g0", 200, Outcome.SUCCESS) / 2);
      s.advance(Duration.ofSeconds(29));
      assertThat(s.selector.status().failbackPercent()).as("within the window").isEqualTo(shares.get(step));
      s.advance(Duration.ofSeconds(1));
    }
    assertThat(shares).containsExactly(5, 25, 50, 100);
    assertThat(s.failbackSteps()).containsExactly("FAILBACK_STEP 5", "FAILBACK_STEP 25", "FAILBACK_STEP 50",
        "FAILBACK_STEP 100", "FAILBACK_DONE 100");
    assertThat(s.selector.status().activeGroup()).isEqualTo("g0");
    assertThat(s.callsTo("g0", 100, Outcome.SUCCESS)).isEqualTo(100);
  }

  @Test
  void aStepWithTooManyErrorsGoesBackToThePreviousStep() {
    Selectors s = Selectors.failingBackAtTheSecondStep();
    assertThat(s.selector.status().failbackPercent()).isEqualTo(25);
    // 25 calls to the primary, 2 failing: 8 % > 5 %. Two failures in a row do not reach the ejection threshold.
    for (int k = 0; k < 100; k++) {
      int i = s.selector.pick(0);
      boolean primary = s.group(i).equals("g0");
      s.selector.record(i, primary && (k == 3 || k == 43) ? Outcome.FAILURE : Outcome.SUCCESS);
    }
    s.advance(Duration.ofSeconds(30));
    assertThat(s.selector.status().failbackPercent()).isEqualTo(5);
    assertThat(s.failbackSteps()).containsExactly("FAILBACK_STEP 5", "FAILBACK_STEP 25", "FAILBACK_ROLLED_BACK 5");
  }

  @Test
  void errorsAtTheFirstStepStopTheFailbackUntilTheChecksPassAgain() {
    Selectors s = new Selectors(1, 1);
    s.check(0, false, 3);
    s.check(0, true, 10);
    s.callsTo("g0", 100, Outcome.FAILURE); // 5 calls to the primary, every one failing: ejected at the third
    s.advance(Duration.ofSeconds(30));
    assertThat(s.selector.status().failbackGroup()).isNull();
    assertThat(s.failbackSteps()).containsExactly("FAILBACK_STEP 5", "FAILBACK_ROLLED_BACK 0");
    s.advance(Duration.ofSeconds(10)); // the ejection ends; the checks still have to pass 10 times
    s.check(0, true, 9);
    assertThat(s.selector.status().failbackGroup()).isNull();
    s.check(0, true, 1);
    assertThat(s.selector.status().failbackPercent()).isEqualTo(5);
  }

  @Test
  void aFailbackStopsWhenItsGroupFailsItsChecks() {
    Selectors s = new Selectors(1, 1);
    s.check(0, false, 3);
    s.check(0, true, 10);
    assertThat(s.selector.status().failbackPercent()).isEqualTo(5);
    s.check(0, false, 3);
    assertThat(s.selector.status().failbackGroup()).isNull();
    assertThat(s.callsTo("g0", 100, Outcome.SUCCESS)).isZero();
  }

  @Test
  void withoutHealthChecksAPrimaryFailsBackOnceItsEjectionEnds() {
    Selectors s = new Selectors(null, Selectors.FAILBACK, 1, 1);
    s.fail(0, 3);
    assertThat(s.selector.status().activeGroup()).isEqualTo("g1");
    s.advance(Duration.ofSeconds(10));
    assertThat(s.selector.status().failbackPercent()).isEqualTo(5);
    assertThat(s.events).extracting(EndpointEvent::kind).containsExactly(Kind.EJECTED, Kind.FAILOVER,
        Kind.RESTORED, Kind.FAILBACK_STEP);
  }

  @Test
  void theGroupInUseFailingDuringAFailbackHandsAllCallsToTheRecoveredGroup() {
    Selectors s = new Selectors(1, 1);
    s.check(0, false, 3);
    s.check(0, true, 10);
    s.check(1, false, 3);
    assertThat(s.selector.status().activeGroup()).isEqualTo("g0");
    assertThat(s.selector.status().failbackGroup()).isNull();
    assertThat(s.callsTo("g0", 100, Outcome.SUCCESS)).isEqualTo(100);
  }

  @Test
  void aShardedUpstreamKeepsEachTenantsCallsOnItsShardEvenWhenItIsDown() {
    Selectors s = new Selectors(Selectors.CHECKS, Selectors.FAILBACK,
        new dev.breakwater.gateway.config.ShardingConfig(java.util.Map.of("contoso", "g1")), 2, 1);
    int shard = s.selector.shardOf("contoso");
    assertThat(shard).isEqualTo(1);
    assertThat(s.selector.pick(0, shard)).isEqualTo(2);
    s.check(2, false, 3);
    assertThat(s.selector.pick(0, shard)).as("no other shard holds the tenant's data").isEqualTo(2);
    assertThat(s.selector.pick(1L << 2, shard)).isEqualTo(-1);
    assertThat(s.events).extracting(EndpointEvent::kind).containsExactly(Kind.UNHEALTHY);
    s.fail(0, 3);
    assertThat(s.selector.pick(0, 0)).as("the other endpoint of shard g0").isEqualTo(1);
  }
}
