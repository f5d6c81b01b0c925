package dev.breakwater.bench.redis;

import static dev.breakwater.bench.redis.Bench.out;

import dev.breakwater.ratelimit.RateLimitConfig;
import dev.breakwater.ratelimit.RateLimitScope;
import dev.breakwater.redis.RedisState;
import dev.breakwater.redis.RedisStateConfig;
import dev.breakwater.spi.RateLimitStore;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.distributed.BucketProxy;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.redis.lettuce.Bucket4jLettuce;
import io.github.bucket4j.redis.lettuce.cas.LettuceBasedProxyManager;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

/**
 * One contended key: {@code --threads} threads call a synchronous decision on the same bucket back to back for
 * {@code --seconds} (after {@code --warmup} seconds), recording each call's latency. {@code --impl}:
 *
 * <ul>
 *   <li>{@code bw}: Breakwater {@code rateLimitStore().tryAcquire(limit, "hot", 1)};</li>
 *   <li>{@code bw-lease}: the same with {@code withLeasing(--lease-tokens, --lease-ttl-ms)};</li>
 *   <li>{@code b4j}: Bucket4j 8.14 {@code LettuceBasedProxyManager} (compare-and-swap), {@code bucket.tryConsume(1)}.
 *   </li>
 * </ul>
 *
 * <p>Both limits are 1,000,000 tokens/s with a capacity (burst) of 1,000,000, far above what one key can be asked
 * on this machine, so every call is admitted and the libraries do the same work per call. One Lettuce connection
 * each. Redis commands per decision are read from INFO commandstats over the timed window (EVALSHA/EVAL are only
 * ever sent by clients) and, exactly, from a MONITOR-counted extra run of {@code --monitor-seconds} afterwards (not
 * timed: MONITOR slows the server).
 */
public final class Contended {
  private Contended() {}

  public static void main(String[] argv) throws Exception {
    Map<String, String> a = Bench.args(argv);
    int port = Bench.intArg(a, "port", 6379);
    String impl = a.getOrDefault("impl", "bw");
    int threads = Bench.intArg(a, "threads", 8);
    double seconds = Bench.doubleArg(a, "seconds", 5);
    double warmup = Bench.doubleArg(a, "warmup", 2);
    double monitorSeconds = Bench.doubleArg(a, "monitor-seconds", 1);
    int leaseTokens = Bench.intArg(a, "lease-tokens", 20);
    int leaseTtlMs = Bench.intArg(a, "lease-ttl-ms", 100);
    String p = "cont." + impl;

    AutoCloseable closer;
    BooleanSupplier decide;
    RedisState state = null;
    if (impl.startsWith("bw")) {
      RedisStateConfig cfg = RedisStateConfig.standalone(Bench.uri(port));
      if (impl.equals("bw-lease")) {
        cfg = cfg.withLeasing(leaseTokens, Duration.ofMillis(leaseTtlMs));
        out(p + ".lease_tokens", leaseTokens);
        out(p + ".lease_ttl_ms", leaseTtlMs);
      }
      state = RedisState.connect(cfg);
      RateLimitStore store = state.rateLimitStore();
      RateLimitConfig limit = RateLimitConfig.of("hot", RateLimitScope.TENANT, 1_000_000, Duration.ofSeconds(1));
      String key = "hot-" + impl;
      decide = () -> store.tryAcquire(limit, key, 1).isAllowed();
      closer = state;
    } else if (impl.equals("b4j")) {
      RedisClient client = RedisClient.create(Bench.uri(port));
      StatefulRedisConnection<String, byte[]> conn = client.connect(RedisCodec.of(StringCodec.UTF8,
          ByteArrayCodec.INSTANCE));
      LettuceBasedProxyManager<String> pm = Bucket4jLettuce.casBasedBuilder(conn)
          .expirationAfterWrite(ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(
              Duration.ofSeconds(10)))
          .build();
      BucketConfiguration bc = BucketConfiguration.builder()
          .addLimit(l -> l.capacity(1_000_000).refillGreedy(1_000_000, Duration.ofSeconds(1)))
          .build();
      BucketProxy bucket = pm.builder().build("b4j:hot", () -> bc);
      decide = () -> bucket.tryConsume(1);
      closer = () -> {
        conn.close();
        client.shutdown();
      };
    } else {
      throw new IllegalArgumentException("--impl bw|bw-lease|b4j");
    }
    out(p + ".threads", threads);
    try (Resp admin = new Resp("127.0.0.1", port)) {
      run(decide, threads, warmup, 0);
      admin.ok("CONFIG", "RESETSTAT");
      double cpu0 = Bench.processCpuSeconds();
      double srv0 = admin.serverCpuSeconds();
      Result r = run(decide, threads, seconds, 1 << 20);
      double cpu1 = Bench.processCpuSeconds();
      double srv1 = admin.serverCpuSeconds();
      Map<String, long[]> stats = admin.commandStats();
      out(p + ".seconds", r.seconds);
      out(p + ".decisions", r.decisions);
      out(p + ".admitted", r.admitted);
      out(p + ".errors", r.errors);
      out(p + ".rate", r.decisions / r.seconds);
      out(p + ".jvm_cpu_s", cpu1 - cpu0);
      out(p + ".server_cpu_s", srv1 - srv0);
      Bench.latencies(p, r.sorted);
      long scripts = Bench.calls(stats, "evalsha") + Bench.calls(stats, "eval");
      out(p + ".scripts_per_decision", scripts / (double) r.decisions);
      out(p + ".get_calls", Bench.calls(stats, "get"));
      out(p + ".commandstats_per_decision", Bench.callsExcludingHarness(stats) / (double) r.decisions);

      // Exact client-sent commands per decision, under MONITOR (untimed).
      try (Monitor m = new Monitor(port, Set.of(admin.localAddress()))) {
        admin.ok("ECHO", "start");
        Result mr = run(decide, threads, monitorSeconds, 0);
        admin.ok("ECHO", "end");
        Monitor.Counts c = m.await("end").minus(m.await("start"));
        out(p + ".monitor.decisions", mr.decisions);
        out(p + ".monitor.top_level_per_decision", c.topTotal() / (double) mr.decisions);
        c.top().forEach((k, v) -> out(p + ".monitor.top." + k, v));
        out(p + ".monitor.heartbeats", c.heartbeats());
        out(p + ".monitor.in_script_per_decision", c.internalTotal() / (double) mr.decisions);
      }
      if (state != null) {
        out(p + ".degraded_decisions", state.health().degradedDecisions());
      }
    } finally {
      closer.close();
    }
    System.exit(0);
  }

  private record Result(long decisions, long admitted, long errors, double seconds, long[] sorted) {}

  private static Result run(BooleanSupplier decide, int threads, double seconds, int capacity) throws Exception {
    List<Bench.Recorder> recs = new ArrayList<>();
    AtomicLong admitted = new AtomicLong();
    AtomicLong errors = new AtomicLong();
    CyclicBarrier start = new CyclicBarrier(threads + 1);
    long[] bounds = new long[2];
    long durationNanos = (long) (seconds * 1e9);
    List<Thread> ts = new ArrayList<>();
    for (int i = 0; i < threads; i++) {
      Bench.Recorder rec = new Bench.Recorder(Math.max(1, capacity));
      recs.add(rec);
      Thread t = new Thread(() -> {
        long ok = 0;
        long err = 0;
        try {
          start.await();
          long end = bounds[1];
          while (true) {
            long t0 = System.nanoTime();
            if (t0 - end >= 0) {
              break;
            }
            try {
              if (decide.getAsBoolean()) {
                ok++;
              }
            } catch (RuntimeException e) {
              err++;
            }
            rec.record(System.nanoTime() - t0);
          }
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
        admitted.addAndGet(ok);
        errors.addAndGet(err);
      }, "decider-" + i);
      ts.add(t);
      t.start();
    }
    bounds[0] = System.nanoTime();
    bounds[1] = bounds[0] + durationNanos;
    start.await(); // publishes bounds to the threads (barrier happens-before)
    for (Thread t : ts) {
      t.join();
    }
    double s = (System.nanoTime() - bounds[0]) / 1e9;
    long decisions = recs.stream().mapToLong(r -> r.count).sum();
    return new Result(decisions, admitted.get(), errors.get(), s, capacity > 0 ? Bench.Recorder.merged(recs)
        : new long[0]);
  }
}
