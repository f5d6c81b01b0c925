package dev.breakwater.bench.redis;

import dev.breakwater.ratelimit.RateLimitConfig;
import dev.breakwater.ratelimit.RateLimitScope;
import dev.breakwater.spi.StoreKeys;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Shared plumbing of the Redis benchmark mains: arguments, {@code key=value} output, percentiles, CPU time. */
final class Bench {
  private Bench() {}

  /** {@code --name value} pairs. */
  static Map<String, String> args(String[] argv) {
    Map<String, String> m = new HashMap<>();
    for (int i = 0; i < argv.length; i++) {
      if (!argv[i].startsWith("--")) {
        throw new IllegalArgumentException("expected --name value, got " + argv[i]);
      }
      String k = argv[i].substring(2);
      String v = i + 1 < argv.length && !argv[i + 1].startsWith("--") ? argv[++i] : "true";
      m.put(k, v);
    }
    return m;
  }

  static int intArg(Map<String, String> a, String k, int def) {
    return a.containsKey(k) ? Integer.parseInt(a.get(k)) : def;
  }

  static double doubleArg(Map<String, String> a, String k, double def) {
    return a.containsKey(k) ? Double.parseDouble(a.get(k)) : def;
  }

  static String uri(int port) {
    return "redis://127.0.0.1:" + port;
  }

  /** Prints one machine-readable line. */
  static void out(String key, Object value) {
    String v = value instanceof Double d ? String.format(Locale.ROOT, "%.4f", d) : String.valueOf(value);
    System.out.println(key + "=" + v);
    System.out.flush();
  }

  /**
   * The engine keys of 1, 2 or 3 tenant-scoped limits (TENANT; + USER; + TENANT_OPERATION) for a tenant, as
   * RateLimitScope.key(ctx) builds them.
   */
  static List<String> keys(int limits, String tenant, String user, String op) {
    List<String> all = List.of(StoreKeys.of(tenant), StoreKeys.of(tenant, user), StoreKeys.of(tenant, op));
    return all.subList(0, limits);
  }

  /** 1, 2 or 3 limits: TENANT, USER, TENANT_OPERATION, each {@code permits}/s with a burst of {@code permits}. */
  static List<RateLimitConfig> limits(int n, long permits) {
    List<RateLimitConfig> all = List.of(
        RateLimitConfig.of("tenant", RateLimitScope.TENANT, permits, java.time.Duration.ofSeconds(1)),
        RateLimitConfig.of("user", RateLimitScope.USER, permits, java.time.Duration.ofSeconds(1)),
        RateLimitConfig.of("op", RateLimitScope.TENANT_OPERATION, permits, java.time.Duration.ofSeconds(1)));
    return all.subList(0, n);
  }

  /** CPU seconds used by this JVM so far. */
  static double processCpuSeconds() {
    var os = ManagementFactory.getOperatingSystemMXBean();
    if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
      return sun.getProcessCpuTime() / 1e9;
    }
    return Double.NaN;
  }

  /** Latencies in nanoseconds recorded per thread into fixed arrays (no allocation on the hot path). */
  static final class Recorder {
    final long[] nanos;
    int n;
    long count;

    Recorder(int capacity) {
      nanos = new long[capacity];
    }

    void record(long v) {
      count++;
      if (n < nanos.length) {
        nanos[n++] = v;
      }
    }

    /** All recorded samples of several recorders, sorted. */
    static long[] merged(List<Recorder> rs) {
      int total = rs.stream().mapToInt(r -> r.n).sum();
      long[] all = new long[total];
      int i = 0;
      for (Recorder r : rs) {
        System.arraycopy(r.nanos, 0, all, i, r.n);
        i += r.n;
      }
      Arrays.sort(all);
      return all;
    }
  }

  /** The q-quantile (0..1) of sorted samples, nearest rank. */
  static long quantile(long[] sorted, double q) {
    if (sorted.length == 0) {
      return -1;
    }
    int i = (int) Math.ceil(q * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
  }

  /** Prints p50/p90/p99/p99.9/max in microseconds under {@code prefix}. */
  static void latencies(String prefix, long[] sorted) {
    out(prefix + ".samples", sorted.length);
    out(prefix + ".p50_us", quantile(sorted, 0.50) / 1000.0);
    out(prefix + ".p90_us", quantile(sorted, 0.90) / 1000.0);
    out(prefix + ".p99_us", quantile(sorted, 0.99) / 1000.0);
    out(prefix + ".p999_us", quantile(sorted, 0.999) / 1000.0);
    out(prefix + ".max_us", sorted.length == 0 ? -1 : sorted[sorted.length - 1] / 1000.0);
  }

  /** Sum of commandstats calls, without the harness's own (INFO, CONFIG, ECHO, MONITOR, SCRIPT, CLIENT). */
  static long callsExcludingHarness(Map<String, long[]> stats) {
    long s = 0;
    for (var e : stats.entrySet()) {
      String n = e.getKey();
      if (n.equals("info") || n.startsWith("config") || n.equals("echo") || n.equals("monitor")
          || n.startsWith("script") || n.startsWith("client")) {
        continue;
      }
      s += e.getValue()[0];
    }
    return s;
  }

  static long calls(Map<String, long[]> stats, String cmd) {
    long[] v = stats.get(cmd);
    return v == null ? 0 : v[0];
  }

  static long failed(Map<String, long[]> stats, String cmd) {
    long[] v = stats.get(cmd);
    return v == null ? 0 : v[1];
  }
}
