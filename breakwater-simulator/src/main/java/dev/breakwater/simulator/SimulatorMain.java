package dev.breakwater.simulator;

import dev.breakwater.config.Durations;
import java.time.Duration;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.CountDownLatch;

/** Command-line entry point: starts a simulator and keeps it running until the process is stopped. */
public final class SimulatorMain {

    private static final String USAGE = String.join(System.lineSeparator(),
            "usage: java -cp ... dev.breakwater.simulator.SimulatorMain [options]",
            "  --host H                   interface to bind (default 127.0.0.1)",
            "  --port N                   port to bind, 0 = ephemeral (default 0)",
            "  --rate R                   per-tenant requests per second (default 20)",
            "  --burst B                  per-tenant burst (default 40)",
            "  --no-throttling            disable the per-tenant token bucket",
            "  --tenant-header NAME       header carrying the tenant id (default X-Tenant-Id)",
            "  --throttle-503-fraction F  answer that fraction of throttles with 503 + Retry-After (default 0)",
            "  --error-rate F             probability of an injected 5xx (default 0.0)",
            "  --latency-median-ms MS     median latency of Graph endpoints (default 0)",
            "  --latency-sigma S          lognormal sigma; 0 = fixed latency (default 0)",
            "  --outage-at D              start an outage D after start, e.g. 30s (default duration 10s)",
            "  --outage-for D             outage duration, e.g. 10s (starts at 0s without --outage-at)",
            "  --outage-reset             reset connections during outages instead of answering 503",
            "  --error-burst-at D         start a 100 % error burst D after start (default duration 10s)",
            "  --error-burst-for D        error burst duration",
            "  --public-base-url URL      base of @odata.nextLink (default: the bound address)",
            "  --event-loops N            event-loop threads (default 1)",
            "  --seed N                   seed for error/latency randomness",
            "  --help                     print this help",
            "Durations take a unit: 500ms, 1.5s, 5s, 2m, 1h, 2d (or ISO-8601 like PT5S).",
            "Control endpoints: GET /_sim/counters, POST /_sim/reset, GET|POST /_sim/config.");

    private static final Duration DEFAULT_WINDOW = Duration.ofSeconds(10);
    private static final Set<String> VALUE_FLAGS = Set.of("--host", "--port", "--rate", "--burst", "--tenant-header",
            "--throttle-503-fraction", "--error-rate", "--latency-median-ms", "--latency-sigma", "--outage-at",
            "--outage-for", "--error-burst-at", "--error-burst-for", "--public-base-url", "--event-loops", "--seed");

    private SimulatorMain() {
    }

    /** Parses the flags, starts the simulator, prints {@code simulator listening on URL} and runs until killed. */
    public static void main(String[] args) throws InterruptedException {
        if (Arrays.asList(args).contains("--help") || Arrays.asList(args).contains("-h")) {
            System.out.println(USAGE);
            return;
        }
        SimulatorConfig config;
        try {
            config = parseArgs(args);
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            System.err.println(USAGE);
            System.exit(2);
            return;
        }
        Simulator simulator;
        try {
            simulator = Simulator.start(config);
        } catch (IllegalStateException e) {
            System.err.println("error: " + e.getMessage());
            System.exit(1);
            return;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            simulator.close();
            stopped.countDown();
        }, "simulator-shutdown"));
        System.out.println("simulator listening on " + simulator.baseUrl());
        System.out.flush();
        stopped.await();
    }

    /** Returns the usage text printed by {@code --help}. */
    public static String usage() {
        return USAGE;
    }

    /**
     * Turns command-line flags (as {@code --flag value} or {@code --flag=value}) into a configuration.
     *
     * @throws IllegalArgumentException for unknown flags, missing values or invalid values
     */
    public static SimulatorConfig parseArgs(String[] args) {
        SimulatorConfig cfg = SimulatorConfig.defaults();
        Double rate = null;
        Integer burst = null;
        Double median = null;
        Double sigma = null;
        Duration outageAt = null;
        Duration outageFor = null;
        Duration burstAt = null;
        Duration burstFor = null;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            String flag = arg;
            String inline = null;
            int eq = arg.indexOf('=');
            if (arg.startsWith("--") && eq > 0) {
                flag = arg.substring(0, eq);
                inline = arg.substring(eq + 1);
            }
            switch (flag) {
                case "--no-throttling" -> cfg = cfg.withThrottlingEnabled(false);
                case "--outage-reset" -> cfg = cfg.withOutageResetsConnection(true);
                default -> {
                    if (!VALUE_FLAGS.contains(flag)) {
                        throw new IllegalArgumentException("unknown option " + flag);
                    }
                    String value;
                    if (inline != null) {
                        value = inline;
                    } else if (i + 1 < args.length) {
                        value = args[++i];
                    } else {
                        throw new IllegalArgumentException("missing value for " + flag);
                    }
                    switch (flag) {
                        case "--host" -> cfg = cfg.withHost(value);
                        case "--port" -> cfg = cfg.withPort(parseInt(flag, value));
                        case "--rate" -> rate = parseDouble(flag, value);
                        case "--burst" -> burst = parseInt(flag, value);
                        case "--tenant-header" -> cfg = cfg.withTenantHeader(value);
                        case "--throttle-503-fraction" -> cfg = cfg.withThrottle503Fraction(parseDouble(flag, value));
                        case "--error-rate" -> cfg = cfg.withErrorRate(parseDouble(flag, value));
                        case "--latency-median-ms" -> median = parseDouble(flag, value);
                        case "--latency-sigma" -> sigma = parseDouble(flag, value);
                        case "--outage-at" -> outageAt = parseDuration(flag, value);
                        case "--outage-for" -> outageFor = parseDuration(flag, value);
                        case "--error-burst-at" -> burstAt = parseDuration(flag, value);
                        case "--error-burst-for" -> burstFor = parseDuration(flag, value);
                        case "--public-base-url" -> cfg = cfg.withPublicBaseUrl(value);
                        case "--event-loops" -> cfg = cfg.withEventLoops(parseInt(flag, value));
                        case "--seed" -> cfg = cfg.withSeed(parseLong(flag, value));
                        default -> throw new IllegalArgumentException("unknown option " + flag);
                    }
                }
            }
        }
        if (rate != null || burst != null) {
            cfg = cfg.withRate(rate != null ? rate : cfg.rateLimit().perSecond(),
                    burst != null ? burst : cfg.rateLimit().burst());
        }
        if (median != null || sigma != null) {
            cfg = cfg.withLatency(new Latency(median != null ? median : 0, sigma != null ? sigma : 0));
        }
        if (outageAt != null || outageFor != null) {
            cfg = cfg.withOutage(outageAt != null ? outageAt : Duration.ZERO,
                    outageFor != null ? outageFor : DEFAULT_WINDOW);
        }
        if (burstAt != null || burstFor != null) {
            cfg = cfg.withErrorBurst(burstAt != null ? burstAt : Duration.ZERO,
                    burstFor != null ? burstFor : DEFAULT_WINDOW);
        }
        return cfg;
    }

    private static int parseInt(String flag, String value) {
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(flag + " expects an integer, got '" + value + "'");
        }
    }

    private static long parseLong(String flag, String value) {
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(flag + " expects an integer, got '" + value + "'");
        }
    }

    private static double parseDouble(String flag, String value) {
        try {
            return Double.parseDouble(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(flag + " expects a number, got '" + value + "'");
        }
    }

    private static Duration parseDuration(String flag, String value) {
        return Durations.parse(flag, value);
    }
}
