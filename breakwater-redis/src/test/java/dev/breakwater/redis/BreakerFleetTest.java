package dev.breakwater.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.breakwater.Breakwater;
import dev.breakwater.circuit.CircuitBreaker;
import dev.breakwater.circuit.CircuitBreakerConfig;
import dev.breakwater.circuit.CircuitState;
import dev.breakwater.config.Policies;
import dev.breakwater.redis.testing.Poll;
import dev.breakwater.redis.testing.OwnRedis;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Fleet-aware breakers of replicas that share one Redis, each replica with its own {@link RedisState}: openings spread,
 * one replica probes per half-open round, and with Redis gone every replica decides alone. Each test owns its
 * redis-server, since one stops it.
 */
class BreakerFleetTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
  /** Opens after 3 failures in a row; 3 probes of which 2 must succeed. */
  private static final CircuitBreakerConfig FLEET = CircuitBreakerConfig.defaults()
      .withWindow(CircuitBreakerConfig.WindowType.COUNT_BASED, 3).withMinimumCalls(3)
      .withOpenDuration(Duration.ofSeconds(2)).withHalfOpen(3, 2).withFleet(true);

  @RegisterExtension
  final OwnRedis redis = new OwnRedis();

  private Breakwater replica() {
    RedisState s = redis.connect(RedisStateConfig.standalone(redis.server().uri())
        .withCommandTimeout(Duration.ofMillis(200)));
    return Breakwater.builder().policies(Policies.builder().circuitBreaker("cb", FLEET).build())
        .breakerFleetStore(s.breakerFleetStore()).build();
  }

  private static void fail(CircuitBreaker b, int times) {
    for (int i = 0; i < times; i++) {
      assertThat(b.tryAcquirePermission()).isTrue();
      b.onFailure(0);
    }
  }

  @Test
  void anOpeningOnOneReplicaReachesTheOthers() {
    Breakwater a = replica();
    Breakwater b = replica();
    CircuitBreaker onB = b.circuitBreaker("graph", "cb");

    fail(a.circuitBreaker("graph", "cb"), 3);

    Poll.until("B's breaker opened by A", WAIT, () -> onB.state() == CircuitState.OPEN);
    assertThat(onB.remainingOpen()).isPositive().isLessThanOrEqualTo(FLEET.openDuration());
  }

  @Test
  void aReplicaStartedWhileTheBreakerIsOpenLearnsIt() {
    Breakwater a = replica();
    fail(a.circuitBreaker("graph", "cb"), 3);
    Poll.until("A's opening written", WAIT, () -> redis.server().call("KEYS", "*breaker:*") instanceof List<?> l
        && !l.isEmpty());

    Breakwater late = replica();

    Poll.until("the late replica's breaker open", WAIT,
        () -> late.circuitBreakers().values().stream().anyMatch(x -> x.state() == CircuitState.OPEN));
  }

  @Test
  void oneReplicaProbesEachHalfOpenRound() {
    List<CircuitBreaker> fleet = List.of(replica().circuitBreaker("graph", "cb"),
        replica().circuitBreaker("graph", "cb"), replica().circuitBreaker("graph", "cb"));
    fail(fleet.get(0), 3);
    Poll.until("every replica open", WAIT, () -> fleet.stream().allMatch(x -> x.state() == CircuitState.OPEN));
    int[] granted = new int[fleet.size()];

    // Ask on every replica until one has all its probes and the others lost the round (open again).
    Poll.until("the round decided", WAIT, () -> {
      for (int i = 0; i < fleet.size(); i++) {
        while (fleet.get(i).tryAcquirePermission()) {
          granted[i]++;
        }
      }
      long probing = fleet.stream().filter(x -> x.state() == CircuitState.HALF_OPEN).count();
      long waiting = fleet.stream().filter(x -> x.state() == CircuitState.OPEN).count();
      return probing == 1 && waiting == 2 && java.util.Arrays.stream(granted).sum() == FLEET.halfOpenProbes();
    });

    assertThat(java.util.Arrays.stream(granted).sum()).as("probes fleet-wide").isEqualTo(FLEET.halfOpenProbes());
    assertThat(java.util.Arrays.stream(granted).filter(n -> n > 0).count()).as("replicas probing").isEqualTo(1);
  }

  @Test
  void probesThatSucceedCloseEveryReplica() {
    CircuitBreaker a = replica().circuitBreaker("graph", "cb");
    CircuitBreaker b = replica().circuitBreaker("graph", "cb");
    fail(a, 3);
    Poll.until("B open", WAIT, () -> b.state() == CircuitState.OPEN);
    Poll.until("A wins the round", WAIT, a::tryAcquirePermission);
    a.onSuccess(0);
    assertThat(a.tryAcquirePermission()).isTrue();
    a.onSuccess(0);

    assertThat(a.state()).isEqualTo(CircuitState.CLOSED);
    Poll.until("B closed by A's probes", WAIT, () -> b.state() == CircuitState.CLOSED);
  }

  @Test
  void withRedisDownEachReplicaDecidesAlone() {
    Breakwater a = replica();
    CircuitBreaker onA = a.circuitBreaker("graph", "cb");
    CircuitBreaker onB = replica().circuitBreaker("graph", "cb");
    redis.server().stop();

    fail(onA, 3);
    Poll.until("A probes on its own once its open duration is over", WAIT, onA::tryAcquirePermission);

    assertThat(onB.state()).as("B never heard of A's opening").isEqualTo(CircuitState.CLOSED);
    assertThat(redis.states().get(0).health().degradedDecisions()).as("the claim was decided locally").isPositive();
  }
}
