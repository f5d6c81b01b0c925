package dev.breakwater.simulator;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.file.FileSystemOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.UnaryOperator;

/**
 * A running Graph-like upstream server; create one with {@link #start(SimulatorConfig)} and {@link #close()} it
 * when done (it owns its own Vert.x instance).
 */
public final class Simulator implements AutoCloseable {

    private static final long STARTUP_TIMEOUT_SECONDS = 30;
    private static final long SHUTDOWN_TIMEOUT_SECONDS = 10;

    private final Vertx vertx;
    private final SimulatorState state;
    private final String host;
    private final int port;
    private volatile boolean closed;

    private Simulator(Vertx vertx, SimulatorState state, String host, int port) {
        this.vertx = vertx;
        this.state = state;
        this.host = host;
        this.port = port;
    }

    /**
     * Starts a simulator and blocks until it listens (or fails to).
     *
     * @throws IllegalStateException if the server cannot bind or start in time
     */
    public static Simulator start(SimulatorConfig config) {
        Objects.requireNonNull(config, "config");
        // Small pools and no file cache: the simulator shares 2-core machines with the gateway under test and
        // must not litter the working directory with a .vertx cache folder.
        VertxOptions options = new VertxOptions()
                .setEventLoopPoolSize(config.eventLoops())
                .setWorkerPoolSize(1)
                .setInternalBlockingPoolSize(1)
                .setFileSystemOptions(new FileSystemOptions().setFileCachingEnabled(false)
                        .setClassPathResolvingEnabled(false));
        Vertx vertx = Vertx.vertx(options);
        try {
            SimulatorState state = new SimulatorState(config);
            SimulatorHandler handler = new SimulatorHandler(vertx, state);
            // With several event loops, one server per loop shares the acceptor and Vert.x spreads connections
            // over them. Port 0 is never shared in Vert.x (each server would get its own random port); a negative
            // port is Vert.x's "random port shared by all servers using this same negative value".
            int listenPort = config.port() == 0 && config.eventLoops() > 1 ? -1 : config.port();
            HttpServerOptions serverOptions = new HttpServerOptions()
                    .setHost(config.host())
                    .setPort(listenPort)
                    .setUseAlpn(false)
                    .setHttp2ClearTextEnabled(true) // h2c via upgrade or prior knowledge, for HTTP/2 gateways
                    .setTcpNoDelay(true)
                    .setCompressionSupported(false)
                    .setDecompressionSupported(false);
            int bound = -1;
            for (int i = 0; i < config.eventLoops(); i++) {
                HttpServer server = await(vertx.createHttpServer(serverOptions).requestHandler(handler).listen());
                if (bound < 0) {
                    bound = server.actualPort();
                } else if (server.actualPort() != bound) {
                    throw new IllegalStateException("event-loop servers bound different ports: " + bound + " and "
                            + server.actualPort());
                }
            }
            handler.boundTo("http://" + hostForUrl(config.host()) + ":" + bound);
            return new Simulator(vertx, state, config.host(), bound);
        } catch (RuntimeException e) {
            vertx.close();
            throw e;
        }
    }

    /** Returns the port the server is bound to (the real one when the config asked for port 0). */
    public int port() {
        return port;
    }

    /** Returns the base URL of this server, e.g. {@code http://127.0.0.1:41234}. */
    public String baseUrl() {
        return "http://" + hostForUrl(host) + ":" + port;
    }

    /** Returns a snapshot of all counters. */
    public CountersSnapshot counters() {
        return state.snapshot();
    }

    /** Zeroes all counters and forgets every tenant's bucket and Retry-After window (the config stays). */
    public void reset() {
        state.reset();
    }

    /** Returns the live configuration. */
    public SimulatorConfig config() {
        return state.config();
    }

    /**
     * Changes the live configuration (error rate, latency, limits, windows...). Host, port, event loops, seed and
     * ticker are read only at start, so changing them here has no effect.
     */
    public SimulatorConfig updateConfig(UnaryOperator<SimulatorConfig> change) {
        return state.update(change);
    }

    /** Starts an outage now that lasts {@code duration}. */
    public void startOutage(Duration duration) {
        Duration now = Duration.ofNanos(Math.max(0, elapsedNanos()));
        state.update(cfg -> cfg.withOutage(now, duration));
    }

    /** Starts an error burst (100 % 5xx) now that lasts {@code duration}. */
    public void startErrorBurst(Duration duration) {
        Duration now = Duration.ofNanos(Math.max(0, elapsedNanos()));
        state.update(cfg -> cfg.withErrorBurst(now, duration));
    }

    /** Returns the time since start as seen by the configured ticker (the clock scheduled windows use). */
    public Duration elapsed() {
        return Duration.ofNanos(elapsedNanos());
    }

    /** Stops the server and its Vert.x instance, waiting up to 10 s; calling it again does nothing. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            vertx.close().toCompletionStage().toCompletableFuture().get(SHUTDOWN_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            // Shutting down is best effort: a slow close must not fail the caller's teardown.
            System.getLogger(Simulator.class.getName()).log(System.Logger.Level.WARNING, "simulator close failed", e);
        }
    }

    private long elapsedNanos() {
        return state.elapsedNanos(state.ticker.nanoTime());
    }

    private static String hostForUrl(String host) {
        if ("0.0.0.0".equals(host)) {
            return "127.0.0.1"; // a wildcard bind is reachable via loopback; 0.0.0.0 is not a usable URL host
        }
        if ("::".equals(host) || "[::]".equals(host)) {
            return "[::1]";
        }
        return host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
    }

    private static <T> T await(Future<T> future) {
        try {
            return future.toCompletionStage().toCompletableFuture().get(STARTUP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting the simulator", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("simulator failed to start: " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("simulator did not start within " + STARTUP_TIMEOUT_SECONDS + " s", e);
        }
    }
}
