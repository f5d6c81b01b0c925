package dev.breakwater.gateway.fault;

import static org.assertj.core.api.Assertions.assertThat;

import dev.breakwater.control.ControlPlane;
import dev.breakwater.control.InMemoryControlStore;
import dev.breakwater.fault.FaultKind;
import dev.breakwater.fault.FaultSpec;
import dev.breakwater.fault.FaultTarget;
import dev.breakwater.time.VirtualTimeSource;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** Which calls a drill may hit, which attempts it does hit, and when it ends: on virtual time, with chosen draws. */
class FaultDrillsTest {
  private static final Function<String, String> NO_HEADERS = name -> null;

  private final VirtualTimeSource time = new VirtualTimeSource(1_000_000L);
  private final Deque<Double> draws = new ArrayDeque<>();
  private final FaultDrills drills = new FaultDrills(time, () -> draws.isEmpty() ? 0.0 : draws.poll());

  FaultDrillsTest() {
    drills.follow(ControlPlane.inMemory(time));
  }

  private Fault start(FaultSpec spec) {
    return drills.start(spec, "ops").toCompletableFuture().join();
  }

  private boolean end(String id) {
    return drills.end(id, "ops").toCompletableFuture().join();
  }

  private static FaultSpec abort(FaultTarget target, double percent, String tenant, FaultSpec.HeaderMatch header,
      Duration duration) {
    return FaultSpec.of(FaultKind.ABORT, target, null, null, null, percent, tenant, header, duration);
  }

  @Test
  void withoutDrillsNoCallIsACandidate() {
    assertThat(drills.candidates("r", "u", "t", NO_HEADERS)).isEmpty();
    assertThat(drills.active()).isEmpty();
  }

  @Test
  void aDrillAimedAtATenantNeverTouchesAnotherTenant() {
    Fault f = start(abort(FaultTarget.upstream("mail"), 100, "test-tenant", null, null));
    assertThat(drills.candidates("list", "mail", "test-tenant", NO_HEADERS)).containsExactly(f);
    assertThat(drills.candidates("list", "mail", "customer", NO_HEADERS)).isEmpty();
    assertThat(drills.candidates("list", "mail", null, NO_HEADERS)).isEmpty();
  }

  @Test
  void aRouteTargetHitsThatRouteOnlyAndAnUpstreamTargetEveryRouteToIt() {
    Fault route = start(abort(FaultTarget.route("list"), 100, null, null, null));
    Fault upstream = start(abort(FaultTarget.upstream("files"), 100, null, null, null));
    assertThat(drills.candidates("list", "mail", "t", NO_HEADERS)).containsExactly(route);
    assertThat(drills.candidates("send", "mail", "t", NO_HEADERS)).isEmpty();
    assertThat(drills.candidates("upload", "files", "t", NO_HEADERS)).containsExactly(upstream);
    assertThat(drills.candidates("download", "files", "t", NO_HEADERS)).containsExactly(upstream);
  }

  @Test
  void aHeaderDrillHitsOnlyCallsCarryingThatValue() {
    Fault f = start(abort(FaultTarget.route("list"), 100, null, new FaultSpec.HeaderMatch("X-Drill", "on"),
        null));
    assertThat(drills.candidates("list", "mail", "t", Map.of("X-Drill", "on")::get)).containsExactly(f);
    assertThat(drills.candidates("list", "mail", "t", Map.of("X-Drill", "off")::get)).isEmpty();
    assertThat(drills.candidates("list", "mail", "t", NO_HEADERS)).isEmpty();
  }

  @Test
  void eachAttemptDrawsThePercentAnew() {
    Fault f = start(abort(FaultTarget.route("list"), 30, null, null, null));
    Fault[] candidates = drills.candidates("list", "mail", "t", NO_HEADERS);
    draws.addAll(List.of(0.10, 0.29, 0.30, 0.95));
    assertThat(drills.draw(candidates)).isEqualTo(f); // 10 < 30
    assertThat(drills.draw(candidates)).isEqualTo(f); // 29 < 30
    assertThat(drills.draw(candidates)).isNull(); // 30 is not below 30
    assertThat(drills.draw(candidates)).isNull();
  }

  @Test
  void zeroPercentNeverHitsAndAHundredAlwaysDoes() {
    Fault none = start(abort(FaultTarget.route("a"), 0, null, null, null));
    Fault all = start(abort(FaultTarget.route("b"), 100, null, null, null));
    draws.addAll(List.of(0.0, 0.999999));
    assertThat(drills.draw(new Fault[] {none})).isNull();
    assertThat(drills.draw(new Fault[] {all})).isEqualTo(all);
  }

  @Test
  void aDrillEndsByItselfAtItsExpiryEvenForACallAlreadyUnderWay() {
    Fault f = start(abort(FaultTarget.route("list"), 100, null, null, Duration.ofMinutes(5)));
    assertThat(f.expiresAtMillis() - f.startedAtMillis()).isEqualTo(Duration.ofMinutes(5).toMillis());
    Fault[] candidates = drills.candidates("list", "mail", "t", NO_HEADERS);
    time.advance(Duration.ofMinutes(5).minusMillis(1));
    assertThat(drills.draw(candidates)).isEqualTo(f);
    time.advance(Duration.ofMillis(1));
    assertThat(drills.draw(candidates)).as("a retry after the expiry reaches the upstream").isNull();
    assertThat(drills.candidates("list", "mail", "t", NO_HEADERS)).isEmpty();
    assertThat(drills.active()).isEmpty();
  }

  @Test
  void withoutADurationADrillLastsTenMinutes() {
    Fault f = start(abort(FaultTarget.route("list"), 100, null, null, null));
    time.advance(Duration.ofMinutes(10).minusMillis(1));
    assertThat(drills.active()).containsExactly(f);
    time.advance(Duration.ofMillis(1));
    assertThat(drills.active()).isEmpty();
  }

  @Test
  void anOperatorEndsADrillByItsId() {
    Fault f = start(abort(FaultTarget.route("list"), 100, null, null, null));
    Fault other = start(abort(FaultTarget.upstream("list"), 100, null, null, null));
    assertThat(f.id()).isEqualTo("route:list");
    assertThat(other.id()).isEqualTo("upstream:list");
    assertThat(end(f.id())).isTrue();
    assertThat(end(f.id())).isFalse();
    assertThat(end("route:no-such-route")).isFalse();
    assertThat(drills.active()).containsExactly(other);
  }

  @Test
  void aReloadKeepsTheEndOfAnUnchangedFileDrillAndReArmsAChangedOne() {
    FaultSpec slow = abort(FaultTarget.route("list"), 100, null, null, Duration.ofMinutes(10));
    FaultSpec busy = abort(FaultTarget.route("send"), 50, null, null, Duration.ofMinutes(10));
    Map<String, FaultSpec> file = new LinkedHashMap<>();
    file.put("slow", slow);
    file.put("busy", busy);
    drills.configure(file);
    Fault operators = start(abort(FaultTarget.route("x"), 100, null, null, null));
    long slowEnd = drills.active().get(0).expiresAtMillis();

    time.advance(Duration.ofMinutes(4));
    file.put("busy", abort(FaultTarget.route("send"), 60, null, null, Duration.ofMinutes(10)));
    drills.configure(file);
    Map<String, Fault> byId = new LinkedHashMap<>();
    drills.active().forEach(f -> byId.put(f.id(), f));
    assertThat(byId.get("slow").expiresAtMillis()).as("unchanged: not extended").isEqualTo(slowEnd);
    assertThat(byId.get("busy").expiresAtMillis()).isEqualTo(time.epochMillis() + Duration.ofMinutes(10).toMillis());
    assertThat(byId.get(operators.id())).as("an operator's drill outlives a reload").isEqualTo(operators);

    drills.configure(Map.of());
    assertThat(drills.active()).containsExactly(operators);
    assertThat(end("slow")).as("a file drill is ended by the file").isFalse();
  }

  @Test
  void aNewDrillOnTheSameTargetReplacesTheOld() {
    start(abort(FaultTarget.route("list"), 100, "a", null, null));
    Fault second = start(abort(FaultTarget.route("list"), 100, "b", null, null));
    assertThat(drills.active()).containsExactly(second);
    assertThat(drills.candidates("list", "mail", "a", NO_HEADERS)).isEmpty();
  }

  @Test
  void aDrillStartedOnOneReplicaRunsOnEveryReplicaAndEndsAtItsExpiryOnAll() {
    InMemoryControlStore store = new InMemoryControlStore();
    FaultDrills a = replica(store);
    FaultDrills b = replica(store);
    Fault f = a.start(abort(FaultTarget.upstream("mail"), 100, "test-tenant", null, Duration.ofMinutes(3)), "ops")
        .toCompletableFuture().join();
    assertThat(b.active()).containsExactly(f);
    assertThat(b.candidates("list", "mail", "test-tenant", NO_HEADERS)).containsExactly(f);

    time.advance(Duration.ofMinutes(3));
    assertThat(a.active()).isEmpty();
    assertThat(b.active()).isEmpty();
    assertThat(b.candidates("list", "mail", "test-tenant", NO_HEADERS)).isEmpty();
  }

  @Test
  void aDrillEndedOnOneReplicaEndsOnEveryReplicaAndALateReplicaSeesTheDrillsInForce() {
    InMemoryControlStore store = new InMemoryControlStore();
    FaultDrills a = replica(store);
    FaultDrills b = replica(store);
    Fault kept = a.start(abort(FaultTarget.route("send"), 100, null, null, null), "ops").toCompletableFuture().join();
    Fault ended = a.start(abort(FaultTarget.route("list"), 100, null, null, null), "ops").toCompletableFuture()
        .join();
    assertThat(b.end(ended.id(), "ops").toCompletableFuture().join()).isTrue();
    assertThat(a.active()).containsExactly(kept);
    assertThat(replica(store).active()).as("a replica that starts now").containsExactly(kept);
  }

  private FaultDrills replica(InMemoryControlStore store) {
    ControlPlane plane = new ControlPlane(store, time);
    plane.start(null).toCompletableFuture().join();
    FaultDrills d = new FaultDrills(time, () -> 0.0);
    d.follow(plane);
    return d;
  }
}
