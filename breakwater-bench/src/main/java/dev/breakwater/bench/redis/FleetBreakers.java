package dev.breakwater.bench.redis;

import static dev.breakwater.bench.redis.Bench.out;

import dev.breakwater.Breakwater;
import dev.breakwater.circuit.CircuitBreaker;
import dev.breakwater.circuit.CircuitBreakerConfig;
import dev.breakwater.circuit.CircuitState;
import dev.breakwater.config.Policies;
import dev.breakwater.redis.RedisState;
import dev.breakwater.redis.RedisStateConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Fleet-aware breakers against per-replica ones. {@code --replicas} engines in one JVM, each with its own
 * {@link RedisState} (own connections and subscription) on one Redis, stand for the replicas of a fleet. A dead
 * upstream is a counter that fails every call it receives (what an upstream answering 503 at once looks like to the
 * breaker: the permission, the call, the failure). Two loads: every replica sending {@code --rate} calls/s, and
 * skewed replicas sending {@code --skewed} calls/s each (a busy replica and quiet ones). Each load runs for
 * {@code --seconds}, first with {@code fleet: false}, then with {@code fleet: true}, and reports the calls that
 * reached the upstream: while closed (before the breaker opened) and as half-open probes, and per half-open round
 * (one open duration of the fleet).
 *
 * <p>Then the propagation delay: replica A opens a breaker of a new upstream by failing calls; the others poll their
 * breaker of that upstream (yielding the CPU between reads) until it reads OPEN, up to 1 s; {@code --openings}
 * openings, 5 ms apart, after {@code --warmup} untimed ones.
 */
public final class FleetBreakers {
  private FleetBreakers() {}

  public static void main(String[] argv) throws Exception {
    Map<String, String> a = Bench.args(argv);
    int port = Bench.intArg(a, "port", 6379);
    int replicas = Bench.intArg(a, "replicas", 4);
    int seconds = Bench.intArg(a, "seconds", 30);
    int rate = Bench.intArg(a, "rate", 200);
    String skewed = a.getOrDefault("skewed", "400,100,40,10");
    int openings = Bench.intArg(a, "openings", 200);
    int warmup = Bench.intArg(a, "warmup", 200);
    Duration open = Duration.ofMillis(Bench.intArg(a, "open-ms", 2000));
    CircuitBreakerConfig cb = CircuitBreakerConfig.defaults()
        .withWindow(CircuitBreakerConfig.WindowType.COUNT_BASED, 20).withMinimumCalls(10)
        .withFailureRateThreshold(50).withOpenDuration(open).withHalfOpen(3, 2);
    out("config.replicas", replicas);
    out("config.seconds", seconds);
    out("config.rate_per_replica", rate);
    out("config.skewed_rates", skewed);
    out("config.open_ms", open.toMillis());
    out("config.half_open_probes", cb.halfOpenProbes());
    int[] even = new int[replicas];
    java.util.Arrays.fill(even, rate);
    int[] uneven = java.util.Arrays.stream(skewed.split(",")).mapToInt(Integer::parseInt).toArray();
    for (boolean fleet : new boolean[] {false, true}) {
      load(port, seconds, even, cb.withFleet(fleet), fleet ? "fleet" : "local");
    }
    for (boolean fleet : new boolean[] {false, true}) {
      load(port, seconds, uneven, cb.withFleet(fleet), fleet ? "skewed_fleet" : "skewed_local");
    }
    propagation(port, replicas, openings, warmup, cb.withFleet(true));
    System.exit(0);
  }

  private static List<RedisState> connect(int port, int n) {
    List<RedisState> states = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      states.add(RedisState.connect(RedisStateConfig.standalone(Bench.uri(port))));
    }
    return states;
  }

  private static Breakwater engine(RedisState s, CircuitBreakerConfig cb) {
    return Breakwater.builder().policies(Policies.builder().circuitBreaker("cb", cb).build())
        .breakerFleetStore(s.breakerFleetStore()).build();
  }

  /** Steady load on every replica against the dead upstream; prints what reached it. */
  private static void load(int port, int seconds, int[] rates, CircuitBreakerConfig cb, String mode)
      throws Exception {
    int replicas = rates.length;
    List<RedisState> states = connect(port, replicas);
    String upstream = "dead-" + mode + "-" + Long.toString(System.nanoTime(), 36);
    AtomicLong closedCalls = new AtomicLong();
    AtomicLong probeCalls = new AtomicLong();
    AtomicLong refused = new AtomicLong();
    AtomicInteger[] halfOpens = new AtomicInteger[replicas];
    long[] perReplica = new long[replicas];
    List<Thread> threads = new ArrayList<>();
    CountDownLatch go = new CountDownLatch(1);
    long runNanos = seconds * 1_000_000_000L;
    for (int r = 0; r < replicas; r++) {
      CircuitBreaker b = engine(states.get(r), cb).circuitBreaker(upstream, "cb");
      AtomicInteger h = halfOpens[r] = new AtomicInteger();
      b.addListener((x, from, to, reason) -> {
        if (to == CircuitState.HALF_OPEN) {
          h.incrementAndGet();
        }
      });
      int replica = r;
      long periodNanos = 1_000_000_000L / rates[r];
      Thread t = new Thread(() -> {
        try {
          go.await();
        } catch (InterruptedException e) {
          return;
        }
        long start = System.nanoTime();
        long next = start;
        long mine = 0;
        while (System.nanoTime() - start < runNanos) {
          if (b.tryAcquirePermission()) {
            // The dead upstream: every call that reaches it is counted and fails.
            (b.state() == CircuitState.HALF_OPEN ? probeCalls : closedCalls).incrementAndGet();
            mine++;
            b.onFailure(0);
          } else {
            refused.incrementAndGet();
          }
          next += periodNanos;
          long wait = next - System.nanoTime();
          if (wait > 0) {
            LockSupport.parkNanos(wait);
          }
        }
        perReplica[replica] = mine;
      }, "replica-" + r);
      t.start();
      threads.add(t);
    }
    go.countDown();
    for (Thread t : threads) {
      t.join();
    }
    int rounds = 0;
    int entries = 0;
    for (AtomicInteger h : halfOpens) {
      rounds = Math.max(rounds, h.get());
      entries += h.get();
    }
    out(mode + ".upstream_calls", closedCalls.get() + probeCalls.get());
    out(mode + ".closed_calls", closedCalls.get());
    out(mode + ".probe_calls", probeCalls.get());
    out(mode + ".refused", refused.get());
    out(mode + ".rounds", rounds);
    out(mode + ".half_open_entries", entries);
    out(mode + ".probes_per_round", rounds == 0 ? 0.0 : probeCalls.get() / (double) rounds);
    StringBuilder sb = new StringBuilder();
    for (long c : perReplica) {
      sb.append(sb.length() == 0 ? "" : "/").append(c);
    }
    out(mode + ".per_replica", sb);
    long degraded = 0;
    for (RedisState s : states) {
      degraded += s.health().degradedDecisions();
      s.close();
    }
    out(mode + ".degraded_decisions", degraded);
  }

  /** Openings on replica A, timed until each other replica reads its breaker OPEN. */
  private static void propagation(int port, int replicas, int n, int warmup, CircuitBreakerConfig cb)
      throws Exception {
    List<RedisState> states = connect(port, replicas);
    List<Breakwater> engines = new ArrayList<>();
    for (RedisState s : states) {
      engines.add(engine(s, cb));
    }
    String run = Long.toString(System.nanoTime(), 36);
    Bench.Recorder each = new Bench.Recorder(n * replicas);
    Bench.Recorder all = new Bench.Recorder(n);
    int missed = 0;
    for (int i = -warmup; i < n; i++) {
      String upstream = "u-" + run + "-" + i;
      List<CircuitBreaker> others = new ArrayList<>();
      for (int r = 1; r < replicas; r++) {
        others.add(engines.get(r).circuitBreaker(upstream, "cb"));
      }
      CircuitBreaker origin = engines.get(0).circuitBreaker(upstream, "cb");
      long t0 = 0;
      while (origin.state() != CircuitState.OPEN) {
        t0 = System.nanoTime();
        origin.tryAcquirePermission();
        origin.onFailure(0);
      }
      boolean[] seen = new boolean[others.size()];
      int left = others.size();
      long last = 0;
      while (left > 0) {
        long now = System.nanoTime();
        if (now - t0 > 1_000_000_000L) {
          break;
        }
        for (int k = 0; k < seen.length; k++) {
          if (!seen[k] && others.get(k).state() == CircuitState.OPEN) {
            seen[k] = true;
            left--;
            last = now - t0;
            if (i >= 0) {
              each.record(now - t0);
            }
          }
        }
        Thread.yield(); // 2 CPUs: a pure spin would starve the I/O threads that deliver the message
      }
      if (i >= 0) {
        if (left > 0) {
          missed++;
        } else {
          all.record(last);
        }
      }
      Thread.sleep(5);
    }
    out("prop.openings", n);
    out("prop.missed", missed);
    Bench.latencies("prop.each", Bench.Recorder.merged(List.of(each)));
    Bench.latencies("prop.all", Bench.Recorder.merged(List.of(all)));
    for (RedisState s : states) {
      s.close();
    }
  }
}
