package dev.breakwater.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Exercises a real simulator on a loopback ephemeral port with the JDK HTTP client. */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class SimulatorServerTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static HttpClient http;

    private Simulator sim;

    @BeforeAll
    static void client() {
        http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
    }

    @AfterAll
    static void closeClient() {
        http = null; // the JDK 17 client has no close(); dropping it lets its threads end
    }

    @AfterEach
    void stop() {
        if (sim != null) {
            sim.close();
        }
    }

    // ------------------------------------------------------------------ throttling

    @Test
    void throttlesWithRetryAfterAndCountsRequestsInsideTheWindow() throws Exception {
        ManualTicker clock = new ManualTicker();
        sim = Simulator.start(SimulatorConfig.defaults().withRate(2, 2).withTicker(clock));

        assertThat(get("/v1.0/me/messages", "a").statusCode()).isEqualTo(200);
        assertThat(get("/v1.0/me/messages", "a").statusCode()).isEqualTo(200);

        HttpResponse<String> third = get("/v1.0/me/messages", "a");
        assertThat(third.statusCode()).isEqualTo(429);
        long retryAfter = Long.parseLong(third.headers().firstValue("Retry-After").orElseThrow());
        assertThat(retryAfter).isGreaterThanOrEqualTo(1);
        assertThat(json(third).at("/error/code").asText()).isEqualTo("TooManyRequests");
        assertThat(json(third).at("/error/message").asText()).isNotBlank();
        assertThat(sim.counters().tenant("a").throttled()).isEqualTo(1);
        assertThat(sim.counters().tenant("a").receivedInsideWindow()).isZero();

        HttpResponse<String> fourth = get("/v1.0/me/messages", "a");
        assertThat(fourth.statusCode()).isEqualTo(429);
        assertThat(fourth.headers().firstValue("Retry-After")).isPresent();
        assertThat(sim.counters().tenant("a").receivedInsideWindow()).isEqualTo(1);

        // another tenant has its own bucket and window
        assertThat(get("/v1.0/me/messages", "b").statusCode()).isEqualTo(200);
        assertThat(sim.counters().tenant("b")).isEqualTo(new TenantCounters(1, 1, 0, 0, 0));

        // a client that waits out Retry-After is served again and is not counted as impolite
        clock.advance(Duration.ofSeconds(retryAfter));
        assertThat(get("/v1.0/me/messages", "a").statusCode()).isEqualTo(200);
        TenantCounters a = sim.counters().tenant("a");
        assertThat(a).isEqualTo(new TenantCounters(5, 3, 2, 0, 1));
        assertThat(sim.counters().totals()).isEqualTo(new TenantCounters(6, 4, 2, 0, 1));
    }

    @Test
    void requestsWithoutTenantHeaderShareTheAnonymousBucket() throws Exception {
        sim = Simulator.start(SimulatorConfig.defaults().withRate(1, 1).withTicker(new ManualTicker()));
        assertThat(get("/v1.0/me/events", null).statusCode()).isEqualTo(200);
        assertThat(get("/v1.0/me/events", null).statusCode()).isEqualTo(429);
        assertThat(sim.counters().tenant("anonymous").throttled()).isEqualTo(1);
    }

    @Test
    void canAnswerThrottlesWith503AndRetryAfter() throws Exception {
        sim = Simulator.start(SimulatorConfig.defaults().withRate(1, 1).withThrottle503Fraction(1.0)
                .withTicker(new ManualTicker()));
        get("/v1.0/me/messages", "t");
        HttpResponse<String> r = get("/v1.0/me/messages", "t");
        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(r.headers().firstValue("Retry-After")).hasValue("1");
        assertThat(sim.counters().tenant("t").throttled()).isEqualTo(1);
        assertThat(sim.counters().tenant("t").errors()).isZero();
    }

    @Test
    void runtimeConfigChangesATenantsRate() throws Exception {
        sim = Simulator.start(SimulatorConfig.defaults().withTicker(new ManualTicker()));
        HttpResponse<String> update = post("/_sim/config", "{\"tenants\":{\"slow\":{\"rate\":2}}}", null);
        assertThat(update.statusCode()).isEqualTo(200);
        assertThat(json(update).at("/tenants/slow/burst").asInt()).isEqualTo(2);

        assertThat(get("/v1.0/me/messages", "slow").statusCode()).isEqualTo(200);
        assertThat(get("/v1.0/me/messages", "slow").statusCode()).isEqualTo(200);
        assertThat(get("/v1.0/me/messages", "slow").statusCode()).isEqualTo(429);
        assertThat(get("/v1.0/me/messages", "fast").statusCode()).isEqualTo(200);

        post("/_sim/config", "{\"throttling\":false}", null);
        assertThat(get("/v1.0/me/messages", "slow").statusCode()).isEqualTo(200);
    }

    // ------------------------------------------------------------------ pagination and items

    @Test
    void followingNextLinkYieldsAllMessagesExactlyOnce() throws Exception {
        sim = Simulator.start(SimulatorConfig.defaults().withThrottlingEnabled(false));
        Set<String> ids = new HashSet<>();
        List<String> order = new ArrayList<>();
        String next = sim.baseUrl() + "/v1.0/me/messages?$top=20";
        int pages = 0;
        while (next != null) {
            HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(next)).header("X-Tenant-Id", "p").GET());
            assertThat(r.statusCode()).isEqualTo(200);
            JsonNode page = json(r);
            for (JsonNode m : page.get("value")) {
                order.add(m.get("id").asText());
                ids.add(m.get("id").asText());
            }
            next = page.hasNonNull("@odata.nextLink") ? page.get("@odata.nextLink").asText() : null;
            if (next != null) { // absolute, same server, same page size, opaque continuation
                assertThat(next).startsWith(sim.baseUrl() + "/v1.0/me/messages?").contains("$top=20", "$skiptoken=");
            }
            pages++;
        }
        assertThat(order).hasSize(95);
        assertThat(ids).hasSize(95);
        assertThat(pages).isEqualTo(5);

        // the list is deterministic per tenant, and ids resolve to the same message
        JsonNode first = json(get("/v1.0/me/messages?$top=1", "p")).get("value").get(0);
        assertThat(first.get("id").asText()).isEqualTo(order.get(0));
        HttpResponse<String> item = get("/v1.0/me/messages/" + order.get(0), "p");
        assertThat(item.statusCode()).isEqualTo(200);
        assertThat(json(item).get("subject").asText()).isEqualTo(first.get("subject").asText());
        // mailboxes are isolated: another tenant cannot read it
        assertThat(get("/v1.0/me/messages/" + order.get(0), "q").statusCode()).isEqualTo(404);
        assertThat(get("/v1.0/me/messages/not-an-id", "p").statusCode()).isEqualTo(404);
    }

    @Test
    void pageSizeDefaultsTo10AndIsClampedTo50() throws Exception {
        sim = Simulator.start(SimulatorConfig.defaults().withThrottlingEnabled(false));
        assertThat(json(get("/v1.0/me/drive/root/children", "t")).get("value")).hasSize(10);
        assertThat(json(get("/v1.0/me/events?$top=999", "t")).get("value")).hasSize(50);
        HttpResponse<String> bad = get("/v1.0/me/messages?$top=abc", "t");
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(json(bad).at("/error/code").asText()).isEqualTo("BadRequest");
        assertThat(get("/v1.0/me/messages?$top=0", "t").statusCode()).isEqualTo(400);
        assertThat(get("/v1.0/me/messages?$skiptoken=garbage", "t").statusCode()).isEqualTo(400);
    }

    // ------------------------------------------------------------------ sendMail

    @Test
    void sendMailCountsEveryExecutionPerIdempotencyKey() throws Exception {
        sim = Simulator.start(SimulatorConfig.defaults());
        String body = "{\"message\":{\"subject\":\"hi\"}}";
        assertThat(post("/v1.0/me/sendMail", body, "k-1").statusCode()).isEqualTo(202);
        assertThat(post("/v1.0/me/sendMail", body, "k-1").statusCode()).isEqualTo(202);
        assertThat(post("/v1.0/me/sendMail", body, "k-2").statusCode()).isEqualTo(202);
        assertThat(post("/v1.0/me/sendMail", body, null).statusCode()).isEqualTo(202);

        assertThat(sim.counters().executions("k-1")).isEqualTo(2);
        assertThat(sim.counters().executions("k-2")).isEqualTo(1);
        assertThat(sim.counters().sendMailWithoutKey()).isEqualTo(1);

        JsonNode counters = json(get("/_sim/counters", null));
        assertThat(counters.at("/sendMailExecutions/k-1").asLong()).isEqualTo(2);
        assertThat(counters.at("/tenants/anonymous/served").asLong()).isEqualTo(4);
        assertThat(counters.at("/totals/received").asLong()).isEqualTo(4);

        assertThat(post("/v1.0/me/sendMail", "{not json", "k-3").statusCode()).isEqualTo(400);
        assertThat(sim.counters().executions("k-3")).isZero();
        assertThat(get("/v1.0/me/sendMail", null).statusCode()).isEqualTo(405);
    }

    @Test
    void idempotencyKeyTrackingIsBoundedAndOversizedBodiesAreRejected() throws Exception {
        sim = Simulator.start(SimulatorConfig.defaults().withMaxTrackedKeys(2));
        for (String key : List.of("a", "b", "c", "a")) {
            assertThat(post("/v1.0/me/sendMail", "{}", key).statusCode()).isEqualTo(202);
        }
        assertThat(sim.counters().sendMailExecutions()).containsOnlyKeys("a", "b");
        assertThat(sim.counters().executions("a")).isEqualTo(2);
        assertThat(sim.counters().untrackedKeys()).isEqualTo(1);

        String huge = "{\"x\":\"" + "y".repeat(SimulatorHandler.MAX_BODY) + "\"}";
        assertThat(post("/v1.0/me/sendMail", huge, "big").statusCode()).isEqualTo(413);
        assertThat(sim.counters().executions("big")).isZero();
    }

    // ------------------------------------------------------------------ errors and outages

    @Test
    void errorRateOneAnswers5xxWithoutRetryAfter() throws Exception {
        sim = Simulator.start(SimulatorConfig.defaults().withErrorRate(1.0).withSeed(1L));
        for (int i = 0; i < 6; i++) {
            HttpResponse<String> r = get("/v1.0/me/messages", "e");
            assertThat(r.statusCode()).isIn(500, 502, 503);
            assertThat(r.headers().firstValue("Retry-After")).isEmpty();
            assertThat(json(r).at("/error/code").asText()).isNotBlank();
        }
        assertThat(sim.counters().tenant("e")).isEqualTo(new TenantCounters(6, 0, 0, 6, 0));
    }

    @Test
    void scheduledErrorBurstFailsEverythingInsideTheWindowOnly() throws Exception {
        ManualTicker clock = new ManualTicker();
        sim = Simulator.start(SimulatorConfig.defaults().withTicker(clock)
                .withErrorBurst(Duration.ofSeconds(10), Duration.ofSeconds(5)));
        assertThat(get("/v1.0/me/events", "t").statusCode()).isEqualTo(200);
        clock.advance(Duration.ofSeconds(10));
        assertThat(get("/v1.0/me/events", "t").statusCode()).isBetween(500, 599);
        clock.advance(Duration.ofSeconds(5));
        assertThat(get("/v1.0/me/events", "t").statusCode()).isEqualTo(200);
    }

    @Test
    void scheduledOutageAnswers503WithoutRetryAfter() throws Exception {
        ManualTicker clock = new ManualTicker();
        sim = Simulator.start(SimulatorConfig.defaults().withTicker(clock)
                .withOutage(Duration.ofSeconds(30), Duration.ofSeconds(10)));
        assertThat(get("/v1.0/me/messages", "o").statusCode()).isEqualTo(200);

        clock.advance(Duration.ofSeconds(30));
        HttpResponse<String> r = get("/v1.0/me/messages", "o");
        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(r.headers().firstValue("Retry-After")).isEmpty();
        assertThat(get("/health", null).statusCode()).isEqualTo(200);
        assertThat(get("/noop", null).statusCode()).isEqualTo(200);

        clock.advance(Duration.ofSeconds(10));
        assertThat(get("/v1.0/me/messages", "o").statusCode()).isEqualTo(200);
        assertThat(sim.counters().tenant("o")).isEqualTo(new TenantCounters(3, 2, 0, 1, 0));
    }

    @Test
    void outageCanBeStartedNowThroughTheControlEndpoint() throws Exception {
        ManualTicker clock = new ManualTicker();
        sim = Simulator.start(SimulatorConfig.defaults().withTicker(clock));
        HttpResponse<String> update = post("/_sim/config", "{\"outageNow\":\"5s\"}", null);
        assertThat(update.statusCode()).isEqualTo(200);
        assertThat(json(update).get("outageActive").asBoolean()).isTrue();
        assertThat(get("/v1.0/me/messages", "o").statusCode()).isEqualTo(503);
        clock.advance(Duration.ofSeconds(5));
        assertThat(get("/v1.0/me/messages", "o").statusCode()).isEqualTo(200);
    }

    @Test
    void outageCanResetConnections() throws Exception {
        sim = Simulator.start(SimulatorConfig.defaults().withOutageResetsConnection(true));
        sim.startOutage(Duration.ofMinutes(1));
        HttpClient fresh = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpRequest request = HttpRequest.newBuilder(URI.create(sim.baseUrl() + "/v1.0/me/messages"))
                .timeout(Duration.ofSeconds(5)).GET().build();
        assertThatThrownBy(() -> fresh.send(request, HttpResponse.BodyHandlers.ofString()))
                .isInstanceOf(IOException.class);
        // the JDK client silently retries an idempotent GET once after a reset, so 1 or 2 attempts arrive
        TenantCounters seen = sim.counters().tenant("anonymous");
        assertThat(seen.errors()).isBetween(1L, 2L).isEqualTo(seen.received());
        // the server itself is fine
        assertThat(get("/health", null).statusCode()).isEqualTo(200);
    }

    // ------------------------------------------------------------------ latency, noop, h2c

    @Test
    void latencyDelaysResponsesWithoutBlockingOtherRequests() throws Exception {
        sim = Simulator.start(SimulatorConfig.defaults().withLatency(EndpointGroup.EVENTS, Latency.fixed(300)));
        long start = System.nanoTime();
        var slow = http.sendAsync(request("/v1.0/me/events", "l").GET().build(), HttpResponse.BodyHandlers.ofString());
        // an undelayed group on the same (single) event loop answers while the slow one waits on its timer
        HttpResponse<String> fast = get("/v1.0/me/messages", "l");
        long fastMs = (System.nanoTime() - start) / 1_000_000;
        assertThat(fast.statusCode()).isEqualTo(200);
        assertThat(slow.get(5, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        long slowMs = (System.nanoTime() - start) / 1_000_000;
        assertThat(slowMs).isGreaterThanOrEqualTo(300);
        assertThat(fastMs).isLessThan(slowMs);
    }

    @Test
    void noopReturnsOneKilobyteAndIsNeverThrottled() throws Exception {
        sim = Simulator.start(SimulatorConfig.defaults().withRate(1, 1).withErrorRate(1.0)
                .withTicker(new ManualTicker()));
        for (int i = 0; i < 5; i++) {
            HttpResponse<byte[]> r = http.send(request("/noop", "n").GET().build(), HttpResponse.BodyHandlers.ofByteArray());
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).hasSize(1024);
        }
        assertThat(sim.counters().noop()).isEqualTo(5);
        assertThat(sim.counters().tenants()).isEmpty();
    }

    @Test
    void acceptsHttp2CleartextAndSeveralEventLoops() throws Exception {
        sim = Simulator.start(SimulatorConfig.defaults().withEventLoops(2));
        HttpClient h2 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build();
        for (int i = 0; i < 3; i++) {
            HttpResponse<String> r = h2.send(request("/v1.0/me/messages", "h").GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_2);
        }
        assertThat(get("/health", null).statusCode()).isEqualTo(200);
    }

    // ------------------------------------------------------------------ control endpoints

    @Test
    void controlEndpointsRejectMalformedRequestsWith400() throws Exception {
        sim = Simulator.start(SimulatorConfig.defaults());
        for (String body : List.of("{not json", "[1,2]", "\"x\"", "", "{\"errorRate\":2}", "{\"errorRate\":\"high\"}",
                "{\"nope\":1}", "{\"latency\":{\"median\":5}}", "{\"outageNow\":\"soon\"}",
                "{\"tenants\":{\"x\":{\"burst\":3}}}", "{\"errorStatuses\":[404]}", "{\"rate\":0}",
                "{\"outages\":[{\"start\":\"PT1000000000H\",\"duration\":\"1s\"}]}",
                "{\"groupLatency\":{\"mail\":{\"medianMs\":1}}}")) {
            HttpResponse<String> r = post("/_sim/config", body, null);
            assertThat(r.statusCode()).as(body).isEqualTo(400);
            assertThat(r.headers().firstValue("Content-Type")).hasValue("application/problem+json");
            assertThat(json(r).get("detail").asText()).as(body).isNotBlank();
        }
        // nothing was applied by the rejected updates
        assertThat(sim.config().errorRate()).isZero();
        assertThat(sim.config().tenantLimits()).isEmpty();

        assertThat(get("/_sim/reset", null).statusCode()).isEqualTo(405);
        assertThat(post("/_sim/counters", "{}", null).statusCode()).isEqualTo(405);
        assertThat(get("/_sim/unknown", null).statusCode()).isEqualTo(404);
    }

    @Test
    void configCanBeReadAndChangedAtRuntime() throws Exception {
        sim = Simulator.start(SimulatorConfig.defaults());
        JsonNode before = json(get("/_sim/config", null));
        assertThat(before.get("rate").asDouble()).isEqualTo(20.0);
        assertThat(before.get("burst").asInt()).isEqualTo(40);

        HttpResponse<String> r = post("/_sim/config", "{\"errorRate\":1.0,\"errorStatuses\":[502],"
                + "\"latency\":{\"medianMs\":1,\"sigma\":0},\"groupLatency\":{\"sendMail\":{\"medianMs\":2}},"
                + "\"rate\":5,\"burst\":9}", null);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(sim.config().errorRate()).isEqualTo(1.0);
        assertThat(sim.config().rateLimit()).isEqualTo(RateLimit.of(5, 9));
        assertThat(sim.config().latencyFor(EndpointGroup.SEND_MAIL)).isEqualTo(Latency.fixed(2));
        assertThat(get("/v1.0/me/messages", "c").statusCode()).isEqualTo(502);
    }

    @Test
    void resetClearsCountersAndBuckets() throws Exception {
        sim = Simulator.start(SimulatorConfig.defaults().withRate(1, 1).withTicker(new ManualTicker()));
        get("/v1.0/me/messages", "r");
        assertThat(get("/v1.0/me/messages", "r").statusCode()).isEqualTo(429);
        assertThat(post("/_sim/reset", "", null).statusCode()).isEqualTo(200);
        assertThat(sim.counters().totals()).isEqualTo(TenantCounters.ZERO);
        assertThat(get("/v1.0/me/messages", "r").statusCode()).isEqualTo(200);
        sim.reset();
        assertThat(sim.counters().tenants()).isEmpty();
    }

    @Test
    void unknownPathsGet404Json() throws Exception {
        sim = Simulator.start(SimulatorConfig.defaults());
        HttpResponse<String> r = get("/v1.0/me/nothing", "u");
        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(json(r).at("/error/code").asText()).isEqualTo("ResourceNotFound");
        assertThat(get("/elsewhere", null).statusCode()).isEqualTo(404);
        assertThat(sim.counters().notFound()).isEqualTo(2);
        assertThat(sim.counters().tenants()).isEmpty();
    }

    // ------------------------------------------------------------------ helpers

    private HttpRequest.Builder request(String path, String tenant) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(sim.baseUrl() + path)).timeout(Duration.ofSeconds(5));
        if (tenant != null) {
            b.header("X-Tenant-Id", tenant);
        }
        return b;
    }

    private HttpResponse<String> get(String path, String tenant) throws IOException, InterruptedException {
        return send(request(path, tenant).GET());
    }

    private HttpResponse<String> post(String path, String body, String idempotencyKey)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = request(path, null).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (idempotencyKey != null) {
            b.header("Idempotency-Key", idempotencyKey);
        }
        return send(b);
    }

    private static HttpResponse<String> send(HttpRequest.Builder b) throws IOException, InterruptedException {
        return http.send(b.timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode json(HttpResponse<String> r) throws IOException {
        return JSON.readTree(r.body());
    }
}
