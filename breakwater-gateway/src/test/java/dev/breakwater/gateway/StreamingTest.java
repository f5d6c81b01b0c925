package dev.breakwater.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.breakwater.gateway.config.ConfigLoader;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Response bodies stream through the gateway: a body larger than the gateway's buffer bound passes whole, and the
 * caller reads its first bytes before the upstream has sent the rest. Bodies a store needs (an idempotent replay)
 * are buffered, within the bound.
 */
@ExtendWith(LeakDetection.class)
class StreamingTest {
  private static final int MAX_BODY = 64 * 1024;
  private static final int BIG = 2 * 1024 * 1024;

  private final Vertx vertx = Vertx.vertx();
  private final CompletableFuture<Void> releaseRest = new CompletableFuture<>();
  private final CompletableFuture<Void> upstreamSawClose = new CompletableFuture<>();
  private HttpServer upstream;
  private Gateway gateway;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  @BeforeEach
  void start() throws Exception {
    upstream = vertx.createHttpServer().requestHandler(req -> {
      var res = req.response();
      switch (req.path()) {
        case "/big" -> { // chunked, no length
          res.setChunked(true);
          for (int sent = 0; sent < BIG; sent += 64 * 1024) {
            res.write(chunk(sent, 64 * 1024));
          }
          res.end();
        }
        case "/big-length" -> res.putHeader("Content-Length", Integer.toString(BIG)).end(chunk(0, BIG));
        case "/held" -> { // the first chunk now, the rest when the test says so
          res.closeHandler(v -> upstreamSawClose.complete(null));
          res.setChunked(true).write(chunk(0, 1024));
          releaseRest.thenRun(() -> vertx.runOnContext(v -> res.end(chunk(1024, 1024))));
        }
        default -> req.body().onSuccess(b -> res.end(chunk(0, BIG)));
      }
    }).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    String yaml = String.join("\n",
        "server: { port: 0, maxBodyBytes: " + MAX_BODY + ", drainTimeout: 1s }",
        "admin: { port: 0, token: " + GatewayTestSupport.TOKEN + " }",
        "policies:",
        "  timeouts: { t: { attempt: 5s, deadline: 10s } }",
        "  retries: { r: { maxAttempts: 2, baseDelay: 10ms, maxDelay: 50ms } }",
        "  idempotency: { default: { ttl: 1m, lease: 10s } }",
        "upstreams:",
        "  files: { endpoints: [ 'http://127.0.0.1:" + upstream.actualPort() + "' ], timeout: t, retry: r }",
        "routes:",
        "  - { name: files, path: /, upstream: files, operation: files, tenantRequired: false,"
            + " idempotency: default }");
    gateway = Gateway.start(ConfigLoader.parse(yaml, "streaming-test.yaml"));
  }

  @AfterEach
  void stop() {
    releaseRest.complete(null);
    if (gateway != null) {
      gateway.close();
    }
    vertx.close().toCompletionStage().toCompletableFuture().join();
  }

  @Test
  void aChunkedBodyLargerThanTheBufferBoundStreamsThroughWhole() throws Exception {
    HttpResponse<byte[]> r = http.send(get("/big"), HttpResponse.BodyHandlers.ofByteArray());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).hasSize(BIG);
    assertThat(sha256(r.body())).isEqualTo(sha256(chunk(0, BIG).getBytes()));
  }

  @Test
  void aBodyWithAContentLengthKeepsItsLengthAndStreamsWhole() throws Exception {
    HttpResponse<byte[]> r = http.send(get("/big-length"), HttpResponse.BodyHandlers.ofByteArray());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Length")).contains(Integer.toString(BIG));
    assertThat(sha256(r.body())).isEqualTo(sha256(chunk(0, BIG).getBytes()));
  }

  @Test
  void theCallerReadsTheFirstBytesBeforeTheUpstreamHasSentTheRest() throws Exception {
    HttpResponse<InputStream> r = http.send(get("/held"), HttpResponse.BodyHandlers.ofInputStream());
    assertThat(r.statusCode()).isEqualTo(200);
    try (InputStream in = r.body()) {
      byte[] first = in.readNBytes(1024); // would block forever if the gateway waited for the whole body
      assertThat(first).isEqualTo(chunk(0, 1024).getBytes());
      releaseRest.complete(null);
      assertThat(in.readAllBytes()).isEqualTo(chunk(1024, 1024).getBytes());
    }
  }

  @Test
  void aCallerThatLeavesMidStreamCutsTheUpstreamConnectionAndTheGatewayServesOn() throws Exception {
    HttpResponse<InputStream> r = http.send(get("/held"), HttpResponse.BodyHandlers.ofInputStream());
    try (InputStream in = r.body()) {
      assertThat(in.readNBytes(1024)).hasSize(1024);
    } // closed before the end: the caller is gone
    upstreamSawClose.get(10, TimeUnit.SECONDS); // the half-read upstream connection is not kept for reuse
    HttpResponse<byte[]> next = http.send(get("/big-length"), HttpResponse.BodyHandlers.ofByteArray());
    assertThat(next.statusCode()).isEqualTo(200);
    assertThat(next.body()).hasSize(BIG);
  }

  @Test
  void aReplayableAnswerIsBufferedAndOneOverTheBoundIsABadGatewayProblem() throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri("/export")).timeout(Duration.ofSeconds(20))
        .header("Idempotency-Key", "export-1").POST(HttpRequest.BodyPublishers.ofString("{}"))
        .header("Content-Type", "application/json").build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(502);
    assertThat(r.headers().firstValue("Content-Type")).contains("application/problem+json");
    assertThat(r.body()).contains("\"code\":\"UPSTREAM_ERROR\"").contains("larger than " + MAX_BODY + " bytes");
  }

  private HttpRequest get(String path) {
    return HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(20)).GET().build();
  }

  private URI uri(String path) {
    return URI.create("http://127.0.0.1:" + gateway.port() + path);
  }

  /** Deterministic bytes: position {@code from + i} holds {@code (from + i) % 251}. */
  private static Buffer chunk(int from, int length) {
    byte[] b = new byte[length];
    for (int i = 0; i < length; i++) {
      b[i] = (byte) ((from + i) % 251);
    }
    return Buffer.buffer(b);
  }

  private static String sha256(byte[] b) throws Exception {
    return java.util.HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
  }
}
