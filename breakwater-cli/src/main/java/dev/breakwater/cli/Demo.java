package dev.breakwater.cli;

import dev.breakwater.circuit.CircuitBreaker;
import dev.breakwater.config.Durations;
import dev.breakwater.gateway.Gateway;
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
  private static final int MAX_IN_FLIGHT = 256;
  private static final Duration WARM_UP = Duration.ofSeconds(3);
  private final Semaphore inFlight = new Semaphore(MAX_IN_FLIGHT);

  private Demo() {}

  /** Where the demo's log lines go, so that the terminal shows only the live view and the summary. */
  static final String LOG_FILE = "breakwater-demo.log";

  static int run(String[] args) throws Exception {
    Duration duration = Duration.ofSeconds(60);
    Path log = Path.of(LOG_FILE);
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--help") || args[i].equals("-h")) {
        System.out.println("usage: breakwater demo [--duration 60s] [--log " + LOG_FILE + "]");
        return 0;
      }
      if (args[i].equals("--log") && i + 1 < args.length) {
        log = Path.of(args[++i]);
      }
      if (args[i].equals("--duration") && i + 1 < args.length) {
        duration = Durations.parse(args[++i]);
        if (duration == null || duration.toSeconds() < 10) {
          System.err.println("--duration: \"" + args[i] + "\" (expected: " + Durations.EXPECTED + ", at least 10s)");
          return 2;
        }
      }
    }
    // Retries, breaker transitions and gate holds log a line each (about a hundred in a 20 s run) and would drown the
    // live view. slf4j-simple reads this property once, when the first logger is made: nothing has logged yet.
    System.setProperty("org.slf4j.simpleLogger.logFile", log.toAbsolutePath().toString());
    System.out.println("logs: " + log);
    return new Demo().drive(duration);
  }

  private int drive(Duration duration) throws Exception {
    PrintStream out = System.out;
    long secs = duration.toSeconds();
    // Graph-like throttling: 20 requests/s per tenant with a burst of 40. The error burst (at 30 % of the run) and
    // the outage (at 65 %), each a tenth of it long, are started by the traffic driver after the warm-up.
    SimulatorConfig sc = SimulatorConfig.defaults().withPort(0).withRate(20, 40);
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
        warmUp(gateway, sim, out);
        traffic(gateway, sim, duration, out);
        summary(sim.counters(), out);
      }
    }
    return 0;
  }

  /**
   * Sends the same kind of traffic for a few seconds, then forgets it: a cold JVM answers its first requests slowly,
   * and requests queued that long would still be arriving upstream after a 429 the gateway has not seen yet. The
   * summary is about a running gateway, not about the JIT compiler's first seconds.
   */
  private void warmUp(Gateway gateway, Simulator sim, PrintStream out) throws Exception {
    out.printf("warming up for %ds (not counted) ...%n", WARM_UP.toSeconds());
    ScheduledExecutorService timer = schedule(gateway, "warm-up-noisy");
    Thread.sleep(WARM_UP.toMillis());
    timer.shutdownNow();
    if (inFlight.tryAcquire(MAX_IN_FLIGHT, 10, TimeUnit.SECONDS)) {
      inFlight.release(MAX_IN_FLIGHT);
    }
    sim.reset();
    outcomes.clear();
    sent.reset();
  }

  private void traffic(Gateway gateway, Simulator sim, Duration duration, PrintStream out) throws Exception {
    long secs = duration.toSeconds();
    ScheduledExecutorService timer = schedule(gateway, "noisy-corp");
    Duration burst = Duration.ofSeconds(Math.max(2, secs / 10));
    timer.schedule(() -> sim.startErrorBurst(burst), secs * 300, TimeUnit.MILLISECONDS);
    timer.schedule(() -> sim.startOutage(burst), secs * 650, TimeUnit.MILLISECONDS);
    boolean tty = System.console() != null;
    long start = System.nanoTime();
    long lastSent = 0;
    for (long s = 1; s <= secs; s++) {
      Thread.sleep(Math.max(0, start + TimeUnit.SECONDS.toNanos(s) - System.nanoTime()) / 1_000_000);
      long now = sent.sum();
      CountersSnapshot up = sim.counters();
      String line = String.format("t=%3ds  %4d req/s  %s | breakers %s | gates held %d | upstream got %d,"
              + " inside Retry-After %d", s, now - lastSent, outcomeLine(), breakers(gateway),
          gateway.closedGates("graph").size(), up.totals().received(), up.totals().receivedInsideWindow());
      lastSent = now;
      if (tty) {
        out.print("\r\u001b[2K" + line);
      } else if (s % 5 == 0) {
        out.println(line);
      }
    }
    timer.shutdownNow();
    inFlight.tryAcquire(MAX_IN_FLIGHT, 5, TimeUnit.SECONDS);
    out.println(tty ? "\n" : "");
  }

  /** Six quiet tenants at 6 requests/s each, well inside Graph's allowance, and one noisy tenant at 80/s. */
  private ScheduledExecutorService schedule(Gateway gateway, String noisy) {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    String base = "http://127.0.0.1:" + gateway.port();
    ScheduledExecutorService timer = Executors.newScheduledThreadPool(2, r -> {
      Thread t = new Thread(r, "demo-traffic");
      t.setDaemon(true);
      return t;
    });
    for (String t : List.of("contoso", "fabrikam", "northwind", "tailspin", "woodgrove", "adatum")) {
      timer.scheduleAtFixedRate(() -> request(http, base, t, false), 0, 1000 / 6, TimeUnit.MILLISECONDS);
    }
    timer.scheduleAtFixedRate(() -> request(http, base, noisy, true), 0, 1000 / 80, TimeUnit.MILLISECONDS);
    return timer;
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
    out.printf("requests that arrived inside a Retry-After window: %d%n", upstream.totals().receivedInsideWindow());
    out.println("  (once the gateway has seen a tenant's 429 it sends nothing for that tenant until the window ends, and"
        + " spreads the held calls after it; what still arrives inside was already on its way when the upstream"
        + " opened the window)");
    long duplicates = upstream.sendMailExecutions().values().stream().filter(n -> n > 1).count();
    out.printf("sendMail keys executed more than once:     %d of %d%n", duplicates,
        upstream.sendMailExecutions().size());
    for (Map.Entry<String, TenantCounters> e : new TreeMap<>(upstream.tenants()).entrySet()) {
      TenantCounters c = e.getValue();
      out.printf("  upstream saw %-12s received=%-6d served=%-6d throttled=%-5d inside-window=%d%n", e.getKey(),
          c.received(), c.served(), c.throttled(), c.receivedInsideWindow());
    }
  }
}
