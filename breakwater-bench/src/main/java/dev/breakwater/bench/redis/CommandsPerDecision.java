package dev.breakwater.bench.redis;

import static dev.breakwater.bench.redis.Bench.out;

import dev.breakwater.ratelimit.RateLimitConfig;
import dev.breakwater.ratelimit.RateLimitScope;
import dev.breakwater.redis.RedisState;
import dev.breakwater.redis.RedisStateConfig;
import dev.breakwater.spi.RateLimitStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Redis commands per rate-limit decision for 1, 2 and 3 tenant-scoped limits (TENANT; + USER; + TENANT_OPERATION),
 * counted two ways over the same {@code --decisions} sequential decisions (1000 tenants, all admitted):
 *
 * <ul>
 *   <li>MONITOR (exact): commands the client sent, one per round trip, apart from commands the scripts ran inside
 *       Redis ({@code [0 lua]}) and from Breakwater's heartbeat;</li>
 *   <li>INFO commandstats after CONFIG RESETSTAT: the sum of every command's calls without the harness's own
 *       (INFO/CONFIG/ECHO), which also counts every {@code redis.call} made inside a script.</li>
 * </ul>
 *
 * <p>Plus the cold start: after SCRIPT FLUSH, the first decision costs an EVALSHA answered NOSCRIPT and an EVAL.
 *
 * <p>Standalone: {@code --port P}. Cluster: {@code --cluster P1,P2,...} (seeds) and {@code --masters P1,P2,P3} (the
 * nodes counted); on a Cluster a fourth case mixes a tenant limit with a cross-tenant OPERATION limit (two slots, so
 * two scripts by design).
 */
public final class CommandsPerDecision {
  private CommandsPerDecision() {}

  public static void main(String[] argv) throws Exception {
    Map<String, String> a = Bench.args(argv);
    int n = Bench.intArg(a, "decisions", 10_000);
    boolean cluster = a.containsKey("cluster");
    String p = cluster ? "cluster" : "cpd";
    List<Integer> ports = new ArrayList<>();
    for (String s : (cluster ? a.get("masters") : a.get("port")).split(",")) {
      ports.add(Integer.parseInt(s.trim()));
    }
    List<Resp> admins = new ArrayList<>();
    Set<String> harness = new HashSet<>();
    for (int port : ports) {
      Resp r = new Resp("127.0.0.1", port);
      admins.add(r);
      harness.add(r.localAddress());
    }
    List<Monitor> monitors = new ArrayList<>();
    for (int port : ports) {
      monitors.add(new Monitor(port, harness));
    }
    RedisStateConfig cfg;
    if (cluster) {
      List<String> seeds = new ArrayList<>();
      for (String s : a.get("cluster").split(",")) {
        seeds.add(Bench.uri(Integer.parseInt(s.trim())));
      }
      cfg = RedisStateConfig.cluster(seeds);
    } else {
      cfg = RedisStateConfig.standalone(Bench.uri(ports.get(0)));
    }
    out(p + ".nodes_counted", ports.size());
    try (RedisState state = RedisState.connect(cfg)) {
      RateLimitStore store = state.rateLimitStore();
      Thread.sleep(300); // let the first heartbeat and (on a Cluster) the topology settle

      // Cold start: no script cached on the server.
      for (Resp r : admins) {
        r.ok("SCRIPT", "FLUSH");
      }
      List<RateLimitConfig> one = Bench.limits(1, 1_000_000);
      Monitor.Counts cold = measure(admins, monitors, "cold", () -> {
        store.tryAcquireAll(one, Bench.keys(1, "cold", "u", "op"), 1);
      });
      out(p + ".cold.top_level", cold.topTotal());
      cold.top().forEach((k, v) -> out(p + ".cold.top." + k, v));

      List<String> cases = new ArrayList<>(List.of("l1", "l2", "l3"));
      if (cluster) {
        cases.add("mixed");
      }
      for (String c : cases) {
        List<RateLimitConfig> limits;
        int k;
        if (c.equals("mixed")) {
          limits = List.of(RateLimitConfig.of("tenant", RateLimitScope.TENANT, 1_000_000, Duration.ofSeconds(1)),
              RateLimitConfig.of("global-op", RateLimitScope.OPERATION, 1_000_000, Duration.ofSeconds(1)));
          k = 2;
        } else {
          k = c.charAt(1) - '0';
          limits = Bench.limits(k, 1_000_000);
        }
        boolean mixed = c.equals("mixed");
        long[] admitted = new long[1];
        Runnable decisions = () -> {
          for (int i = 0; i < n; i++) {
            String t = "t" + (i % 1000);
            List<String> keys = mixed ? List.of(t, "op" + (i % 3)) : Bench.keys(k, t, "u" + (i % 7), "op" + (i % 3));
            if (store.tryAcquireAll(limits, keys, 1).isAllowed()) {
              admitted[0]++;
            }
          }
        };
        // Warm up (JIT, every tenant's keys exist), then count.
        decisions.run();
        for (Resp r : admins) {
          r.ok("CONFIG", "RESETSTAT");
        }
        admitted[0] = 0;
        Monitor.Counts counts = measure(admins, monitors, c, decisions);
        long statCalls = 0;
        for (Resp r : admins) {
          statCalls += Bench.callsExcludingHarness(r.commandStats());
        }
        String q = p + "." + c;
        out(q + ".limits", k);
        out(q + ".decisions", n);
        out(q + ".admitted", admitted[0]);
        out(q + ".top_level", counts.topTotal());
        out(q + ".top_level_per_decision", counts.topTotal() / (double) n);
        counts.top().forEach((name, v) -> out(q + ".top." + name, v));
        out(q + ".heartbeats", counts.heartbeats());
        out(q + ".in_script", counts.internalTotal());
        out(q + ".in_script_per_decision", counts.internalTotal() / (double) n);
        counts.internal().forEach((name, v) -> out(q + ".in_script." + name, v));
        out(q + ".commandstats_calls", statCalls);
        out(q + ".commandstats_per_decision", statCalls / (double) n);
      }
      out(p + ".degraded_decisions", state.health().degradedDecisions());
    } finally {
      for (Monitor m : monitors) {
        m.close();
      }
      for (Resp r : admins) {
        r.close();
      }
    }
    System.exit(0);
  }

  /** Runs {@code work} between two ECHO markers on every node and returns the summed counts between them. */
  private static Monitor.Counts measure(List<Resp> admins, List<Monitor> monitors, String name, Runnable work)
      throws Exception {
    for (Resp r : admins) {
      r.ok("ECHO", name + "-start");
    }
    work.run();
    for (Resp r : admins) {
      r.ok("ECHO", name + "-end");
    }
    Monitor.Counts sum = Monitor.Counts.empty();
    for (Monitor m : monitors) {
      sum = sum.plus(m.await(name + "-end").minus(m.await(name + "-start")));
    }
    return sum;
  }
}
