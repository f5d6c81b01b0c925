package dev.breakwater.internal;

import static dev.breakwater.circuit.CircuitState.CLOSED;
import static dev.breakwater.circuit.CircuitState.FORCED_CLOSED;
import static dev.breakwater.circuit.CircuitState.HALF_OPEN;
import static dev.breakwater.circuit.CircuitState.OPEN;
import static org.assertj.core.api.Assertions.assertThat;

import dev.breakwater.circuit.CircuitBreaker;
import dev.breakwater.circuit.CircuitBreakerConfig;
import dev.breakwater.circuit.InMemoryBreakerFleetStore;
import dev.breakwater.config.Policies;
import dev.breakwater.spi.BreakerFleetStore;
import dev.breakwater.spi.BreakerFleetStore.BreakerChange;
import dev.breakwater.time.VirtualTimeSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * Fleet-aware breakers: engines sharing one in-memory fleet store behave as the replicas of a fleet, on virtual time.
 */
class FleetBreakersTest {
  private static final Duration OPEN_FOR = Duration.ofSeconds(30);
  /** Opens after 3 failures in a row; 3 probes of which 2 must succeed. */
  private static final CircuitBreakerConfig FLEET = CircuitBreakerConfig.defaults()
      .withWindow(CircuitBreakerConfig.WindowType.COUNT_BASED, 3).withMinimumCalls(3).withOpenDuration(OPEN_FOR)
      .withHalfOpen(3, 2).withFleet(true);

  private final VirtualTimeSource time = new VirtualTimeSource();
  private final List<BreakerChange> published = new ArrayList<>();
  private final BreakerFleetStore fleet = recording(new InMemoryBreakerFleetStore(time));

  /** One replica: an engine on the shared fleet store. */
  private Engine replica(CircuitBreakerConfig cb) {
    Engine.Settings s = new Engine.Settings();
    s.time = time;
    s.policies = Policies.builder().circuitBreaker("cb", cb).build();
    s.breakerFleetStore = fleet;
    return new Engine(s);
  }

  private BreakerFleetStore recording(BreakerFleetStore store) {
    return new BreakerFleetStore() {
      @Override
      public void publish(BreakerChange change) {
        published.add(change);
        store.publish(change);
      }

      @Override
      public void subscribe(Consumer<BreakerChange> listener) {
        store.subscribe(listener);
      }

      @Override
      public CompletionStage<Boolean> claimProbeRound(String key, Duration ttl) {
        return store.claimProbeRound(key, ttl);
      }
    };
  }

  private static void fail(CircuitBreaker b, int times) {
    for (int i = 0; i < times; i++) {
      assertThat(b.tryAcquirePermission()).isTrue();
      b.onFailure(0);
    }
  }

  /** Asks for permissions until refused; returns how many were granted (each call's outcome still pending). */
  private static int probesGranted(CircuitBreaker b) {
    int n = 0;
    while (n < 100 && b.tryAcquirePermission()) {
      n++;
    }
    return n;
  }

  @Test
  void anOpeningOnOneReplicaOpensTheOthersForTheTimeThatRemains() {
    Engine a = replica(FLEET);
    Engine b = replica(FLEET);
    Engine c = replica(FLEET);

    fail(a.breaker("graph", "cb"), 3);
    time.advance(Duration.ofSeconds(10));
    CircuitBreaker onB = b.breaker("graph", "cb");
    CircuitBreaker onC = c.breaker("graph", "cb");

    assertThat(onB.state()).as("B never called the upstream").isEqualTo(OPEN);
    assertThat(onC.state()).isEqualTo(OPEN);
    assertThat(onB.remainingOpen()).isEqualTo(Duration.ofSeconds(20));
    assertThat(onB.tryAcquirePermission()).isFalse();
    assertThat(published).as("only A's own opening is published, not the ones it caused").hasSize(1);
  }

  @Test
  void oneReplicaProbesEachHalfOpenRoundSoTheUpstreamSeesOnlyTheConfiguredProbes() {
    Engine a = replica(FLEET);
    Engine b = replica(FLEET);
    fail(a.breaker("graph", "cb"), 3);
    time.advance(OPEN_FOR);

    int probesA = probesGranted(a.breaker("graph", "cb"));
    int probesB = probesGranted(b.breaker("graph", "cb"));

    assertThat(probesA + probesB).as("probes fleet-wide").isEqualTo(FLEET.halfOpenProbes());
    assertThat(probesA).isEqualTo(3);
    assertThat(a.breaker("graph", "cb").state()).isEqualTo(HALF_OPEN);
    assertThat(b.breaker("graph", "cb").state()).as("B lost the round and waits another open duration")
        .isEqualTo(OPEN);
    assertThat(b.breaker("graph", "cb").remainingOpen()).isEqualTo(OPEN_FOR);
  }

  @Test
  void probesThatSucceedCloseEveryReplica() {
    Engine a = replica(FLEET);
    Engine b = replica(FLEET);
    fail(a.breaker("graph", "cb"), 3);
    time.advance(OPEN_FOR);
    CircuitBreaker onA = a.breaker("graph", "cb");
    assertThat(onA.tryAcquirePermission()).isTrue();
    assertThat(b.breaker("graph", "cb").tryAcquirePermission()).isFalse();

    onA.onSuccess(0);
    assertThat(onA.tryAcquirePermission()).isTrue();
    onA.onSuccess(0);

    assertThat(onA.state()).isEqualTo(CLOSED);
    assertThat(b.breaker("graph", "cb").state()).isEqualTo(CLOSED);
    assertThat(b.breaker("graph", "cb").tryAcquirePermission()).isTrue();
  }

  @Test
  void aFailedProbeReopensEveryReplicaForAFullOpenDuration() {
    Engine a = replica(FLEET);
    Engine b = replica(FLEET);
    fail(a.breaker("graph", "cb"), 3);
    time.advance(OPEN_FOR);
    CircuitBreaker onA = a.breaker("graph", "cb");
    CircuitBreaker onB = b.breaker("graph", "cb");
    fail(onB, 1); // B asks first after the open duration: it wins the round, and its first probe fails
    assertThat(onA.tryAcquirePermission()).as("A lost the round").isFalse();
    assertThat(onB.state()).isEqualTo(HALF_OPEN);
    time.advance(Duration.ofSeconds(5));

    fail(onB, 1); // 2 failures of 3 probes: 2 successes can no longer come

    assertThat(onB.state()).isEqualTo(OPEN);
    assertThat(onA.state()).isEqualTo(OPEN);
    assertThat(onA.remainingOpen()).as("B reopened 5 s after A was kept open: A now follows B")
        .isEqualTo(OPEN_FOR);
  }

  @Test
  void aRoundWhoseClaimantFallsSilentCanBeClaimedAgainAfterAnOpenDuration() {
    Engine a = replica(FLEET);
    Engine b = replica(FLEET);
    fail(a.breaker("graph", "cb"), 3);
    time.advance(OPEN_FOR);
    assertThat(probesGranted(a.breaker("graph", "cb"))).isEqualTo(3); // A probes, then its calls never end
    assertThat(probesGranted(b.breaker("graph", "cb"))).isZero();

    time.advance(OPEN_FOR);

    assertThat(probesGranted(b.breaker("graph", "cb"))).isEqualTo(3);
  }

  @Test
  void tenantBreakersAreSharedPerTenant() {
    Engine a = replica(FLEET);
    Engine b = replica(FLEET);

    fail(a.tenantBreakers("graph", "cb").get("t1"), 3);

    assertThat(b.tenantBreakers("graph", "cb").get("t1").state()).isEqualTo(OPEN);
    assertThat(b.tenantBreakers("graph", "cb").get("t2").state()).isEqualTo(CLOSED);
    assertThat(b.breaker("graph", "cb").state()).as("the upstream's shared breaker is another breaker")
        .isEqualTo(CLOSED);
  }

  @Test
  void aBreakerThatIsNotFleetAwareKeepsToItself() {
    Engine a = replica(FLEET.withFleet(false));
    Engine b = replica(FLEET.withFleet(false));

    fail(a.breaker("graph", "cb"), 3);
    time.advance(OPEN_FOR);

    assertThat(published).isEmpty();
    assertThat(b.breaker("graph", "cb").state()).isEqualTo(CLOSED);
    assertThat(probesGranted(a.breaker("graph", "cb"))).isEqualTo(3);
  }

  @Test
  void aFleetBreakerAloneBehavesAsOneBreaker() {
    Engine.Settings s = new Engine.Settings();
    s.time = time;
    s.policies = Policies.builder().circuitBreaker("cb", FLEET).build();
    Engine alone = new Engine(s); // the default fleet store: this engine only
    CircuitBreaker br = alone.breaker("graph", "cb");

    fail(br, 3);
    time.advance(OPEN_FOR);

    assertThat(probesGranted(br)).isEqualTo(3);
    br.onSuccess(0);
    br.onSuccess(0);
    assertThat(br.state()).isEqualTo(CLOSED);
  }

  @Test
  void operatorStatesIgnoreTheFleet() {
    Engine a = replica(FLEET);
    Engine b = replica(FLEET);
    b.breaker("graph", "cb").forceClosed();

    fail(a.breaker("graph", "cb"), 3);

    assertThat(b.breaker("graph", "cb").state()).isEqualTo(FORCED_CLOSED);
  }

  @Test
  void aReloadedEngineKeepsHearingTheFleet() {
    Engine a = replica(FLEET);
    Engine before = replica(FLEET);
    Engine.Settings s = new Engine.Settings();
    s.time = time;
    s.policies = Policies.builder().circuitBreaker("cb", FLEET.withMinimumCalls(2).withWindow(
        CircuitBreakerConfig.WindowType.COUNT_BASED, 2)).build();
    s.breakerFleetStore = fleet;
    s.previous = before;
    Engine after = new Engine(s);

    fail(a.breaker("graph", "cb"), 3);

    assertThat(after.breaker("graph", "cb").state()).isEqualTo(OPEN);
    assertThat(published).hasSize(1);
  }

  @Test
  void replicasRacingIntoHalfOpenSendOnlyTheConfiguredProbesInAll() throws Exception {
    List<Engine> replicas = List.of(replica(FLEET), replica(FLEET), replica(FLEET), replica(FLEET));
    fail(replicas.get(0).breaker("graph", "cb"), 3);
    replicas.forEach(r -> r.breaker("graph", "cb"));
    time.advance(OPEN_FOR);
    ExecutorService pool = Executors.newFixedThreadPool(8);
    CountDownLatch start = new CountDownLatch(1);
    try {
      List<Future<Integer>> granted = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        CircuitBreaker br = replicas.get(t % 4).breaker("graph", "cb");
        granted.add(pool.submit(() -> {
          start.await();
          int n = 0;
          for (int i = 0; i < 1_000; i++) {
            if (br.tryAcquirePermission()) {
              n++;
            }
          }
          return n;
        }));
      }
      start.countDown();
      int total = 0;
      for (Future<Integer> f : granted) {
        total += f.get(30, TimeUnit.SECONDS);
      }

      assertThat(total).isEqualTo(FLEET.halfOpenProbes());
    } finally {
      pool.shutdownNow();
    }
  }
}
