package dev.breakwater.bench.redis;

import static dev.breakwater.bench.redis.Bench.out;

import dev.breakwater.ratelimit.RateLimitConfig;
import dev.breakwater.ratelimit.RateLimitScope;
import dev.breakwater.redis.RedisState;
import dev.breakwater.redis.RedisStateConfig;
import dev.breakwater.spi.RateLimitStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Over-admission of a saturated limit shared by a fleet: {@code --instances} RedisState instances (separate
 * connections, as separate processes would have) with {@code --threads} threads each call
 * {@code tryAcquire(limit, key, 1)} back to back for {@code --seconds} on one TENANT bucket of {@code --rate}/s with a
 * burst of {@code --burst}, far more often than it admits. Admissions are counted against the most GCRA may admit
 * over the run, {@code rate x elapsed + burst} (the bucket starts full and unused; elapsed runs from the release of
 * the start barrier to the end of the last call). {@code --mode lease} turns on
 * {@code withLeasing(--lease-tokens, --lease-ttl-ms)}, {@code --mode plain} leaves it off.
 */
public final class OverAdmission {
  private OverAdmission() {}

  public static void main(String[] argv) throws Exception {
    Map<String, String> a = Bench.args(argv);
    int port = Bench.intArg(a, "port", 6379);
    int instances = Bench.intArg(a, "instances", 4);
    int threads = Bench.intArg(a, "threads", 2);
    double seconds = Bench.doubleArg(a, "seconds", 5);
    int rate = Bench.intArg(a, "rate", 1000);
    int burst = Bench.intArg(a, "burst", 100);
    int leaseTokens = Bench.intArg(a, "lease-tokens", 20);
    int leaseTtlMs = Bench.intArg(a, "lease-ttl-ms", 100);
    String mode = a.getOrDefault("mode", "lease");
    String p = "over." + mode;

    RedisStateConfig cfg = RedisStateConfig.standalone(Bench.uri(port));
    if (mode.equals("lease")) {
      cfg = cfg.withLeasing(leaseTokens, Duration.ofMillis(leaseTtlMs));
      out(p + ".lease_tokens", leaseTokens);
      out(p + ".lease_ttl_ms", leaseTtlMs);
    }
    RateLimitConfig limit = RateLimitConfig.of("over", RateLimitScope.TENANT, rate, Duration.ofSeconds(1))
        .withBurst(burst);
    String key = "over-" + mode + "-" + System.nanoTime();
    List<RedisState> states = new ArrayList<>();
    for (int i = 0; i < instances; i++) {
      states.add(RedisState.connect(cfg));
    }
    // Warm the connections and the script cache on another key of the same limit.
    for (RedisState s : states) {
      for (int i = 0; i < 200; i++) {
        s.rateLimitStore().tryAcquire(limit, "warm-" + i, 1);
      }
    }
    int total = instances * threads;
    CyclicBarrier start = new CyclicBarrier(total + 1);
    AtomicLong admitted = new AtomicLong();
    AtomicLong decisions = new AtomicLong();
    AtomicLong lastEnd = new AtomicLong(Long.MIN_VALUE);
    long[] bounds = new long[2];
    List<Thread> ts = new ArrayList<>();
    for (int i = 0; i < total; i++) {
      RateLimitStore store = states.get(i % instances).rateLimitStore();
      Thread t = new Thread(() -> {
        long ok = 0;
        long n = 0;
        long last = 0;
        try {
          start.await();
          long end = bounds[1];
          while (System.nanoTime() - end < 0) {
            if (store.tryAcquire(limit, key, 1).isAllowed()) {
              ok++;
            }
            n++;
            last = System.nanoTime();
          }
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
        admitted.addAndGet(ok);
        decisions.addAndGet(n);
        long l = last;
        lastEnd.accumulateAndGet(l, Math::max);
      }, "over-" + i);
      ts.add(t);
      t.start();
    }
    bounds[0] = System.nanoTime();
    bounds[1] = bounds[0] + (long) (seconds * 1e9);
    start.await();
    for (Thread t : ts) {
      t.join();
    }
    double elapsed = (lastEnd.get() - bounds[0]) / 1e9;
    double bound = rate * elapsed + burst;
    long degraded = 0;
    for (RedisState s : states) {
      degraded += s.health().degradedDecisions();
      s.close();
    }
    out(p + ".instances", instances);
    out(p + ".threads", total);
    out(p + ".rate", rate);
    out(p + ".burst", burst);
    out(p + ".elapsed_s", elapsed);
    out(p + ".decisions", decisions.get());
    out(p + ".admitted", admitted.get());
    out(p + ".bound", bound);
    out(p + ".excess_pct", Math.max(0, admitted.get() - bound) / bound * 100);
    out(p + ".admitted_over_bound_pct", admitted.get() / bound * 100);
    out(p + ".degraded_decisions", degraded);
    System.exit(0);
  }
}
