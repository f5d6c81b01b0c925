package dev.breakwater.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.breakwater.Degradation;
import dev.breakwater.spi.ControlStore;
import dev.breakwater.time.VirtualTimeSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * The control plane: operators' settings over health rules' over defaults, narrower targets over wider ones, every
 * replica applying a store's changes in revision order, settings lapsing on virtual time, and one change event per
 * change of a target's effective value.
 */
class ControlPlaneTest {
  private static final ControlKey GLOBAL_LEVEL = ControlKey.of(ControlKind.DEGRADATION, Target.global());
  private static final ControlKey GRAPH_LEVEL = ControlKey.of(ControlKind.DEGRADATION, Target.upstream("graph"));
  private static final ControlKey MAIL_LEVEL = ControlKey.of(ControlKind.DEGRADATION, Target.route("mail"));

  private final VirtualTimeSource time = new VirtualTimeSource(1_700_000_000_000L);
  private final InMemoryControlStore store = new InMemoryControlStore();
  private final ControlPlane plane = started(store);
  private final List<ControlChange> changes = new ArrayList<>();

  {
    plane.addListener(changes::add);
  }

  private ControlPlane started(ControlStore s) {
    ControlPlane p = new ControlPlane(s, time);
    p.start(null).toCompletableFuture().join();
    return p;
  }

  private static Setting level(Degradation d) {
    return new Setting.Level(d);
  }

  @Test
  void nothingSetMeansTheDefaultsFromTheDefaultSource() {
    assertThat(plane.level("mail", "graph")).isEqualTo(Degradation.NORMAL);
    assertThat(plane.breaker("graph")).isNull();
    assertThat(plane.arm("mail", "graph", "contoso")).isEqualTo(Arm.RESILIENT);
    EffectiveSetting e = plane.effective(GLOBAL_LEVEL);
    assertThat(e.source()).isEqualTo(ControlSource.DEFAULT);
    assertThat(e.setting()).isEqualTo(level(Degradation.NORMAL));
    assertThat(plane.effectiveAll()).extracting(s -> s.key().kind())
        .containsExactly(ControlKind.DEGRADATION, ControlKind.ENABLED, ControlKind.ROLLOUT);
  }

  @Test
  void anOperatorsUpstreamLevelAppliesToThatUpstreamOnlyAndSaysWhoSetIt() {
    EffectiveSetting e = plane.set(GRAPH_LEVEL, level(Degradation.READ_ONLY), "oncall", null)
        .toCompletableFuture().join();
    assertThat(e.source()).isEqualTo(ControlSource.OPERATOR);
    assertThat(e.setBy()).isEqualTo("oncall");
    assertThat(plane.level("mail", "graph")).isEqualTo(Degradation.READ_ONLY);
    assertThat(plane.level("files", "drive")).isEqualTo(Degradation.NORMAL);
    assertThat(changes).containsExactly(new ControlChange(GRAPH_LEVEL, level(Degradation.NORMAL),
        level(Degradation.READ_ONLY), ControlSource.OPERATOR, "oncall"));
  }

  @Test
  void aNarrowerTargetWinsWithinOneSource() {
    plane.set(GLOBAL_LEVEL, level(Degradation.DEGRADED), "oncall", null);
    plane.set(GRAPH_LEVEL, level(Degradation.READ_ONLY), "oncall", null);
    plane.set(MAIL_LEVEL, level(Degradation.MAINTENANCE), "oncall", null);
    assertThat(plane.level("mail", "graph")).isEqualTo(Degradation.MAINTENANCE);
    assertThat(plane.level("calendar", "graph")).isEqualTo(Degradation.READ_ONLY);
    assertThat(plane.level("files", "drive")).isEqualTo(Degradation.DEGRADED);
    assertThat(plane.level(null, null)).isEqualTo(Degradation.DEGRADED);
  }

  @Test
  void anOperatorSettingWinsOverEveryHealthRuleAndClearingItGivesTheRuleBack() {
    plane.setByRule(GRAPH_LEVEL, level(Degradation.DEGRADED), "graph-breaker-open");
    assertThat(plane.level("mail", "graph")).isEqualTo(Degradation.DEGRADED);
    assertThat(plane.effective(GRAPH_LEVEL).source()).isEqualTo(ControlSource.HEALTH_RULE);

    // Even a wider operator setting (global NORMAL) holds the rule off: operators are in charge.
    plane.set(GLOBAL_LEVEL, level(Degradation.NORMAL), "oncall", null);
    assertThat(plane.level("mail", "graph")).isEqualTo(Degradation.NORMAL);

    plane.clear(GLOBAL_LEVEL, "oncall");
    assertThat(plane.level("mail", "graph")).isEqualTo(Degradation.DEGRADED);

    plane.set(GRAPH_LEVEL, level(Degradation.READ_ONLY), "oncall", null);
    plane.clear(GRAPH_LEVEL, "oncall2");
    assertThat(plane.effective(GRAPH_LEVEL)).isEqualTo(new EffectiveSetting(GRAPH_LEVEL, level(Degradation.DEGRADED),
        ControlSource.HEALTH_RULE, "graph-breaker-open", 0));
    plane.clearRule(GRAPH_LEVEL, "graph-breaker-open");
    assertThat(changes).extracting(c -> c.key() + " " + c.from().text() + "->" + c.to().text() + " " + c.source()
        + " by " + c.by()).containsExactly(
        "degradation@upstream:graph NORMAL->DEGRADED HEALTH_RULE by graph-breaker-open",
        "degradation@global NORMAL->NORMAL OPERATOR by oncall",
        "degradation@global NORMAL->NORMAL DEFAULT by oncall",
        "degradation@upstream:graph DEGRADED->READ_ONLY OPERATOR by oncall",
        "degradation@upstream:graph READ_ONLY->DEGRADED HEALTH_RULE by oncall2",
        "degradation@upstream:graph DEGRADED->NORMAL DEFAULT by graph-breaker-open");
  }

  @Test
  void aRuleThatSaysTheSameAgainIsNoChange() {
    plane.setByRule(GRAPH_LEVEL, level(Degradation.DEGRADED), "r");
    plane.setByRule(GRAPH_LEVEL, level(Degradation.DEGRADED), "r");
    plane.clearRule(MAIL_LEVEL, "r");
    assertThat(changes).hasSize(1);
  }

  @Test
  void aSettingWithAnExpiryLapsesOnTimeAndSaysSo() {
    plane.set(GRAPH_LEVEL, level(Degradation.MAINTENANCE), "oncall", Duration.ofMinutes(5));
    assertThat(plane.effective(GRAPH_LEVEL).expiresAtMillis()).isEqualTo(time.epochMillis() + 300_000);
    time.advance(Duration.ofMinutes(5).minusMillis(1));
    assertThat(plane.level(null, "graph")).isEqualTo(Degradation.MAINTENANCE);
    time.advance(Duration.ofMillis(1));
    assertThat(plane.level(null, "graph")).isEqualTo(Degradation.NORMAL);
    assertThat(changes).last().satisfies(c -> {
      assertThat(c.by()).isEqualTo("expiry");
      assertThat(c.source()).isEqualTo(ControlSource.DEFAULT);
    });
  }

  @Test
  void aSettingReplacedBeforeItsExpiryIsNotRemovedByTheOldTimer() {
    plane.set(GRAPH_LEVEL, level(Degradation.MAINTENANCE), "oncall", Duration.ofMinutes(1));
    plane.set(GRAPH_LEVEL, level(Degradation.READ_ONLY), "oncall", null);
    time.advance(Duration.ofMinutes(2));
    assertThat(plane.level(null, "graph")).isEqualTo(Degradation.READ_ONLY);
  }

  @Test
  void everyPlaneOnOneStoreSeesEveryChange() {
    ControlPlane other = started(store);
    plane.set(GRAPH_LEVEL, level(Degradation.READ_ONLY), "oncall", null);
    assertThat(other.level(null, "graph")).isEqualTo(Degradation.READ_ONLY);
    assertThat(other.effective(GRAPH_LEVEL).setBy()).isEqualTo("oncall");
    other.clear(GRAPH_LEVEL, "oncall");
    assertThat(plane.level(null, "graph")).isEqualTo(Degradation.NORMAL);
    // A plane started later loads what the store holds.
    plane.set(ControlKey.of(ControlKind.BREAKER, Target.upstream("graph")), new Setting.Breaker(BreakerMode.OPEN),
        "oncall", null);
    assertThat(started(store).breaker("graph")).isEqualTo(BreakerMode.OPEN);
  }

  @Test
  void changesArrivingOutOfOrderEndInTheStoresOrder() {
    ReorderingStore s = new ReorderingStore();
    ControlPlane p = started(s);
    ControlEntry first = entry(GRAPH_LEVEL, Degradation.READ_ONLY, 1);
    ControlEntry second = entry(GRAPH_LEVEL, Degradation.MAINTENANCE, 2);
    s.listener.onPut(second);
    s.listener.onPut(first); // the older one arrives late: ignored
    assertThat(p.level(null, "graph")).isEqualTo(Degradation.MAINTENANCE);
    s.listener.onRemove(GRAPH_LEVEL, "oncall", 4);
    s.listener.onPut(entry(GRAPH_LEVEL, Degradation.DEGRADED, 3)); // older than the removal: ignored
    assertThat(p.level(null, "graph")).isEqualTo(Degradation.NORMAL);
    s.listener.onPut(entry(GRAPH_LEVEL, Degradation.DEGRADED, 5));
    assertThat(p.level(null, "graph")).isEqualTo(Degradation.DEGRADED);
  }

  @Test
  void aResyncReplacesWhatWasMissedButKeepsChangesNewerThanItself() {
    ReorderingStore s = new ReorderingStore();
    ControlPlane p = started(s);
    s.listener.onPut(entry(GRAPH_LEVEL, Degradation.READ_ONLY, 3));
    s.listener.onPut(entry(MAIL_LEVEL, Degradation.MAINTENANCE, 7));
    // The snapshot (read at revision 5) lacks the mail level set at 7, and says graph's was removed by then.
    s.listener.onResync(new ControlStore.Snapshot(List.of(entry(GLOBAL_LEVEL, Degradation.DEGRADED, 4)), 5));
    assertThat(p.level(null, "graph")).isEqualTo(Degradation.DEGRADED);
    assertThat(p.level("mail", "graph")).isEqualTo(Degradation.MAINTENANCE);
    // Anything at or before the snapshot's revision is old news now.
    s.listener.onPut(entry(GRAPH_LEVEL, Degradation.READ_ONLY, 5));
    assertThat(p.level(null, "graph")).isEqualTo(Degradation.DEGRADED);
    // An older snapshot than one applied changes nothing.
    s.listener.onResync(new ControlStore.Snapshot(List.of(), 2));
    assertThat(p.level(null, "files")).isEqualTo(Degradation.DEGRADED);
  }

  @Test
  void aLapsedEntryInTheStoreIsNotApplied() {
    ReorderingStore s = new ReorderingStore();
    ControlPlane p = started(s);
    s.listener.onResync(new ControlStore.Snapshot(List.of(new ControlEntry(GRAPH_LEVEL, level(Degradation.MAINTENANCE),
        "oncall", time.epochMillis() - 10_000, time.epochMillis() - 1, 1)), 1));
    assertThat(p.level(null, "graph")).isEqualTo(Degradation.NORMAL);
  }

  @Test
  void theKillSwitchPassesEveryCallThroughWhereItIsOff() {
    plane.set(ControlKey.of(ControlKind.ENABLED, Target.upstream("graph")), new Setting.Enabled(false), "oncall",
        null);
    assertThat(plane.arm("mail", "graph", "contoso")).isEqualTo(Arm.PASS_THROUGH);
    assertThat(plane.arm("files", "drive", "contoso")).isEqualTo(Arm.RESILIENT);
    plane.set(ControlKey.of(ControlKind.ENABLED, Target.route("mail")), new Setting.Enabled(true), "oncall", null);
    assertThat(plane.arm("mail", "graph", "contoso")).isEqualTo(Arm.RESILIENT);
  }

  @Test
  void aRolloutAppliesThePoliciesToAStableShareOfTenants() {
    plane.set(ControlKey.of(ControlKind.ROLLOUT, Target.global()), new Setting.Rollout(10), "oncall", null);
    ControlPlane replica = started(store);
    int resilient = 0;
    for (int i = 0; i < 20_000; i++) {
      String tenant = "tenant-" + i;
      Arm arm = plane.arm("mail", "graph", tenant);
      assertThat(replica.arm("mail", "graph", tenant)).isEqualTo(arm);
      assertThat(plane.arm("mail", "graph", tenant)).isEqualTo(arm);
      resilient += arm == Arm.RESILIENT ? 1 : 0;
    }
    assertThat(resilient).isBetween(1_800, 2_200);
    // Growing the share keeps every tenant already in it (10 % -> 50 %: only tenants join).
    List<String> in = new ArrayList<>();
    for (int i = 0; i < 2_000; i++) {
      if (plane.arm(null, null, "t" + i) == Arm.RESILIENT) {
        in.add("t" + i);
      }
    }
    plane.set(ControlKey.of(ControlKind.ROLLOUT, Target.global()), new Setting.Rollout(50), "oncall", null);
    in.forEach(t -> assertThat(plane.arm(null, null, t)).isEqualTo(Arm.RESILIENT));
    plane.set(ControlKey.of(ControlKind.ROLLOUT, Target.global()), new Setting.Rollout(0), "oncall", null);
    assertThat(plane.arm(null, null, in.get(0))).isEqualTo(Arm.PASS_THROUGH);
  }

  @Test
  void badSettingsAreRefusedNamingTheField() {
    assertThatThrownBy(() -> new Setting.Rollout(101)).hasMessage(
        "rollout: 101 (expected: a percentage from 0 to 100)");
    assertThatThrownBy(() -> ControlKind.ROLLOUT.parse("ten")).hasMessageContaining("rollout: ten");
    assertThatThrownBy(() -> ControlKind.DEGRADATION.parse("panic")).hasMessage(
        "degradation: panic (expected: one of normal, degraded, read_only, cached_only, emergency, maintenance)");
    assertThatThrownBy(() -> ControlKey.of(ControlKind.BREAKER, Target.global())).hasMessage(
        "breaker target: global (expected: upstream:NAME)");
    assertThatThrownBy(() -> Target.upstream("")).hasMessage("a upstream target needs a name");
    assertThat(ControlKind.DEGRADATION.parse("read-only")).isEqualTo(level(Degradation.READ_ONLY));
  }

  private ControlEntry entry(ControlKey key, Degradation d, long revision) {
    return new ControlEntry(key, level(d), "oncall", time.epochMillis(), 0, revision);
  }

  /** A store whose deliveries the test makes, in whatever order it likes (as a network may). */
  private static final class ReorderingStore implements ControlStore {
    Listener listener;

    @Override
    public java.util.concurrent.CompletionStage<ControlEntry> put(ControlEntry entry) {
      throw new UnsupportedOperationException();
    }

    @Override
    public java.util.concurrent.CompletionStage<Long> remove(ControlKey key, String by) {
      throw new UnsupportedOperationException();
    }

    @Override
    public java.util.concurrent.CompletionStage<Snapshot> readAll() {
      return java.util.concurrent.CompletableFuture.completedFuture(new Snapshot(List.of(), 0));
    }

    @Override
    public void subscribe(Listener l) {
      this.listener = l;
    }
  }
}
