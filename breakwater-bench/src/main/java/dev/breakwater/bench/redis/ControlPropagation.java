package dev.breakwater.bench.redis;

import static dev.breakwater.bench.redis.Bench.out;

import dev.breakwater.Degradation;
import dev.breakwater.control.ControlChange;
import dev.breakwater.control.ControlKey;
import dev.breakwater.control.ControlKind;
import dev.breakwater.control.ControlPlane;
import dev.breakwater.control.Setting;
import dev.breakwater.control.Target;
import dev.breakwater.redis.RedisState;
import dev.breakwater.redis.RedisStateConfig;
import dev.breakwater.time.TimeSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Operator-change propagation: replica A sets a degradation level on a new target through its control plane
 * ({@code ControlPlane.set}: the Redis script that writes the hash field and publishes, then A applies it); replicas B
 * and C (each its own connections and pub/sub subscription, same JVM, so one clock) record when their control plane
 * applied it (the change listener fires). The delay runs from just before A's {@code set} to B's and C's application;
 * "fleet" is the later of the two, the time until every replica holds the change. {@code --n} changes, 5 ms apart,
 * after {@code --warmup} untimed ones; A's own write round trip (until {@code set} completes) is reported as well.
 */
public final class ControlPropagation {
  private ControlPropagation() {}

  public static void main(String[] argv) throws Exception {
    Map<String, String> a = Bench.args(argv);
    int port = Bench.intArg(a, "port", 6379);
    int n = Bench.intArg(a, "n", 200);
    int warmup = Bench.intArg(a, "warmup", 500);
    String run = Long.toString(System.nanoTime(), 36);
    List<RedisState> states = new ArrayList<>();
    List<ControlPlane> planes = new ArrayList<>();
    List<Map<String, Long>> seen = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      RedisState s = RedisState.connect(RedisStateConfig.standalone(Bench.uri(port)));
      ControlPlane p = new ControlPlane(s.controlStore(), TimeSource.system());
      Map<String, Long> arrivals = new ConcurrentHashMap<>();
      p.addListener((ControlChange c) -> arrivals.putIfAbsent(c.key().target().name(), System.nanoTime()));
      p.start(null).toCompletableFuture().join();
      states.add(s);
      planes.add(p);
      seen.add(arrivals);
    }
    Bench.Recorder write = new Bench.Recorder(n);
    Bench.Recorder b = new Bench.Recorder(n);
    Bench.Recorder c = new Bench.Recorder(n);
    Bench.Recorder fleet = new Bench.Recorder(n);
    int missed = 0;
    for (int i = 0; i < warmup; i++) {
      once(planes.get(0), seen, "warm-" + run + "-" + i);
    }
    for (int i = 0; i < n; i++) {
      long[] d = once(planes.get(0), seen, "u-" + run + "-" + i);
      if (d == null) {
        missed++;
        continue;
      }
      write.record(d[0]);
      b.record(d[1]);
      c.record(d[2]);
      fleet.record(Math.max(d[1], d[2]));
      Thread.sleep(5);
    }
    out("control.n", n);
    out("control.missed", missed);
    Bench.latencies("control.write", Bench.Recorder.merged(List.of(write)));
    Bench.latencies("control.replica", Bench.Recorder.merged(List.of(b, c)));
    Bench.latencies("control.fleet", Bench.Recorder.merged(List.of(fleet)));
    for (ControlPlane p : planes) {
      p.close();
    }
    System.exit(0);
  }

  /** {write, B, C} delays in nanoseconds, or null when a replica did not apply the change within 5 s. */
  private static long[] once(ControlPlane writer, List<Map<String, Long>> seen, String upstream)
      throws InterruptedException {
    ControlKey key = ControlKey.of(ControlKind.DEGRADATION, Target.upstream(upstream));
    long t0 = System.nanoTime();
    writer.set(key, new Setting.Level(Degradation.READ_ONLY), "bench", null).toCompletableFuture().join();
    long written = System.nanoTime() - t0;
    long deadline = t0 + 5_000_000_000L;
    while (!seen.get(1).containsKey(upstream) || !seen.get(2).containsKey(upstream)) {
      if (System.nanoTime() > deadline) {
        return null;
      }
      Thread.sleep(0, 200_000); // 2 CPUs: leave the I/O threads that deliver the message room to run
    }
    return new long[] {written, seen.get(1).get(upstream) - t0, seen.get(2).get(upstream) - t0};
  }
}
