package dev.breakwater.bench.redis;

import static dev.breakwater.bench.redis.Bench.out;

import dev.breakwater.ratelimit.RateLimitConfig;
import dev.breakwater.redis.RedisState;
import dev.breakwater.redis.RedisStateConfig;
import dev.breakwater.spi.RateLimitStore;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.LongAdder;

/**
 * Decisions per second through {@code tryAcquireAllAsync} with a fixed number of decisions in flight
 * ({@code --concurrency}, like {@code redis-benchmark -c}), one TENANT limit of 1,000,000/s (burst 1,000,000: every
 * decision is admitted and runs the whole script), on random tenants {@code t<12 digits>} out of {@code --keyspace},
 * the key shape {@code redis-benchmark -r} produces with {@code __rand_int__}. One issuing thread acquires a slot,
 * sends the decision and the completion frees the slot. {@code --requests} decisions are timed after
 * {@code --warmup} untimed ones.
 */
public final class Throughput {
  private Throughput() {}

  public static void main(String[] argv) throws Exception {
    Map<String, String> a = Bench.args(argv);
    int port = Bench.intArg(a, "port", 6379);
    int c = Bench.intArg(a, "concurrency", 50);
    int requests = Bench.intArg(a, "requests", 200_000);
    int warmup = Bench.intArg(a, "warmup", 50_000);
    int keyspace = Bench.intArg(a, "keyspace", 100_000);
    List<RateLimitConfig> limits = Bench.limits(1, 1_000_000);
    @SuppressWarnings("unchecked")
    List<String>[] keys = new List[keyspace];
    for (int i = 0; i < keyspace; i++) {
      keys[i] = List.of(String.format(Locale.ROOT, "t%012d", i));
    }
    try (RedisState state = RedisState.connect(RedisStateConfig.standalone(Bench.uri(port)));
        Resp admin = new Resp("127.0.0.1", port)) {
      RateLimitStore store = state.rateLimitStore();
      run(store, limits, keys, c, warmup, new LongAdder());
      LongAdder admitted = new LongAdder();
      double cpu0 = Bench.processCpuSeconds();
      double srv0 = admin.serverCpuSeconds();
      long t0 = System.nanoTime();
      run(store, limits, keys, c, requests, admitted);
      long t1 = System.nanoTime();
      double cpu1 = Bench.processCpuSeconds();
      double srv1 = admin.serverCpuSeconds();
      double s = (t1 - t0) / 1e9;
      out("tput.bw.concurrency", c);
      out("tput.bw.requests", requests);
      out("tput.bw.admitted", admitted.sum());
      out("tput.bw.seconds", s);
      out("tput.bw.rate", requests / s);
      out("tput.bw.jvm_cpu_s", cpu1 - cpu0);
      out("tput.bw.server_cpu_s", srv1 - srv0);
      out("tput.bw.degraded_decisions", state.health().degradedDecisions());
    }
    System.exit(0);
  }

  private static void run(RateLimitStore store, List<RateLimitConfig> limits, List<String>[] keys, int c, int n,
      LongAdder admitted) throws InterruptedException {
    Semaphore slots = new Semaphore(c);
    ThreadLocalRandom rnd = ThreadLocalRandom.current();
    for (int i = 0; i < n; i++) {
      slots.acquire();
      store.tryAcquireAllAsync(limits, keys[rnd.nextInt(keys.length)], 1).whenComplete((d, e) -> {
        if (e == null && d.isAllowed()) {
          admitted.increment();
        }
        slots.release();
      });
    }
    slots.acquire(c);
  }
}
