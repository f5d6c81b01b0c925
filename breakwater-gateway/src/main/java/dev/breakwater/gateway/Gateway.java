package dev.breakwater.gateway;

import dev.breakwater.Breakwater;
import dev.breakwater.BreakwaterException;
import dev.breakwater.CallContext;
import dev.breakwater.CallResult;
import dev.breakwater.ErrorCode;
import dev.breakwater.OperationKind;
import dev.breakwater.Pipeline;
import dev.breakwater.Source;
import dev.breakwater.cache.CaffeineCacheStore;
import dev.breakwater.classify.Classifier;
import dev.breakwater.classify.HttpClassifier;
import dev.breakwater.gateway.config.ConfigLoader;
import dev.breakwater.gateway.config.ConfigProblems;
import dev.breakwater.gateway.config.GatewayConfig;
import dev.breakwater.gateway.config.RouteConfig;
import dev.breakwater.gateway.config.UpstreamConfig;
import dev.breakwater.gateway.http.BoundedReadStream;
import dev.breakwater.gateway.http.CorrelationIds;
import dev.breakwater.gateway.http.HopByHop;
import dev.breakwater.gateway.http.Problem;
import dev.breakwater.gateway.http.RateLimitHeaders;
import dev.breakwater.gateway.http.StoredResponseCodec;
import dev.breakwater.gateway.http.UpstreamResponse;
import dev.breakwater.gateway.internal.EventLoopTime;
import dev.breakwater.gateway.identity.JwtVerifier;
import dev.breakwater.idempotency.InMemoryIdempotencyStore;
import dev.breakwater.internal.Events;
import dev.breakwater.internal.Ids;
import dev.breakwater.micrometer.BreakwaterMetrics;
import dev.breakwater.ratelimit.InMemoryRateLimitStore;
import dev.breakwater.redis.RedisState;
import dev.breakwater.spi.CacheStore;
import dev.breakwater.spi.IdempotencyStore;
import dev.breakwater.spi.RateLimitStore;
import dev.breakwater.spi.ThrottleGateStore;
import dev.breakwater.throttle.InMemoryThrottleGateStore;
import dev.breakwater.time.TimeSource;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sidecar gateway: an HTTP proxy on Vert.x that sends every request through the Breakwater pipeline of its route,
 * and an admin listener (token-protected controls, health, Prometheus metrics) on its own port. A reload swaps the
 * routes, policies and upstream clients atomically; state stores (rate limits, gates, idempotency, cache) survive it.
 */
public final class Gateway implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Gateway.class);
  static final String CORRELATION_HEADER = "X-Correlation-Id";
  static final String IDEMPOTENCY_HEADER = "Idempotency-Key";
  static final String REPLAYED_HEADER = "Idempotent-Replayed";
  private static final int MAX_IDEMPOTENCY_KEY = 255;
  private static final EventLoopTime TIME = EventLoopTime.create();
  private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

  private final Vertx vertx;
  private final boolean ownsVertx;
  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Stores stores;
  private final AtomicReference<Runtime> runtime = new AtomicReference<>();
  private final AtomicInteger inFlight = new AtomicInteger();
  private volatile boolean draining;
  private static final int EVENT_LOOPS = Math.max(1, java.lang.Runtime.getRuntime().availableProcessors());
  private final List<HttpServer> servers = new java.util.ArrayList<>();
  private HttpServer adminServer;
  private long watchTimer = -1;

  private Gateway(Vertx vertx, boolean ownsVertx, GatewayConfig config) {
    this.vertx = vertx;
    this.ownsVertx = ownsVertx;
    this.stores = new Stores(config);
    try {
      this.runtime.set(new Runtime(config, this));
    } catch (RuntimeException e) {
      stores.close();
      throw e;
    }
  }

  /** Starts a gateway on its own Vert.x instance and waits until both listeners are bound. */
  public static Gateway start(GatewayConfig config) {
    Vertx vertx = Vertx.vertx();
    try {
      return start(vertx, true, config);
    } catch (RuntimeException e) {
      vertx.close();
      throw e;
    }
  }

  private static Gateway start(Vertx vertx, boolean owns, GatewayConfig config) {
    Gateway g = new Gateway(vertx, owns, config);
    try {
      g.listen().toCompletionStage().toCompletableFuture().join();
    } catch (RuntimeException e) {
      // A gateway that never served must not leave its Redis connection behind: its heartbeat would count it as a
      // live instance, and every other instance would shrink its share of a limit during a Redis outage.
      g.abandon();
      Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null
          ? e.getCause() : e;
      throw new IllegalStateException("the gateway could not listen on " + config.server().host() + ":"
          + config.server().port() + " or admin port " + config.admin().port() + ": " + cause.getMessage(), cause);
    }
    LOG.info("breakwater gateway listening on http://{}:{} (admin on port {}), {} routes, state {}",
        config.server().host(), g.port(), g.adminPort(), config.routes().size(), config.state().backend());
    return g;
  }

  private Future<Void> listen() {
    GatewayConfig c = runtime.get().config;
    HttpServerOptions options = new HttpServerOptions()
        .setHost(c.server().host())
        // Port 0 becomes -1: Vert.x's "one random port shared by every server asking for -1", so that the servers
        // of all event loops end up on the same ephemeral port.
        .setPort(c.server().port() == 0 ? -1 : c.server().port())
        .setMaxHeaderSize(c.server().maxHeaderBytes())
        .setMaxInitialLineLength(8192)
        .setCompressionSupported(false)
        .setIdleTimeout(120);
    adminServer = vertx.createHttpServer(new HttpServerOptions().setHost(c.admin().host())
        .setPort(c.admin().port())).requestHandler(new Admin(this)::handle);
    // One listener per event loop on the same port, each in a verticle instance of its own (so on an event loop of
    // its own): Vert.x spreads accepted connections over them, and the proxy uses every core.
    return vertx.deployVerticle(() -> new io.vertx.core.AbstractVerticle() {
      @Override
      public void start(Promise<Void> started) {
        HttpServer s = vertx.createHttpServer(options).requestHandler(Gateway.this::handle)
            .invalidRequestHandler(Gateway.this::invalidRequest);
        s.listen().onSuccess(bound -> {
          synchronized (servers) {
            servers.add(bound);
          }
          started.complete();
        }).onFailure(started::fail);
      }
    }, new io.vertx.core.DeploymentOptions().setInstances(EVENT_LOOPS))
        .compose(id -> adminServer.listen()).mapEmpty();
  }

  /** The proxy's bound port. */
  public int port() {
    synchronized (servers) {
      return servers.get(0).actualPort();
    }
  }

  /** The admin listener's bound port. */
  public int adminPort() {
    return adminServer.actualPort();
  }

  /** The configuration in force. */
  public GatewayConfig config() {
    return runtime.get().config;
  }

  /** The engine in force (for operators' controls). */
  Breakwater engine() {
    return runtime.get().engine;
  }

  /** The metrics registry behind {@code /metrics}. */
  PrometheusMeterRegistry registry() {
    return registry;
  }

  /** Health of the shared state store: empty when it is fine (or in memory), else the reason. */
  Optional<String> stateDegraded() {
    if (stores.redis == null) {
      return Optional.empty();
    }
    RedisState.Health h = stores.redis.health();
    return h.degraded() ? Optional.of(h.detail()) : Optional.empty();
  }

  /** The throttle gates closed now for an upstream: tenant to the epoch millis it reopens. */
  Map<String, Long> closedGates(String upstream) {
    if (stores.gates instanceof InMemoryThrottleGateStore) {
      return ((InMemoryThrottleGateStore) stores.gates).closedGates(upstream);
    }
    if (stores.gates instanceof dev.breakwater.redis.internal.RedisThrottleGateStore) {
      return ((dev.breakwater.redis.internal.RedisThrottleGateStore) stores.gates).closedGates(upstream);
    }
    return Map.of();
  }

  /** What a rate-limit bucket has left, read from the state store (with Redis, the fleet's bucket). */
  java.util.concurrent.CompletionStage<dev.breakwater.ratelimit.RateLimitQuota> inspect(
      dev.breakwater.ratelimit.RateLimitConfig limit, String key) {
    return stores.rateLimits.inspect(limit, key);
  }

  /** Whether the gateway is draining for shutdown. */
  boolean draining() {
    return draining;
  }

  /**
   * Loads the config file again; a file that fails validation is rejected and the running config keeps serving.
   * Returns the problems, empty when the new config took over.
   */
  public synchronized List<String> reload() {
    GatewayConfig current = runtime.get().config;
    GatewayConfig next;
    try {
      next = ConfigLoader.load(current.source());
    } catch (ConfigProblems e) {
      LOG.warn("reload rejected, the running config keeps serving:\n{}", e.getMessage());
      return e.problems().stream().map(Object::toString).toList();
    } catch (RuntimeException e) {
      LOG.warn("reload rejected, the running config keeps serving: {}", e.toString());
      return List.of(current.source() + ": " + e.getMessage());
    }
    Runtime old = runtime.getAndSet(new Runtime(next, this));
    // Calls in flight finish on the clients they started with; close those once they can have drained.
    vertx.setTimer(Math.max(1000, next.server().drainTimeout().toMillis()), t -> old.close());
    LOG.info("reloaded {}: {} routes", next.source(), next.routes().size());
    return List.of();
  }

  /** Reloads whenever the config file's modification time changes (checked every {@code period}). */
  public void watchConfigFile(Duration period) {
    java.nio.file.Path file = runtime.get().config.source();
    if (file == null) {
      return;
    }
    long[] last = {lastModified(file)};
    watchTimer = vertx.setPeriodic(period.toMillis(), t -> vertx.executeBlocking(() -> {
      long m = lastModified(file);
      if (m != last[0]) {
        last[0] = m;
        reload();
      }
      return null;
    }, false));
  }

  private static long lastModified(java.nio.file.Path file) {
    try {
      return java.nio.file.Files.getLastModifiedTime(file).toMillis();
    } catch (java.io.IOException e) {
      return -1;
    }
  }

  /** Releases what a start that failed had opened: listeners already bound, pipelines, state stores. */
  private void abandon() {
    List<HttpServer> bound;
    synchronized (servers) {
      bound = List.copyOf(servers);
    }
    for (HttpServer s : bound) {
      s.close();
    }
    if (adminServer != null) {
      adminServer.close();
    }
    runtime.get().close();
    stores.close();
  }

  /**
   * Drains, then closes everything: new requests are answered 503 {@code MAINTENANCE} (and {@code /health/ready} says
   * so) while the calls in flight finish, for up to the drain timeout; then the listeners close. They close last
   * because closing a Vert.x server also closes its open connections, and with them the calls still on them.
   */
  @Override
  public void close() {
    draining = true;
    if (watchTimer >= 0) {
      vertx.cancelTimer(watchTimer);
    }
    long deadline = System.nanoTime() + runtime.get().config.server().drainTimeout().toNanos();
    try {
      while (inFlight.get() > 0 && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      if (inFlight.get() > 0) {
        LOG.warn("drain timeout passed with {} calls in flight; closing anyway", inFlight.get());
      }
      List<HttpServer> all;
      synchronized (servers) {
        all = List.copyOf(servers);
      }
      for (HttpServer s : all) {
        s.close().toCompletionStage().toCompletableFuture().join();
      }
      adminServer.close().toCompletionStage().toCompletableFuture().join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      runtime.get().close();
      stores.close();
      if (ownsVertx) {
        vertx.close().toCompletionStage().toCompletableFuture().join();
      }
    }
  }

  // ------------------------------------------------------------------------------------------------------------

  private void invalidRequest(HttpServerRequest req) {
    // Vert.x calls this for requests it could not decode; oversized headers are the common case.
    String cid = Ids.correlationId();
    Throwable cause = req.decoderResult().cause();
    boolean tooLarge = cause instanceof io.netty.handler.codec.TooLongFrameException;
    int status = tooLarge ? 431 : 400;
    reply(req.response(), cid, Problem.render(ErrorCode.INVALID_REQUEST, status, tooLarge
        ? "request headers larger than " + runtime.get().config.server().maxHeaderBytes() + " bytes"
        : "malformed request: " + cause, -1, cid), http1(req));
  }

  private void handle(HttpServerRequest req) {
    Runtime rt = runtime.get();
    String cid = correlationId(req);
    HttpServerResponse res = req.response();
    res.putHeader(CORRELATION_HEADER, cid);
    if (draining) {
      reply(res, cid, Problem.of(ErrorCode.MAINTENANCE, "the gateway is shutting down", 1, cid), http1(req));
      return;
    }
    String path = req.path();
    Optional<RouteConfig> route = path == null ? Optional.empty() : rt.config.route(req.method().name(), path);
    if (route.isEmpty()) {
      reply(res, cid, Problem.render(ErrorCode.INVALID_REQUEST, 404, "no route for " + req.method() + " "
          + path, -1, cid), false);
      return;
    }
    RouteConfig r = route.get();
    if (rt.jwt == null) {
      proceed(rt, req, cid, r, req.getHeader(rt.config.identity().tenantHeader()),
          req.getHeader(rt.config.identity().userHeader()));
      return;
    }
    String auth = req.getHeader("Authorization");
    if (auth == null || !auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
      res.putHeader("WWW-Authenticate", "Bearer");
      reply(res, cid, Problem.render(ErrorCode.AUTH_REQUIRED, 401, "a bearer token is required", -1, cid), false);
      return;
    }
    io.vertx.core.Context context = vertx.getOrCreateContext();
    req.pause(); // hold the body until the token is verified (the JWKS may need a fetch)
    rt.jwt.verify(auth.substring(7).trim()).whenComplete((id, e) -> context.runOnContext(v -> {
      req.resume();
      if (e != null) {
        Throwable c = e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
        res.putHeader("WWW-Authenticate", "Bearer error=\"invalid_token\"");
        reply(res, cid, Problem.render(ErrorCode.AUTH_REQUIRED, 401, "invalid token: " + c.getMessage(), -1, cid),
            false);
      } else {
        proceed(rt, req, cid, r, id.tenant(), id.user());
      }
    }));
  }

  private void proceed(Runtime rt, HttpServerRequest req, String cid, RouteConfig r, String tenant, String user) {
    HttpServerResponse res = req.response();
    if (tenant == null || tenant.isBlank()) {
      tenant = r.defaultTenant();
      if (tenant == null && r.tenantRequired()) {
        reply(res, cid, Problem.of(ErrorCode.INVALID_REQUEST, "missing tenant: header "
            + rt.config.identity().tenantHeader() + " is required on this route", -1, cid), false);
        return;
      }
    }
    String idemKey = req.getHeader(IDEMPOTENCY_HEADER);
    if (idemKey != null && !validIdempotencyKey(idemKey)) {
      reply(res, cid, Problem.of(ErrorCode.INVALID_REQUEST, "Idempotency-Key: expected 1 to " + MAX_IDEMPOTENCY_KEY
          + " visible ASCII characters", -1, cid), false);
      return;
    }
    long max = rt.config.server().maxBodyBytes();
    String length = req.getHeader("Content-Length");
    long declared = length == null ? -1 : parseLong(length);
    if (declared > max) {
      bodyTooLarge(req, cid, max);
      return;
    }
    String t = tenant;
    inFlight.incrementAndGet();
    if (streamsBody(rt, req, idemKey, declared)) {
      req.pause(); // the upstream attempt pipes it; until then it waits in the socket, not in memory
      BoundedReadStream body = new BoundedReadStream(req, max);
      forwardThroughPipeline(rt, r, req, RequestBody.streamed(body, declared), cid, t, user, idemKey)
          .whenComplete((x, e) -> inFlight.decrementAndGet());
      return;
    }
    readWhole(req, max, () -> { }).onComplete(body -> { // past the bound the request is left paused
      if (body.failed()) {
        inFlight.decrementAndGet();
        bodyTooLarge(req, cid, max);
        return;
      }
      String malformed = malformedJson(req.getHeader("Content-Type"), body.result());
      if (malformed != null) {
        inFlight.decrementAndGet();
        reply(res, cid, Problem.of(ErrorCode.INVALID_REQUEST, "malformed JSON body: " + malformed, -1, cid), false);
        return;
      }
      forwardThroughPipeline(rt, r, req, RequestBody.whole(body.result()), cid, t, user, idemKey)
          .whenComplete((x, e) -> inFlight.decrementAndGet());
    });
  }

  /** The 413 of a request body over {@code max} bytes; the connection closes, as the body was not read. */
  private static void bodyTooLarge(HttpServerRequest req, String cid, long max) {
    reply(req.response(), cid, Problem.render(ErrorCode.INVALID_REQUEST, 413, "request body larger than " + max
        + " bytes", -1, cid), http1(req));
  }

  /**
   * Whether a request body goes to the upstream as it arrives instead of being read first: a body larger than
   * {@code server.bufferBodyBytes} (or of unknown length) that nothing needs whole — no Idempotency-Key (its
   * fingerprint hashes the body), not JSON (checked before the call). Its call is then not retried.
   */
  private static boolean streamsBody(Runtime rt, HttpServerRequest req, String idemKey, long declared) {
    if (idemKey != null) {
      return false;
    }
    // Unknown length: chunked on HTTP/1.1. (An HTTP/2 body without a length is read whole: at the headers, Vert.x
    // cannot yet tell a request with a body from one without.)
    boolean chunked = declared < 0 && req.getHeader("Transfer-Encoding") != null;
    if (declared <= rt.config.server().bufferBodyBytes() && !chunked) {
      return false;
    }
    return !isJson(req.getHeader("Content-Type"));
  }

  /** A request body: read whole, or a stream the upstream attempt pipes (once: such a call is not retried). */
  private record RequestBody(Buffer whole, BoundedReadStream stream, long length) {
    static RequestBody whole(Buffer b) {
      return new RequestBody(b, null, b.length());
    }

    static RequestBody streamed(BoundedReadStream s, long length) {
      return new RequestBody(null, s, length);
    }
  }

  private CompletableFuture<Void> forwardThroughPipeline(Runtime rt, RouteConfig r, HttpServerRequest req,
      RequestBody body, String cid, String tenant, String user, String idemKey) {
    HttpServerResponse res = req.response();
    OperationKind kind = r.kind().resolve(req.method().name(), idemKey != null);
    if (body.stream() != null && kind.retryable(false)) {
      kind = OperationKind.WRITE; // a streamed body can be sent once: nothing retries it
    }
    String query = req.query();
    String resource = query == null ? req.path() : req.path() + "?" + query;
    CallContext ctx = CallContext.builder()
        .tenant(tenant).user(user).upstream(r.upstream()).domain(r.domain()).operation(r.operation())
        .resource(resource).kind(kind).lane(r.lane().resolve(req.getHeader("X-Breakwater-Lane"))).cost(r.cost())
        .idempotencyKey(idemKey).fingerprint(idemKey == null ? null : fingerprint(req, body.whole()))
        .correlationId(cid).build();
    boolean credentialed = req.getHeader("Authorization") != null;
    Pipeline<UpstreamResponse> pipeline = credentialed && !r.cacheCredentialed()
        ? rt.uncachedPipelines.get(r.name()) : rt.pipelines.get(r.name());
    MultiMap headers = forwardedHeaders(req, cid);
    Upstream upstream = rt.upstreams.get(r.upstream());
    // The body is kept whole only where a store needs it: an idempotent replay, or a cache entry.
    boolean buffer = idemKey != null || (r.cache() != null && pipeline == rt.pipelines.get(r.name()));
    long maxBody = rt.config.server().maxBodyBytes();
    return pipeline.executeAsyncForResult(ctx, () -> upstream.send(req.method(), resource, headers, body, buffer,
            maxBody))
        .toCompletableFuture()
        .handle((result, error) -> {
          rateLimitHeaders(rt, r, ctx, res, error);
          if (error == null) {
            return relay(req, result, cid);
          } else if (body.stream() != null && body.stream().exceeded()) {
            bodyTooLarge(req, cid, rt.config.server().maxBodyBytes());
          } else {
            Throwable c = Classifier.unwrap(error);
            BreakwaterException b = c instanceof BreakwaterException ? (BreakwaterException) c
                : new BreakwaterException(ErrorCode.UPSTREAM_ERROR, String.valueOf(c), null, cid, c);
            // A refused streamed body was never read: close the connection rather than leave it half-read.
            reply(res, cid, Problem.of(b, cid), body.stream() != null && http1(req));
          }
          return DONE;
        })
        .thenCompose(written -> written);
  }

  /**
   * The IETF httpapi RateLimit headers of a rate-limited route: {@code RateLimit-Policy} names every limit with its
   * quota and window; {@code RateLimit} gives the remaining tokens and the reset time of the limit closest to running
   * out, when the store can tell without a round trip (or from the denial itself).
   */
  private void rateLimitHeaders(Runtime rt, RouteConfig r, CallContext ctx, HttpServerResponse res, Throwable error) {
    if (r.rateLimits().isEmpty() || res.ended() || res.closed()) {
      return;
    }
    dev.breakwater.ratelimit.RateLimitQuota tightest = null;
    String tightestName = null;
    for (String name : r.rateLimits()) {
      dev.breakwater.ratelimit.RateLimitConfig l = rt.config.policies().rateLimit(name);
      dev.breakwater.ratelimit.RateLimitQuota q = stores.rateLimits.peek(l, l.scope().key(ctx));
      if (q != null && (tightest == null || q.remaining() < tightest.remaining())) {
        tightest = q;
        tightestName = name;
      }
    }
    res.putHeader("RateLimit-Policy", rt.rateLimitPolicies.get(r.name()));
    Throwable c = error == null ? null : Classifier.unwrap(error);
    BreakwaterException b = c instanceof BreakwaterException ? (BreakwaterException) c : null;
    if (b != null && b.code() == ErrorCode.RATE_LIMITED && b.limit().isPresent()) {
      res.putHeader("RateLimit", RateLimitHeaders.remaining(b.limit().get(), 0,
          b.retryAfter().map(java.time.Duration::getSeconds).orElse(1L)));
    } else if (tightest != null) {
      res.putHeader("RateLimit", RateLimitHeaders.remaining(tightestName, tightest.remaining(),
          tightest.resetSeconds()));
    }
  }

  /**
   * The whole of a body, or a failure once it passes {@code max} bytes (the same bound as a streamed body, which
   * leaves the stream paused); {@code tooLarge} then does what else the stream needs (an upstream connection is cut).
   */
  static Future<Buffer> readWhole(io.vertx.core.streams.ReadStream<Buffer> stream, long max, Runnable tooLarge) {
    Promise<Buffer> p = Promise.promise();
    Buffer buf = Buffer.buffer();
    BoundedReadStream bounded = new BoundedReadStream(stream, max);
    bounded.exceptionHandler(e -> {
      if (p.tryFail(e) && bounded.exceeded()) {
        tooLarge.run();
      }
    });
    bounded.handler(buf::appendBuffer);
    bounded.endHandler(v -> p.tryComplete(buf));
    return p.future();
  }

  private static final com.fasterxml.jackson.core.JsonFactory JSON = new com.fasterxml.jackson.core.JsonFactory();

  /** Whether a Content-Type says JSON ({@code application/json}, {@code application/problem+json}, ...). */
  private static boolean isJson(String contentType) {
    return contentType != null && contentType.toLowerCase(java.util.Locale.ROOT).contains("json");
  }

  /**
   * Why a body that says it is JSON is not, or null when it is (or says it is something else). Checked here so that
   * a malformed body costs the upstream nothing and the caller a clear 400 instead of the upstream's own wording.
   */
  static String malformedJson(String contentType, Buffer body) {
    if (!isJson(contentType) || body.length() == 0) {
      return null;
    }
    try (com.fasterxml.jackson.core.JsonParser p = JSON.createParser(body.getBytes())) {
      while (p.nextToken() != null) {
        p.skipChildren();
      }
      return null;
    } catch (java.io.IOException e) {
      String m = e.getMessage();
      int cut = m == null ? -1 : m.indexOf('\n');
      return cut < 0 ? String.valueOf(m) : m.substring(0, cut);
    }
  }

  private static MultiMap forwardedHeaders(HttpServerRequest req, String cid) {
    MultiMap out = MultiMap.caseInsensitiveMultiMap();
    String connection = req.getHeader("Connection");
    req.headers().forEach((k, v) -> {
      if (!HopByHop.strip(k, connection)) {
        out.add(k, v);
      }
    });
    out.set(CORRELATION_HEADER, cid);
    if (!out.contains("traceparent")) {
      out.set("traceparent", "00-" + cid32(cid) + "-" + Ids.correlationId().substring(0, 16) + "-01");
    }
    return out;
  }

  private static String cid32(String cid) {
    char[] out = new char[32];
    int n = 0;
    for (int i = 0; i < cid.length() && n < 32; i++) {
      char c = cid.charAt(i);
      if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')) {
        out[n++] = c;
      }
    }
    while (n < 32) {
      out[n++] = '0';
    }
    return new String(out);
  }

  /** Writes the upstream's answer; the future completes once it is all written (a stream may take a while). */
  private CompletableFuture<Void> relay(HttpServerRequest req, CallResult<UpstreamResponse> result, String cid) {
    HttpServerResponse res = req.response();
    if (res.ended() || res.closed()) {
      if (result.value().streamed()) {
        result.value().stream().request().reset(); // nobody to stream to: free the upstream connection
      }
      return DONE;
    }
    UpstreamResponse up = result.value();
    res.setStatusCode(up.status());
    String connection = up.header("Connection");
    up.headers().forEach((k, v) -> {
      if (!HopByHop.strip(k, connection)) {
        res.headers().add(k, v);
      }
    });
    res.putHeader(CORRELATION_HEADER, cid);
    if (result.source() == Source.REPLAY) {
      res.putHeader(REPLAYED_HEADER, "true");
    }
    if (result.source() != Source.UPSTREAM) {
      res.putHeader("X-Breakwater-Source", result.source().name().toLowerCase(java.util.Locale.ROOT));
    }
    if (!up.streamed()) {
      res.end(up.body());
      return DONE;
    }
    String length = up.header("Content-Length");
    if (length != null) {
      res.putHeader("Content-Length", length); // stripped with the hop-by-hop headers; a stream keeps its own
    } else if (http1(req)) {
      res.setChunked(true); // the upstream sent no length (it was chunked): so do we
    }
    // A caller that leaves mid-stream frees the upstream connection at once, not when the upstream next writes.
    res.closeHandler(v -> {
      if (!res.ended()) {
        up.stream().request().reset();
      }
    });
    // A failure on either side cuts both: the caller must not take a truncated body for a whole one, and the
    // upstream connection must not stay half-read in the pool.
    CompletableFuture<Void> written = new CompletableFuture<>();
    up.stream().pipe().endOnFailure(false).to(res).onComplete(ar -> {
      if (ar.failed()) {
        if (!res.closed()) {
          res.reset(); // resetting a response whose connection is already gone makes Netty release a buffer twice
        }
        up.stream().request().reset();
      }
      written.complete(null);
    });
    return written;
  }

  /** Whether a response may ask to close the connection: HTTP/2 forbids the Connection header. */
  private static boolean http1(HttpServerRequest req) {
    return req.version() != io.vertx.core.http.HttpVersion.HTTP_2;
  }

  /** Writes a problem+json answer with its correlation id and, on 429/503, Retry-After. */
  static void reply(HttpServerResponse res, String cid, Problem.Rendered p, boolean close) {
    if (res.ended() || res.closed()) {
      return;
    }
    res.setStatusCode(p.status())
        .putHeader("Content-Type", Problem.MEDIA_TYPE)
        .putHeader(CORRELATION_HEADER, cid);
    if (p.retryAfterSeconds() >= 0) {
      res.putHeader("Retry-After", Long.toString(p.retryAfterSeconds()));
    }
    if (close) {
      res.putHeader("Connection", "close");
    }
    res.end(p.json());
  }

  private static String correlationId(HttpServerRequest req) {
    return CorrelationIds.of(req.getHeader(CORRELATION_HEADER), req.getHeader("traceparent"));
  }

  static boolean validIdempotencyKey(String key) {
    if (key.isEmpty() || key.length() > MAX_IDEMPOTENCY_KEY) {
      return false;
    }
    for (int i = 0; i < key.length(); i++) {
      char c = key.charAt(i);
      if (c < 0x21 || c > 0x7e) {
        return false;
      }
    }
    return true;
  }

  private static String fingerprint(HttpServerRequest req, Buffer body) {
    try {
      MessageDigest d = MessageDigest.getInstance("SHA-256");
      d.update((req.method().name() + " " + req.uri() + "\n").getBytes(StandardCharsets.UTF_8));
      d.update(body.getBytes());
      return java.util.HexFormat.of().formatHex(d.digest());
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static long parseLong(String s) {
    try {
      return Long.parseLong(s.trim());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  // ------------------------------------------------------------------------------------------------------------

  /** State stores that outlive reloads: in memory, or in Redis for a fleet. */
  private static final class Stores implements AutoCloseable {
    final RedisState redis;
    final RateLimitStore rateLimits;
    final ThrottleGateStore gates;
    final IdempotencyStore<UpstreamResponse> idempotency;
    final CacheStore<UpstreamResponse> cache;

    Stores(GatewayConfig config) {
      TimeSource time = TimeSource.system();
      Events none = new Events(List.of());
      this.redis = config.state().redis().map(RedisState::connect).orElse(null);
      if (redis == null) {
        rateLimits = new InMemoryRateLimitStore(time, 100_000, Duration.ofMinutes(10), none);
        gates = new InMemoryThrottleGateStore(time, 100_000, none);
        idempotency = new InMemoryIdempotencyStore<>(time, 100_000);
        cache = new CaffeineCacheStore<>(time, 10_000);
      } else {
        rateLimits = redis.rateLimitStore();
        gates = redis.throttleGateStore();
        idempotency = redis.idempotencyStore(StoredResponseCodec.INSTANCE);
        cache = redis.cacheStore("gateway", StoredResponseCodec.INSTANCE, 10_000);
      }
    }

    @Override
    public void close() {
      if (redis != null) {
        redis.close();
      }
    }
  }

  /** Routes, pipelines and upstream clients of one config; replaced whole on reload. */
  private static final class Runtime {
    final GatewayConfig config;
    final Breakwater engine;
    final Map<String, Pipeline<UpstreamResponse>> pipelines = new HashMap<>();
    final Map<String, Pipeline<UpstreamResponse>> uncachedPipelines = new HashMap<>();
    final Map<String, Upstream> upstreams = new HashMap<>();
    final JwtVerifier jwt;
    final Map<String, String> rateLimitPolicies = new HashMap<>();

    Runtime(GatewayConfig config, Gateway g) {
      this.config = config;
      this.jwt = config.identity().jwt().map(j -> new JwtVerifier(j, System::currentTimeMillis)).orElse(null);
      // A route may share its cache entries between a tenant's users although its cache policy is private: it gets
      // a shared variant of that policy under a derived name.
      dev.breakwater.config.Policies.Builder policies = config.policies().toBuilder();
      Map<String, String> cacheOf = new HashMap<>();
      for (RouteConfig r : config.routes()) {
        if (r.cache() != null && r.cacheShared() && !config.policies().cache(r.cache()).shared()) {
          String shared = r.cache() + "~shared";
          policies.cache(shared, config.policies().cache(r.cache()).withShared(true));
          cacheOf.put(r.name(), shared);
        }
      }
      this.engine = Breakwater.builder()
          .timeSource(TIME)
          .executor(TIME)
          .policies(policies.build())
          .listener(new BreakwaterMetrics(g.registry))
          .rateLimitStore(g.stores.rateLimits)
          .throttleGateStore(g.stores.gates)
          .build();
      HttpClassifier<UpstreamResponse> classifier = new HttpClassifier<>(UpstreamResponse::status,
          UpstreamResponse::header, TimeSource.system());
      for (UpstreamConfig u : config.upstreams().values()) {
        upstreams.put(u.name(), new Upstream(g.vertx, u));
      }
      for (RouteConfig r : config.routes()) {
        StringBuilder policy = new StringBuilder();
        for (String name : r.rateLimits()) {
          dev.breakwater.ratelimit.RateLimitConfig l = config.policies().rateLimit(name);
          policy.append(policy.length() == 0 ? "" : ", ")
              .append(RateLimitHeaders.policyItem(name, l.permits(), l.period()));
        }
        rateLimitPolicies.put(r.name(), policy.toString());
        pipelines.put(r.name(), engine.<UpstreamResponse>pipeline(config.pipelineConfig(r)
                .withCache(cacheOf.getOrDefault(r.name(), r.cache()))).classifier(classifier)
            .idempotencyStore(g.stores.idempotency).cacheStore(g.stores.cache).cacheable(UpstreamResponse::cacheable)
            .build());
        uncachedPipelines.put(r.name(), engine.<UpstreamResponse>pipeline(config.pipelineConfig(r).withCache(null))
            .classifier(classifier).idempotencyStore(g.stores.idempotency).build());
      }
    }

    void close() {
      upstreams.values().forEach(Upstream::close);
    }
  }

  /**
   * One upstream: pooled keep-alive clients per endpoint, tried in priority order on connection failures. Each event
   * loop gets clients of its own, so a request and its upstream connection live on the same thread: a shared pool
   * would hand half the requests to a connection of the other loop, a thread hop each way.
   */
  private static final class Upstream {
    final List<URI> endpoints;
    private final Vertx vertx;
    private final UpstreamConfig config;
    private final ThreadLocal<HttpClient[]> loopClients = ThreadLocal.withInitial(this::newClients);
    private final List<HttpClient> all = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final HttpClient[] shared;

    Upstream(Vertx vertx, UpstreamConfig u) {
      this.vertx = vertx;
      this.config = u;
      this.endpoints = u.endpoints();
      this.shared = newClients();
    }

    private HttpClient[] newClients() {
      // The connection bound is the upstream's in all: each loop's pool gets its share.
      int perLoop = Math.max(1, (config.maxConnections() + EVENT_LOOPS - 1) / EVENT_LOOPS);
      HttpClient[] out = new HttpClient[endpoints.size()];
      for (int i = 0; i < out.length; i++) {
        URI e = endpoints.get(i);
        HttpClientOptions options = new HttpClientOptions()
            .setDefaultHost(e.getHost())
            .setDefaultPort(e.getPort() > 0 ? e.getPort() : "https".equals(e.getScheme()) ? 443 : 80)
            .setSsl("https".equals(e.getScheme()))
            .setKeepAlive(true)
            .setTcpNoDelay(true)
            .setConnectTimeout(2000);
        if (config.caFile() != null) {
          options.setTrustOptions(new io.vertx.core.net.PemTrustOptions().addCertPath(config.caFile()));
        }
        if (config.protocol() != UpstreamConfig.Protocol.HTTP1) {
          // h2c with prior knowledge (no Upgrade round trip), h2 through ALPN; many streams share a connection.
          options.setProtocolVersion(io.vertx.core.http.HttpVersion.HTTP_2).setHttp2ClearTextUpgrade(false)
              .setUseAlpn(config.protocol() == UpstreamConfig.Protocol.H2);
        }
        out[i] = vertx.createHttpClient(options, new PoolOptions().setHttp1MaxSize(perLoop).setHttp2MaxSize(perLoop));
        all.add(out[i]);
      }
      return out;
    }

    /** The clients of the calling event loop; calls from elsewhere (retries on a timer thread) share one set. */
    private HttpClient client(int endpoint) {
      return (io.vertx.core.Context.isOnEventLoopThread() ? loopClients.get() : shared)[endpoint];
    }

    /**
     * Sends one attempt. A 2xx answer comes back paused for streaming unless {@code buffer} asks for the whole body;
     * every other answer is read whole (error pages are small, and a retry or a problem+json replaces them), at most
     * {@code maxBody} bytes.
     */
    CompletableFuture<UpstreamResponse> send(HttpMethod method, String resource, MultiMap headers, RequestBody body,
        boolean buffer, long maxBody) {
      CompletableFuture<UpstreamResponse> out = new CompletableFuture<>();
      attempt(0, method, resource, headers, body, buffer, maxBody, out);
      return out;
    }

    private void attempt(int i, HttpMethod method, String resource, MultiMap headers, RequestBody body,
        boolean buffer, long maxBody, CompletableFuture<UpstreamResponse> out) {
      URI base = endpoints.get(i);
      String basePath = base.getPath() == null || base.getPath().equals("/") ? "" : base.getPath();
      RequestOptions ro = new RequestOptions().setMethod(method).setURI(basePath + resource).setHeaders(headers);
      client(i).request(ro)
          .compose(req -> {
            out.whenComplete((x, e) -> {
              if (out.isCancelled()) {
                req.reset(); // the attempt timed out: stop the upstream work instead of letting it run on
              }
            });
            if (body.stream() == null) {
              return req.send(body.whole());
            }
            if (body.length() >= 0) {
              req.putHeader("Content-Length", Long.toString(body.length()));
            } else {
              req.setChunked(true);
            }
            // Not send(stream): that ends the request when the stream fails, and a cut body would look complete.
            body.stream().pipe().endOnFailure(false).to(req).onFailure(e -> req.reset(0, e));
            return req.response();
          })
          .compose(resp -> {
            int status = resp.statusCode();
            if (!buffer && status >= 200 && status < 300) {
              resp.pause(); // the caller's response pipes it once the pipeline has judged the status
              return Future.succeededFuture(new UpstreamResponse(status, resp.headers(), null, resp));
            }
            return readWhole(resp, maxBody, () -> resp.request().reset())
                .map(b -> new UpstreamResponse(status, resp.headers(), b));
          })
          .onSuccess(r -> {
            if (!out.complete(r) && r.streamed()) {
              r.stream().request().reset(); // the attempt already timed out: nobody will read this body
            }
          })
          .onFailure(e -> {
            boolean connect = e instanceof java.net.ConnectException
                || e instanceof io.netty.channel.ConnectTimeoutException;
            if (connect && i + 1 < endpoints.size() && !out.isDone()) {
              attempt(i + 1, method, resource, headers, body, buffer, maxBody, out); // next endpoint in order
            } else {
              out.completeExceptionally(e instanceof java.io.IOException ? e : new java.io.IOException(
                  "upstream " + base + ": " + e, e));
            }
          });
    }

    void close() {
      all.forEach(HttpClient::close);
    }
  }
}
