package dev.breakwater.gateway;

import dev.breakwater.circuit.CircuitBreaker;
import dev.breakwater.gateway.config.ConfigLoader;
import dev.breakwater.gateway.config.GatewayConfig;
import dev.breakwater.simulator.CountersSnapshot;
import dev.breakwater.simulator.Simulator;
import dev.breakwater.simulator.SimulatorConfig;
import dev.breakwater.simulator.TenantCounters;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * {@code breakwater demo}: starts the Graph-like simulator and the gateway (in-memory state,
 * {@code examples/graph-mcp.yaml}), drives multi-tenant traffic through the gateway — six quiet tenants, one noisy
 * tenant, an error burst and an outage of the upstream — shows a live view, then prints what the gateway spared the
 * upstream.
 */
final class Demo {
  private static final String[] PATHS = {"/v1.0/me/messages", "/v1.0/me/events", "/v1.0/me/drive/root/children"};

  private final Map<String, LongAdder> outcomes = new ConcurrentHashMap<>();
  private final LongAdder sent = new LongAdder();
  private final AtomicLong idempotencyKeys = new AtomicLong();
  private final Semaphore inFlight = new Semaphore(256);

  private Demo() {}

  static int run(String[] args) throws Exception {
    Duration duration = Duration.ofSeconds(60);
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--help") || args[i].equals("-h")) {
        System.out.println("usage: breakwater demo [--duration 60s] [--config examples/graph-mcp.yaml]");
        return 0;
      }
      if (args[i].equals("--duration") && i + 1 < args.length) {
        duration = parseDuration(args[++i]);
        if (duration == null || duration.toSeconds() < 10) {
          System.err.println("--duration: " + args[i] + " (expected: at least 10s, such as 30s or 2m)");
          return 2;
        }
      }
    }
    return new Demo().drive(duration);
  }

  private int drive(Duration duration) throws Exception {
    PrintStream out = System.out;
    long secs = duration.toSeconds();
    // Graph-like throttling: 20 requests/s per tenant with a burst of 40; a burst of errors at 30 % of the run and
    // an outage at 65 %, each a tenth of it long.
    SimulatorConfig sc = SimulatorConfig.defaults().withPort(0).withRate(20, 40)
        .withErrorBurst(Duration.ofSeconds(secs * 30 / 100), Duration.ofSeconds(Math.max(2, secs / 10)))
        .withOutage(Duration.ofSeconds(secs * 65 / 100), Duration.ofSeconds(Math.max(2, secs / 10)));
    try (Simulator sim = Simulator.start(sc)) {
      Path config = Path.of("examples/graph-mcp.yaml");
      if (!Files.isRegularFile(config)) {
        System.err.println(config + ": not found (run the demo from the repository root)");
        return 1;
      }
      GatewayConfig gc = ConfigLoader.withEnvironment(name -> switch (name) {
        case "BW_UPSTREAM" -> "http://127.0.0.1:" + sim.port();
        case "BW_PORT", "BW_ADMIN_PORT" -> "0";
        default -> System.getenv(name);
      }).read(config);
      try (Gateway gateway = Gateway.start(gc)) {
        out.printf("simulator on :%d (20 req/s per tenant, burst 40; error burst at %ds, outage at %ds)%n",
            sim.port(), secs * 30 / 100, secs * 65 / 100);
        out.printf("gateway   on :%d with %s%n%n", gateway.port(), config);
        traffic(gateway, sim, duration, out);
        summary(sim.counters(), out);
      }
    }
    return 0;
  }

  private void traffic(Gateway gateway, Simulator sim, Duration duration, PrintStream out) throws Exception {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    String base = "http://127.0.0.1:" + gateway.port();
    ScheduledExecutorService timer = Executors.newScheduledThreadPool(2, r -> {
      Thread t = new Thread(r, "demo-traffic");
      t.setDaemon(true);
      return t;
    });
    List<String> tenants = new ArrayList<>(List.of("contoso", "fabrikam", "northwind", "tailspin", "woodgrove",
        "adatum"));
    // Quiet tenants: 6 requests/s each, well inside Graph's allowance. The noisy one: 80 requests/s.
    for (String t : tenants) {
      timer.scheduleAtFixedRate(() -> request(http, base, t, false), 0, 1000 / 6, TimeUnit.MILLISECONDS);
    }
    timer.scheduleAtFixedRate(() -> request(http, base, "noisy-corp", true), 0, 1000 / 80, TimeUnit.MILLISECONDS);
    boolean tty = System.console() != null;
    long start = System.nanoTime();
    long lastSent = 0;
    for (long s = 1; s <= duration.toSeconds(); s++) {
      Thread.sleep(Math.max(0, start + TimeUnit.SECONDS.toNanos(s) - System.nanoTime()) / 1_000_000);
      long now = sent.sum();
      String line = String.format("t=%3ds  %4d req/s  %s | breakers %s | upstream got %d, inside Retry-After %d",
          s, now - lastSent, outcomeLine(), breakers(gateway), sim.counters().totals().received(),
          sim.counters().totals().receivedInsideWindow());
      lastSent = now;
      if (tty) {
        out.print("\r\u001b[2K" + line);
      } else if (s % 5 == 0) {
        out.println(line);
      }
    }
    timer.shutdownNow();
    inFlight.tryAcquire(256, 5, TimeUnit.SECONDS);
    out.println(tty ? "\n" : "");
  }

  private void request(HttpClient http, String base, String tenant, boolean noisy) {
    if (!inFlight.tryAcquire()) {
      count("client-backpressure");
      return;
    }
    ThreadLocalRandom r = ThreadLocalRandom.current();
    HttpRequest.Builder b;
    String user = tenant + "-user-" + r.nextInt(noisy ? 50 : 5);
    if (!noisy && r.nextInt(10) == 0) {
      // A write with an idempotency key; a third of them are sent twice, as a client retry would.
      String key = "demo-" + idempotencyKeys.incrementAndGet();
      b = HttpRequest.newBuilder(URI.create(base + "/v1.0/me/sendMail"))
          .POST(HttpRequest.BodyPublishers.ofString("{\"message\":{\"subject\":\"hi\"}}"))
          .header("Content-Type", "application/json").header("Idempotency-Key", key);
      if (r.nextInt(3) == 0) {
        send(http, b, tenant, user, false);
        if (!inFlight.tryAcquire()) {
          count("client-backpressure");
          return;
        }
      }
    } else {
      b = HttpRequest.newBuilder(URI.create(base + PATHS[r.nextInt(PATHS.length)])).GET();
    }
    send(http, b, tenant, user, true);
  }

  private void send(HttpClient http, HttpRequest.Builder b, String tenant, String user, boolean release) {
    sent.increment();
    http.sendAsync(b.header("X-Tenant-Id", tenant).header("X-User-Id", user).timeout(Duration.ofSeconds(40))
        .build(), HttpResponse.BodyHandlers.ofString()).whenComplete((resp, e) -> {
          inFlight.release();
          if (e != null) {
            count("client-error");
          } else if (resp.statusCode() < 400) {
            count(resp.headers().firstValue("X-Breakwater-Source").map(s -> "ok (" + s + ")").orElse("ok"));
          } else {
            count(code(resp));
          }
        });
  }

  private static String code(HttpResponse<String> resp) {
    String body = resp.body();
    int i = body == null ? -1 : body.indexOf("\"code\":\"");
    if (i < 0) {
      return "HTTP " + resp.statusCode();
    }
    int end = body.indexOf('"', i + 8);
    return end < 0 ? "HTTP " + resp.statusCode() : body.substring(i + 8, end);
  }

  private void count(String outcome) {
    outcomes.computeIfAbsent(outcome, k -> new LongAdder()).increment();
  }

  private String outcomeLine() {
    StringBuilder sb = new StringBuilder();
    new TreeMap<>(outcomes).forEach((k, v) -> sb.append(sb.length() == 0 ? "" : " ").append(k).append('=')
        .append(v.sum()));
    return sb.toString();
  }

  private static String breakers(Gateway g) {
    StringBuilder sb = new StringBuilder();
    for (CircuitBreaker b : g.engine().circuitBreakers().values()) {
      sb.append(sb.length() == 0 ? "" : ",").append(b.name()).append('=').append(b.state());
    }
    return sb.length() == 0 ? "-" : sb.toString();
  }

  private void summary(CountersSnapshot upstream, PrintStream out) {
    long total = sent.sum();
    long reachedUpstream = upstream.totals().received();
    out.println("== summary ==");
    out.printf("requests sent to the gateway:          %d%n", total);
    new TreeMap<>(outcomes).forEach((k, v) -> out.printf("  %-36s %d%n", k, v.sum()));
    out.printf("requests that reached the upstream:    %d (%d served, %d throttled, %d errors)%n", reachedUpstream,
        upstream.totals().served(), upstream.totals().throttled(), upstream.totals().errors());
    out.printf("calls the upstream did not have to absorb: %d (answered by Breakwater: gates, limits, breaker, "
        + "cache, replays)%n", Math.max(0, total - reachedUpstream));
    out.printf("requests that arrived inside a Retry-After window: %d (the gateway holds a tenant once it sees its "
        + "429; under concurrent load some still arrive, which is being investigated)%n",
        upstream.totals().receivedInsideWindow());
    long duplicates = upstream.sendMailExecutions().values().stream().filter(n -> n > 1).count();
    out.printf("sendMail keys executed more than once:     %d of %d%n", duplicates,
        upstream.sendMailExecutions().size());
    for (Map.Entry<String, TenantCounters> e : new TreeMap<>(upstream.tenants()).entrySet()) {
      TenantCounters c = e.getValue();
      out.printf("  upstream saw %-12s received=%-6d served=%-6d throttled=%-5d inside-window=%d%n", e.getKey(),
          c.received(), c.served(), c.throttled(), c.receivedInsideWindow());
    }
  }

  private static Duration parseDuration(String s) {
    try {
      if (s.endsWith("m")) {
        return Duration.ofMinutes(Long.parseLong(s.substring(0, s.length() - 1)));
      }
      if (s.endsWith("s")) {
        return Duration.ofSeconds(Long.parseLong(s.substring(0, s.length() - 1)));
      }
      return Duration.ofSeconds(Long.parseLong(s));
    } catch (NumberFormatException e) {
      return null;
    }
  }
}
