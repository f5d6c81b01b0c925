package dev.breakwater.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.breakwater.Breakwater;
import dev.breakwater.BreakwaterException;
import dev.breakwater.CallContext;
import dev.breakwater.Degradation;
import dev.breakwater.ErrorCode;
import dev.breakwater.OperationKind;
import dev.breakwater.Pipeline;
import dev.breakwater.circuit.CircuitBreaker;
import dev.breakwater.circuit.CircuitBreakerConfig;
import dev.breakwater.circuit.CircuitState;
import dev.breakwater.config.PipelineConfig;
import dev.breakwater.config.Policies;
import dev.breakwater.event.BreakwaterListener;
import dev.breakwater.time.VirtualTimeSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The engine reads its degradation levels and forced breakers from its control plane: per route as well as per
 * upstream, over a reload, and its listeners hear of each change.
 */
class EngineControlTest {
  private final VirtualTimeSource time = new VirtualTimeSource();
  private final List<ControlChange> heard = new ArrayList<>();
  private final BreakwaterListener listener = new BreakwaterListener() {
    @Override
    public void onControlChange(ControlChange change) {
      heard.add(change);
    }
  };

  private Breakwater engine(Breakwater previous) {
    Breakwater.Builder b = Breakwater.builder().timeSource(time).executor(Runnable::run).listener(listener)
        .policies(Policies.builder().circuitBreaker("cb", CircuitBreakerConfig.defaults()).build());
    if (previous != null) {
      b.replacing(previous);
    }
    return b.build();
  }

  private static Pipeline<String> pipeline(Breakwater bw, String route) {
    return bw.<String>pipeline(PipelineConfig.named(route).withUpstream("graph").withCircuitBreaker("cb")).build();
  }

  private static CallContext write() {
    return CallContext.builder().tenant("contoso").operation("send").kind(OperationKind.WRITE).build();
  }

  @Test
  void aRouteLevelRejectsThatRouteOnly() {
    Breakwater bw = engine(null);
    Pipeline<String> mail = pipeline(bw, "mail");
    Pipeline<String> calendar = pipeline(bw, "calendar");
    bw.controlPlane().set(ControlKey.of(ControlKind.DEGRADATION, Target.route("mail")),
        new Setting.Level(Degradation.READ_ONLY), "oncall", null);
    assertThatThrownBy(() -> mail.execute(write(), () -> "sent"))
        .isInstanceOfSatisfying(BreakwaterException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.READ_ONLY));
    assertThat(calendar.execute(write(), () -> "sent")).isEqualTo("sent");
  }

  @Test
  void cachedOnlyAnswersFromTheCacheOrAStaleEntryAndNeverCallsTheUpstream() {
    Breakwater bw = Breakwater.builder().timeSource(time).executor(Runnable::run)
        .policies(Policies.builder().cache("c", dev.breakwater.cache.CacheConfig.of(Duration.ofSeconds(30))
            .withStaleIfError(Duration.ofMinutes(5))).build()).build();
    Pipeline<String> folders = bw.<String>pipeline(PipelineConfig.named("folders").withUpstream("graph")
        .withCache("c")).build();
    CallContext cached = CallContext.builder().tenant("contoso").operation("folders").resource("/a").build();
    CallContext other = CallContext.builder().tenant("contoso").operation("folders").resource("/b").build();
    int[] upstreamCalls = {0};
    assertThat(folders.execute(cached, () -> "fresh-" + ++upstreamCalls[0])).isEqualTo("fresh-1");

    bw.controlPlane().set(ControlKey.of(ControlKind.DEGRADATION, Target.upstream("graph")),
        new Setting.Level(Degradation.CACHED_ONLY), "oncall", null);
    assertThat(folders.execute(cached, () -> "fresh-" + ++upstreamCalls[0])).isEqualTo("fresh-1");
    time.advance(Duration.ofMinutes(1)); // past the ttl, inside stale-if-error
    assertThat(folders.execute(cached, () -> "fresh-" + ++upstreamCalls[0])).isEqualTo("fresh-1");
    assertThatThrownBy(() -> folders.execute(other, () -> "fresh-" + ++upstreamCalls[0]))
        .isInstanceOfSatisfying(BreakwaterException.class, e -> {
          assertThat(e.code()).isEqualTo(ErrorCode.DEGRADED);
          assertThat(e.retryAfter()).contains(Duration.ofSeconds(30));
        });
    CallContext write = CallContext.builder().tenant("contoso").operation("send").kind(OperationKind.WRITE).build();
    assertThatThrownBy(() -> folders.execute(write, () -> "sent"))
        .isInstanceOfSatisfying(BreakwaterException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.DEGRADED));
    assertThat(upstreamCalls[0]).isEqualTo(1);
  }

  @Test
  void degradedShedsNonEssentialWorkAndEmergencyRunsOnlyCriticalCalls() {
    Breakwater bw = engine(null);
    Pipeline<String> mail = pipeline(bw, "mail");
    CallContext.Builder read = CallContext.builder().tenant("contoso").operation("list");
    CallContext optional = read.criticality(dev.breakwater.Criticality.NON_ESSENTIAL).build();
    CallContext standard = read.criticality(dev.breakwater.Criticality.STANDARD).build();
    CallContext critical = read.criticality(dev.breakwater.Criticality.CRITICAL).build();
    ControlKey global = ControlKey.of(ControlKind.DEGRADATION, Target.global());

    bw.controlPlane().set(global, new Setting.Level(Degradation.DEGRADED), "oncall", null);
    assertThatThrownBy(() -> mail.execute(optional, () -> "ok"))
        .isInstanceOfSatisfying(BreakwaterException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.DEGRADED));
    assertThat(mail.execute(standard, () -> "ok")).isEqualTo("ok");

    bw.controlPlane().set(global, new Setting.Level(Degradation.EMERGENCY), "oncall", null);
    assertThatThrownBy(() -> mail.execute(standard, () -> "ok"))
        .isInstanceOfSatisfying(BreakwaterException.class, e -> {
          assertThat(e.code()).isEqualTo(ErrorCode.DEGRADED);
          assertThat(e.retryAfter()).contains(Duration.ofSeconds(60));
        });
    assertThat(mail.execute(critical, () -> "ok")).isEqualTo("ok");
    CallContext criticalWrite = critical.toBuilder().kind(OperationKind.WRITE).build();
    assertThat(mail.execute(criticalWrite, () -> "sent")).isEqualTo("sent");
  }

  @Test
  void theEnginesOwnApiGoesThroughTheControlPlane() {
    Breakwater bw = engine(null);
    bw.setDegradation("graph", Degradation.MAINTENANCE);
    assertThat(bw.controlPlane().effective(ControlKey.of(ControlKind.DEGRADATION, Target.upstream("graph"))))
        .satisfies(e -> {
          assertThat(e.source()).isEqualTo(ControlSource.OPERATOR);
          assertThat(e.setBy()).isEqualTo("api");
        });
    assertThat(bw.degradation("graph")).isEqualTo(Degradation.MAINTENANCE);
    bw.setDegradation("graph", null);
    assertThat(bw.degradation("graph")).isEqualTo(Degradation.NORMAL);
    assertThat(heard).hasSize(2);
  }

  @Test
  void aForcedBreakerStateReachesExistingAndNewBreakersAndIsReleasedWhenCleared() {
    Breakwater bw = engine(null);
    CircuitBreaker before = bw.circuitBreaker("graph", "cb");
    ControlKey key = ControlKey.of(ControlKind.BREAKER, Target.upstream("graph"));
    bw.controlPlane().set(key, new Setting.Breaker(BreakerMode.OPEN), "oncall", Duration.ofMinutes(10));
    assertThat(before.state()).isEqualTo(CircuitState.FORCED_OPEN);

    Breakwater reloaded = engine(bw);
    Breakwater.Builder fresh = Breakwater.builder().timeSource(time).controlPlane(bw.controlPlane())
        .policies(Policies.builder().circuitBreaker("other", CircuitBreakerConfig.defaults()).build());
    assertThat(fresh.build().circuitBreaker("graph", "other").state()).isEqualTo(CircuitState.FORCED_OPEN);
    assertThat(reloaded.circuitBreaker("graph", "cb").state()).isEqualTo(CircuitState.FORCED_OPEN);

    time.advance(Duration.ofMinutes(10));
    assertThat(reloaded.circuitBreaker("graph", "cb").state()).isEqualTo(CircuitState.CLOSED);
  }

  @Test
  void aReloadKeepsTheSettingsAndOnlyTheEngineInForceHearsOfChanges() {
    Breakwater old = engine(null);
    old.setDegradation(Degradation.DEGRADED);
    heard.clear();
    Breakwater reloaded = engine(old);
    assertThat(reloaded.degradation("graph")).isEqualTo(Degradation.DEGRADED);
    reloaded.setDegradation(Degradation.NORMAL);
    assertThat(heard).hasSize(1); // not once per engine ever built
  }
}
