package dev.breakwater.gateway;

import static dev.breakwater.gateway.GatewayEndToEndTest.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

import dev.breakwater.gateway.config.ConfigLoader;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Writes through the gateway over real sockets, against an upstream that counts what it executes: a keyed write is
 * repeated only where the upstream deduplicates keys, a key whose write may have run keeps that outcome, a replay
 * stays with the user who made the request, and the key length a route accepts is its policy's.
 */
@ExtendWith(LeakDetection.class)
class WriteSafetyEndToEndTest {
  private final Vertx vertx = Vertx.vertx();
  private final AtomicInteger executions = new AtomicInteger();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private HttpServer upstream;
  private Gateway gateway;

  @BeforeEach
  void start() throws Exception {
    upstream = vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(b -> {
      executions.incrementAndGet(); // the write took effect
      if (req.path().startsWith("/fails-after-executing")) {
        req.response().setStatusCode(503).end();
      } else if (req.path().startsWith("/slow-after-executing")) {
        // Executed at once, answered after the attempt timeout: the caller cannot tell it ran.
        vertx.setTimer(1_000, t -> req.response().setStatusCode(201).end());
      } else {
        req.response().setStatusCode(201).end("{\"created\":" + executions.get() + "}");
      }
    })).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    int nobodyListens;
    try (java.net.ServerSocket probe = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      nobodyListens = probe.getLocalPort();
    }
    String yaml = String.join("\n",
        "server: { port: 0, drainTimeout: 1s }",
        "admin: { port: 0, token: " + GatewayTestSupport.TOKEN + " }",
        "policies:",
        "  timeouts: { t: { attempt: 5s, deadline: 10s }, quick: { attempt: 300ms, deadline: 3s } }",
        "  retries: { r: { maxAttempts: 3, baseDelay: 10ms, maxDelay: 50ms } }",
        "  idempotency:",
        "    long: { ttl: 1m, lease: 10s, maxKeyLength: 300 }",
        "    short: { ttl: 1m, lease: 10s, maxKeyLength: 32 }",
        "upstreams:",
        "  app: { endpoints: [ 'http://127.0.0.1:" + upstream.actualPort() + "' ], timeout: t, retry: r }",
        "  gone: { endpoints: [ 'http://127.0.0.1:" + nobodyListens + "' ], timeout: t, retry: r }",
        "routes:",
        "  - { name: unprotected, path: /fails-after-executing, methods: [POST], upstream: app, operation: pay }",
        "  - { name: slow, path: /slow-after-executing, methods: [POST], upstream: app, operation: send,",
        "      idempotency: long, timeout: quick }",
        "  - { name: refused, path: /refused-before-running, methods: [POST], upstream: gone, operation: send,",
        "      idempotency: long }",
        "  - { name: long, path: /long, methods: [POST], upstream: app, operation: send, idempotency: long }",
        "  - { name: short, path: /short, methods: [POST], upstream: app, operation: send, idempotency: short }");
    gateway = Gateway.start(ConfigLoader.parse(yaml, "write-safety-test.yaml"));
  }

  @AfterEach
  void stop() {
    if (gateway != null) {
      gateway.close();
    }
    vertx.close().toCompletionStage().toCompletableFuture().join();
  }

  private HttpResponse<String> post(String path, String user, String key) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + path))
        .header("X-Tenant-Id", "contoso").header("X-User-Id", user).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{\"amount\":10}")).timeout(Duration.ofSeconds(20));
    if (key != null) {
      b.header("Idempotency-Key", key);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void aKeyedPostOnARouteWithoutAnIdempotencyPolicyReachesTheUpstreamOnceWhenItFailsAfterExecuting()
      throws Exception {
    HttpResponse<String> r = post("/fails-after-executing", "alice", "payment-1");
    assertProblem(r, 502, "UPSTREAM_ERROR");
    assertThat(executions).as("nothing deduplicates the key: a retry would pay twice").hasValue(1);
  }

  // Found by bench/chaos.sh (upstream-timeout phase): keyed writes under an idempotency policy were repeated after an
  // attempt timeout and ran on both regions. The route's records answer the caller's repeats, not the gateway's own.
  @Test
  void aKeyedWriteWhoseAttemptTimedOutAfterTheUpstreamRanItIsNotSentAgain() throws Exception {
    HttpResponse<String> r = post("/slow-after-executing", "alice", "mail-slow-1");
    assertProblem(r, 504, "TIMEOUT");
    assertThat(executions).as("the first attempt ran the write; a repeat would send the mail twice").hasValue(1);
  }

  // Found by bench/chaos.sh after decision 0040 (upstream-timeout phase, "the caller sent it again"): a call that
  // failed releases its record, so the caller's repeat of the key runs the write again although the upstream ran the
  // first one; a timed-out write's outcome is unknown, and only the record can keep the repeat from running.
  // Found by bench/chaos.sh: the caller's repeat of a key whose write timed out after it ran ran it again (the record
  // was released on failure). Decision 0041: the record keeps the unknown outcome, and the repeat gets it.
  @Test
  void theCallersRepeatOfAKeyedWriteThatTimedOutAfterTheUpstreamRanItDoesNotRunItAgain() throws Exception {
    assertProblem(post("/slow-after-executing", "alice", "mail-slow-2"), 504, "TIMEOUT");
    HttpResponse<String> again = post("/slow-after-executing", "alice", "mail-slow-2");
    assertThat(executions).as("the first call ran the write; the repeat (answered %d) must not run it again",
        again.statusCode()).hasValue(1);
    assertThat(again.statusCode()).isEqualTo(504);
    assertThat(again.body()).contains("TIMEOUT").contains("use a new key");
  }

  @Test
  void aKeyedWriteRefusedBeforeItRanReleasesItsKeyForTheRepeat() throws Exception {
    HttpResponse<String> first = post("/refused-before-running", "alice", "mail-refused-1");
    assertThat(first.statusCode()).isEqualTo(502);
    assertThat(executions).as("the upstream's port refused the connection: nothing ran").hasValue(0);
    HttpResponse<String> again = post("/refused-before-running", "alice", "mail-refused-1");
    assertThat(again.statusCode()).as("the key was released: the repeat is tried, not answered from a record")
        .isEqualTo(502);
    assertThat(again.body()).doesNotContain("use a new key");
  }

  @Test
  void anIdempotentResponseIsNeverReplayedToAnotherUserOfTheTenant() throws Exception {
    HttpResponse<String> alice = post("/long", "alice", "order-7");
    assertThat(alice.statusCode()).isEqualTo(201);
    HttpResponse<String> bob = post("/long", "bob", "order-7");
    assertThat(bob.statusCode()).isEqualTo(201);
    assertThat(bob.headers().firstValue("Idempotent-Replayed")).as("bob's request is his own").isEmpty();
    assertThat(executions).hasValue(2);
    HttpResponse<String> again = post("/long", "alice", "order-7");
    assertThat(again.headers().firstValue("Idempotent-Replayed")).contains("true");
    assertThat(again.body()).isEqualTo(alice.body());
    assertThat(executions).hasValue(2);
  }

  @Test
  void aRouteWhosePolicyAllowsLongerKeysAcceptsThem() throws Exception {
    HttpResponse<String> r = post("/long", "alice", "k".repeat(280));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
  }

  @Test
  void aRouteWhosePolicyAllowsShorterKeysRejectsALongerOneNamingItsLimit() throws Exception {
    HttpResponse<String> r = post("/short", "alice", "k".repeat(40));
    assertProblem(r, 400, "INVALID_REQUEST");
    assertThat(r.body()).contains("Idempotency-Key: expected 1 to 32 visible ASCII characters");
    assertThat(executions).hasValue(0);
  }
}
