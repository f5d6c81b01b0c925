package dev.breakwater.bench.redis;

import static dev.breakwater.bench.redis.Bench.out;

import dev.breakwater.redis.RedisState;
import dev.breakwater.redis.RedisStateConfig;
import dev.breakwater.spi.ThrottleGateStore;
import java.util.List;
import java.util.Map;

/**
 * Throttle-gate propagation: instance A closes a gate for a new tenant ({@code close(upstream, tenant, now + 60 s)});
 * instance B (its own connections and pub/sub subscription, same JVM) polls {@code closedUntil} in a loop that yields
 * the CPU between reads (on 2 CPUs a pure spin starves the I/O threads that deliver the message) until it sees the
 * gate, up to 1 s. The delay runs from just before A's {@code close} to the first read on B that returns the gate:
 * A's SET, then its PUBLISH, then delivery to B's subscriber. {@code --n} gates, 2 ms apart, after {@code --warmup}
 * untimed ones back to back.
 */
public final class GatePropagation {
  private GatePropagation() {}

  public static void main(String[] argv) throws Exception {
    Map<String, String> a = Bench.args(argv);
    int port = Bench.intArg(a, "port", 6379);
    int n = Bench.intArg(a, "n", 200);
    int warmup = Bench.intArg(a, "warmup", 3000);
    String run = Long.toString(System.nanoTime(), 36);
    try (RedisState sa = RedisState.connect(RedisStateConfig.standalone(Bench.uri(port)));
        RedisState sb = RedisState.connect(RedisStateConfig.standalone(Bench.uri(port)))) {
      ThrottleGateStore ga = sa.throttleGateStore();
      ThrottleGateStore gb = sb.throttleGateStore();
      Bench.Recorder rec = new Bench.Recorder(n);
      int missed = 0;
      // Until B's subscription is live, the first gates may never arrive: wait for one that does. Then warm up
      // (JIT of both instances' paths, Lettuce's and the pub/sub connection's): cold, each hop costs 100s of us.
      for (int i = 0; i < 50; i++) {
        if (once(ga, gb, "sub-" + run + "-" + i) >= 0) {
          break;
        }
      }
      for (int i = 0; i < warmup; i++) {
        once(ga, gb, "warm-" + run + "-" + i);
      }
      for (int i = 0; i < n; i++) {
        long d = once(ga, gb, "g-" + run + "-" + i);
        if (d < 0) {
          missed++;
        } else {
          rec.record(d);
        }
        Thread.sleep(2);
      }
      out("gate.n", n);
      out("gate.missed", missed);
      Bench.latencies("gate.delay", Bench.Recorder.merged(List.of(rec)));
      out("gate.degraded_decisions", sa.health().degradedDecisions() + sb.health().degradedDecisions());
    }
    System.exit(0);
  }

  /** Nanoseconds until B sees A's gate, or -1 after 1 s. */
  private static long once(ThrottleGateStore a, ThrottleGateStore b, String tenant) {
    long t0 = System.nanoTime();
    a.close("upstream", tenant, System.currentTimeMillis() + 60_000);
    while (true) {
      boolean seen = b.closedUntil("upstream", tenant) > 0;
      long now = System.nanoTime();
      if (seen) {
        return now - t0;
      }
      if (now - t0 > 1_000_000_000L) {
        return -1;
      }
      Thread.yield(); // 2 CPUs: a pure spin would starve the I/O threads that deliver the message
    }
  }
}
