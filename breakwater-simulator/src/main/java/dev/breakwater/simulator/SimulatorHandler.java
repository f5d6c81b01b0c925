package dev.breakwater.simulator;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.channel.ChannelOption;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.impl.ConnectionBase;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Routes and answers every request. Runs on Vert.x event loops, so nothing here may block: latency is a timer,
 * and every entry point is wrapped so a bug answers 500 instead of killing the connection or the server.
 */
final class SimulatorHandler implements Handler<HttpServerRequest> {

    private static final System.Logger LOG = System.getLogger(SimulatorHandler.class.getName());

    /** Size of the {@code /noop} body. */
    static final int NOOP_SIZE = 1024;
    /** Largest request body read (sendMail, control endpoints); bigger ones get 413. */
    static final int MAX_BODY = 1 << 20;
    /** Longest tenant id kept; longer header values are cut so ids cannot bloat memory. */
    static final int MAX_TENANT_LENGTH = 128;
    static final String ANONYMOUS = "anonymous";
    static final String IDEMPOTENCY_KEY = "Idempotency-Key";

    private static final CharSequence JSON = HttpHeaders.createOptimized("application/json");
    private static final CharSequence PROBLEM_JSON = HttpHeaders.createOptimized("application/problem+json");
    private static final CharSequence RETRY_AFTER = HttpHeaders.createOptimized("Retry-After");
    private static final CharSequence REQUEST_ID = HttpHeaders.createOptimized("request-id");
    // One immutable buffer reused for every /noop answer: Vert.x writes a slice, so no copy and no allocation.
    private static final Buffer NOOP_BODY = Buffer.buffer(noopBody());

    private enum Kind { LIST, ITEM, SEND_MAIL }

    private final Vertx vertx;
    private final SimulatorState state;
    private final ObjectMapper mapper = new ObjectMapper();
    private final AtomicLong requestIds = new AtomicLong();
    private volatile String boundBaseUrl = "http://127.0.0.1";

    SimulatorHandler(Vertx vertx, SimulatorState state) {
        this.vertx = vertx;
        this.state = state;
    }

    void boundTo(String baseUrl) {
        this.boundBaseUrl = baseUrl;
    }

    @Override
    public void handle(HttpServerRequest req) {
        try {
            route(req);
        } catch (Throwable t) {
            internalError(req, t);
        }
    }

    private void route(HttpServerRequest req) {
        String path = req.path();
        if ("/noop".equals(path)) {
            state.noop.increment();
            req.response().putHeader(HttpHeaders.CONTENT_TYPE, JSON).end(NOOP_BODY);
            return;
        }
        if (path == null) {
            problem(req, 400, "Bad Request", "request has no path");
            return;
        }
        if ("/health".equals(path)) {
            sendJson(req, 200, JSON, mapper.createObjectNode().put("status", "UP"));
            return;
        }
        if (path.startsWith("/_sim/")) {
            control(req, path);
            return;
        }
        if (path.startsWith("/v1.0/")) {
            graph(req, path);
            return;
        }
        state.notFound.increment();
        graphError(req, 404, "ResourceNotFound", "Resource not found for the segment '" + path + "'.", -1);
    }

    // ---------------------------------------------------------------- control endpoints

    private void control(HttpServerRequest req, String path) {
        switch (path) {
            case "/_sim/counters" -> {
                if (requireMethod(req, HttpMethod.GET)) {
                    sendJson(req, 200, JSON, mapper.valueToTree(state.snapshot()));
                }
            }
            case "/_sim/reset" -> {
                if (requireMethod(req, HttpMethod.POST)) {
                    state.reset();
                    sendJson(req, 200, JSON, mapper.createObjectNode().put("reset", true));
                }
            }
            case "/_sim/config" -> {
                if (req.method() == HttpMethod.GET) {
                    sendJson(req, 200, JSON, ConfigJson.render(state.config(), elapsedNow()));
                } else if (req.method() == HttpMethod.POST) {
                    readBody(req, body -> updateConfig(req, body));
                } else {
                    req.response().putHeader(HttpHeaders.ALLOW, "GET, POST");
                    problem(req, 405, "Method Not Allowed", "use GET or POST on " + path);
                }
            }
            default -> {
                state.notFound.increment();
                problem(req, 404, "Not Found", "no control endpoint " + path
                        + " (known: /_sim/counters, /_sim/reset, /_sim/config)");
            }
        }
    }

    private void updateConfig(HttpServerRequest req, Buffer body) {
        JsonNode patch;
        try {
            patch = mapper.readTree(body.getBytes());
        } catch (Exception e) { // Jackson's parse errors and anything odd in the bytes
            problem(req, 400, "Bad Request", "body is not valid JSON: " + firstLine(e.getMessage()));
            return;
        }
        try {
            long elapsed = elapsedNow();
            SimulatorConfig updated = state.update(cfg -> ConfigJson.apply(patch, cfg, elapsed));
            sendJson(req, 200, JSON, ConfigJson.render(updated, elapsed));
        } catch (IllegalArgumentException e) {
            problem(req, 400, "Bad Request", e.getMessage());
        }
    }

    private boolean requireMethod(HttpServerRequest req, HttpMethod method) {
        if (req.method() == method) {
            return true;
        }
        req.response().putHeader(HttpHeaders.ALLOW, method.name());
        problem(req, 405, "Method Not Allowed", "use " + method.name() + " on " + req.path());
        return false;
    }

    // ---------------------------------------------------------------- Graph-like endpoints

    private void graph(HttpServerRequest req, String path) {
        Kind kind;
        EndpointGroup group;
        HttpMethod expected = HttpMethod.GET;
        String itemId = null;
        switch (path) {
            case "/v1.0/me/messages" -> { kind = Kind.LIST; group = EndpointGroup.MESSAGES; }
            case "/v1.0/me/events" -> { kind = Kind.LIST; group = EndpointGroup.EVENTS; }
            case "/v1.0/me/drive/root/children" -> { kind = Kind.LIST; group = EndpointGroup.DRIVE; }
            case "/v1.0/me/sendMail" -> { kind = Kind.SEND_MAIL; group = EndpointGroup.SEND_MAIL; expected = HttpMethod.POST; }
            default -> {
                String prefix = "/v1.0/me/messages/";
                if (path.startsWith(prefix) && path.length() > prefix.length() && path.indexOf('/', prefix.length()) < 0) {
                    kind = Kind.ITEM;
                    group = EndpointGroup.MESSAGES;
                    itemId = path.substring(prefix.length());
                } else {
                    state.notFound.increment();
                    graphError(req, 404, "ResourceNotFound", "Resource not found for the segment '" + path + "'.", -1);
                    return;
                }
            }
        }
        if (req.method() != expected) {
            state.notFound.increment();
            req.response().putHeader(HttpHeaders.ALLOW, expected.name());
            graphError(req, 405, "MethodNotAllowed", "Method " + req.method() + " is not allowed on " + path + ".", -1);
            return;
        }

        SimulatorConfig cfg = state.config();
        String tenant = tenantOf(req, cfg);
        TenantState t = state.tenant(tenant);
        t.received.increment();
        long now = state.ticker.nanoTime();
        long elapsed = state.elapsedNanos(now);

        if (state.outageActive(cfg, elapsed)) {
            t.errors.increment();
            if (cfg.outageResetsConnection()) {
                resetConnection(req);
            } else {
                // No Retry-After on purpose: an outage gives the client no hint, unlike throttling.
                graphError(req, 503, "ServiceUnavailable", "The service is temporarily unavailable (simulated outage).", -1);
            }
            return;
        }

        if (cfg.throttlingEnabled()) {
            TenantState.Admission admission = t.admit(now, cfg.limitFor(tenant));
            if (!admission.admitted()) {
                t.throttled.increment();
                if (admission.insideWindow()) {
                    t.receivedInsideWindow.increment();
                }
                boolean as503 = cfg.throttle503Fraction() > 0 && state.random.nextDouble() < cfg.throttle503Fraction();
                if (as503) {
                    graphError(req, 503, "ServiceUnavailable",
                            "The service is busy; retry after the indicated delay.", admission.retryAfterSeconds());
                } else {
                    graphError(req, 429, "TooManyRequests",
                            "Too many requests for tenant '" + tenant + "'; retry after " + admission.retryAfterSeconds()
                                    + " seconds.", admission.retryAfterSeconds());
                }
                return;
            }
        }

        boolean fail = state.errorBurstActive(cfg, elapsed)
                || (cfg.errorRate() > 0 && state.random.nextDouble() < cfg.errorRate());
        int failStatus = fail ? cfg.errorStatuses().get(state.random.nextInt(cfg.errorStatuses().size())) : 0;
        long delayMs = cfg.latencyFor(group).sampleMillis(state.random);

        String id = itemId;
        if (kind == Kind.SEND_MAIL) {
            // The body must be consumed now (data arriving without a handler is lost); latency starts after it.
            readBody(req, body -> afterDelay(req, delayMs, () ->
                    respond(req, cfg, t, tenant, kind, group, id, body, failStatus)));
        } else {
            afterDelay(req, delayMs, () -> respond(req, cfg, t, tenant, kind, group, id, null, failStatus));
        }
    }

    private void respond(HttpServerRequest req, SimulatorConfig cfg, TenantState t, String tenant, Kind kind,
                         EndpointGroup group, String itemId, Buffer body, int failStatus) {
        if (failStatus != 0) {
            t.errors.increment();
            graphError(req, failStatus, errorCode(failStatus), "Simulated server error.", -1);
            return;
        }
        switch (kind) {
            case LIST -> list(req, cfg, t, tenant, group);
            case ITEM -> item(req, cfg, t, tenant, itemId);
            case SEND_MAIL -> sendMail(req, t, body);
        }
    }

    private void list(HttpServerRequest req, SimulatorConfig cfg, TenantState t, String tenant, EndpointGroup group) {
        int top;
        int offset;
        try {
            top = parseTop(req.getParam("$top"), cfg);
            String token = req.getParam("$skiptoken");
            offset = token == null ? 0 : GraphData.parseSkipToken(token);
        } catch (IllegalArgumentException e) {
            graphError(req, 400, "BadRequest", e.getMessage(), -1);
            return;
        }
        int end = (int) Math.min((long) offset + top, cfg.listSize());
        ObjectNode page = mapper.createObjectNode();
        String base = baseUrl(cfg);
        page.put("@odata.context", base + "/v1.0/$metadata#users('me')/" + group.jsonName());
        ArrayNode value = page.putArray("value");
        for (int i = offset; i < end; i++) {
            value.add(GraphData.item(group, tenant, i));
        }
        if (end < cfg.listSize()) {
            page.put("@odata.nextLink", base + req.path() + "?$top=" + top + "&$skiptoken=" + GraphData.skipToken(end));
        }
        t.served.increment();
        sendJson(req, 200, JSON, page);
    }

    private void item(HttpServerRequest req, SimulatorConfig cfg, TenantState t, String tenant, String itemId) {
        GraphData.ItemRef ref = GraphData.parseId(itemId);
        // Another tenant's id is "not found", as in Graph: mailboxes are isolated.
        if (ref == null || ref.group() != EndpointGroup.MESSAGES || !ref.tenant().equals(tenant)
                || ref.index() < 0 || ref.index() >= cfg.listSize()) {
            graphError(req, 404, "ErrorItemNotFound", "The specified object was not found in the store.", -1);
            return;
        }
        t.served.increment();
        sendJson(req, 200, JSON, GraphData.item(EndpointGroup.MESSAGES, tenant, ref.index()));
    }

    private void sendMail(HttpServerRequest req, TenantState t, Buffer body) {
        if (body.length() > 0) {
            try {
                JsonNode parsed = mapper.readTree(body.getBytes());
                if (parsed == null || !parsed.isObject()) {
                    graphError(req, 400, "ErrorInvalidRequest", "The request body must be a JSON object.", -1);
                    return;
                }
            } catch (Exception e) {
                graphError(req, 400, "ErrorInvalidRequest", "The request body is not valid JSON.", -1);
                return;
            }
        }
        String key = req.getHeader(IDEMPOTENCY_KEY);
        // Deliberately not idempotent: every execution counts, so tests can prove the gateway deduplicated.
        state.recordSendMail(key == null || key.isEmpty() ? null : key);
        t.served.increment();
        HttpServerResponse resp = req.response();
        if (!resp.ended() && !resp.closed()) {
            resp.setStatusCode(202).putHeader(REQUEST_ID, nextRequestId()).end();
        }
    }

    // ---------------------------------------------------------------- helpers

    private String tenantOf(HttpServerRequest req, SimulatorConfig cfg) {
        String raw = req.getHeader(cfg.tenantHeader());
        if (raw == null) {
            return ANONYMOUS;
        }
        String id = raw.trim();
        if (id.isEmpty()) {
            return ANONYMOUS;
        }
        return id.length() > MAX_TENANT_LENGTH ? id.substring(0, MAX_TENANT_LENGTH) : id;
    }

    private static int parseTop(String raw, SimulatorConfig cfg) {
        if (raw == null) {
            return cfg.defaultPageSize();
        }
        int top;
        try {
            top = Integer.parseInt(raw.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("Invalid value '" + raw + "' for query parameter $top.");
        }
        if (top < 1) {
            throw new IllegalArgumentException("Invalid value '" + raw + "' for query parameter $top.");
        }
        return Math.min(top, cfg.maxPageSize()); // clamped like Graph's per-resource maximum
    }

    private String baseUrl(SimulatorConfig cfg) {
        return cfg.publicBaseUrl() != null ? cfg.publicBaseUrl() : boundBaseUrl;
    }

    private long elapsedNow() {
        return state.elapsedNanos(state.ticker.nanoTime());
    }

    private void afterDelay(HttpServerRequest req, long delayMs, Runnable action) {
        Runnable guarded = () -> {
            try {
                action.run();
            } catch (Throwable t) {
                internalError(req, t);
            }
        };
        if (delayMs <= 0) {
            guarded.run();
        } else {
            vertx.setTimer(delayMs, id -> guarded.run()); // never sleep on the event loop
        }
    }

    private void readBody(HttpServerRequest req, Handler<Buffer> onBody) {
        String declared = req.getHeader(HttpHeaders.CONTENT_LENGTH);
        if (declared != null) {
            try {
                if (Long.parseLong(declared.trim()) > MAX_BODY) {
                    req.handler(ignored -> { }); // discard the upload explicitly; see tooLarge
                    tooLarge(req);
                    return;
                }
            } catch (NumberFormatException e) {
                problem(req, 400, "Bad Request", "invalid Content-Length");
                return;
            }
        }
        BodyCollector collector = new BodyCollector();
        req.handler(chunk -> {
            if (collector.rejected) {
                return;
            }
            if (collector.body.length() + chunk.length() > MAX_BODY) {
                collector.rejected = true;
                tooLarge(req);
                return;
            }
            collector.body.appendBuffer(chunk);
        });
        req.exceptionHandler(e -> LOG.log(System.Logger.Level.DEBUG, "request body failed", e));
        req.endHandler(v -> {
            if (collector.rejected) {
                return;
            }
            try {
                onBody.handle(collector.body);
            } catch (Throwable t) {
                internalError(req, t);
            }
        });
    }

    private static final class BodyCollector {
        final Buffer body = Buffer.buffer();
        boolean rejected;
    }

    private void tooLarge(HttpServerRequest req) {
        // No "Connection: close": closing with unread upload bytes makes the kernel send RST, and the client would
        // then often see a reset instead of this 413. The remaining bytes are read and discarded instead.
        problem(req, 413, "Payload Too Large", "request body exceeds " + MAX_BODY + " bytes");
    }

    private void resetConnection(HttpServerRequest req) {
        if (req.version() == HttpVersion.HTTP_2) {
            req.response().reset(); // RST_STREAM: other streams on the shared connection live on
            return;
        }
        HttpConnection connection = req.connection();
        if (connection instanceof ConnectionBase base) {
            // SO_LINGER 0 turns the close into a TCP RST, which is what a crashed upstream looks like.
            // ConnectionBase is Vert.x-internal API, hence the fallback below if it ever changes.
            try {
                base.channel().config().setOption(ChannelOption.SO_LINGER, 0);
                base.channel().close();
                return;
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.DEBUG, "could not abort connection, closing it instead", e);
            }
        }
        connection.close();
    }

    private void graphError(HttpServerRequest req, int status, String code, String message, long retryAfterSeconds) {
        HttpServerResponse resp = req.response();
        if (retryAfterSeconds > 0) {
            resp.putHeader(RETRY_AFTER, Long.toString(retryAfterSeconds));
        }
        ObjectNode body = mapper.createObjectNode();
        body.putObject("error").put("code", code).put("message", message);
        sendJson(req, status, JSON, body);
    }

    private void problem(HttpServerRequest req, int status, String title, String detail) {
        ObjectNode body = mapper.createObjectNode()
                .put("type", "about:blank").put("title", title).put("status", status).put("detail", detail);
        sendJson(req, status, PROBLEM_JSON, body);
    }

    private void sendJson(HttpServerRequest req, int status, CharSequence contentType, JsonNode body) {
        HttpServerResponse resp = req.response();
        if (resp.ended() || resp.closed()) {
            return; // the client left (e.g. during simulated latency); nothing to write to
        }
        byte[] bytes;
        try {
            bytes = mapper.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise response", e);
        }
        resp.setStatusCode(status)
                .putHeader(HttpHeaders.CONTENT_TYPE, contentType)
                .putHeader(REQUEST_ID, nextRequestId())
                .end(Buffer.buffer(bytes));
    }

    private void internalError(HttpServerRequest req, Throwable t) {
        LOG.log(System.Logger.Level.WARNING, "simulator handler failed for " + req.method() + " " + req.uri(), t);
        try {
            HttpServerResponse resp = req.response();
            if (resp.ended() || resp.closed()) {
                return;
            }
            if (resp.headWritten()) {
                req.connection().close(); // a half-written response cannot be repaired; end it visibly
                return;
            }
            resp.headers().clear();
            problem(req, 500, "Internal Server Error", "simulator error: " + t.getClass().getSimpleName());
        } catch (Throwable again) {
            LOG.log(System.Logger.Level.WARNING, "could not report simulator error", again);
        }
    }

    private String nextRequestId() {
        return "sim-" + Long.toHexString(requestIds.incrementAndGet());
    }

    private static String errorCode(int status) {
        return switch (status) {
            case 500 -> "InternalServerError";
            case 502 -> "BadGateway";
            case 503 -> "ServiceUnavailable";
            case 504 -> "GatewayTimeout";
            default -> "ServerError";
        };
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    private static byte[] noopBody() {
        // Valid JSON of exactly NOOP_SIZE bytes, so benchmarks measure transfer of a realistic small payload.
        String prefix = "{\"value\":\"";
        String suffix = "\"}";
        char[] fill = new char[NOOP_SIZE - prefix.length() - suffix.length()];
        Arrays.fill(fill, 'x');
        byte[] bytes = (prefix + new String(fill) + suffix).getBytes(StandardCharsets.US_ASCII);
        if (bytes.length != NOOP_SIZE) {
            throw new AssertionError("noop body must be " + NOOP_SIZE + " bytes");
        }
        return bytes;
    }
}
