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
  private static final int MAX_BODY = 1024 * 1024;
  private static final int BUFFER_BODY = 64 * 1024;
  private static final int BIG = 2 * 1024 * 1024;

  private final Vertx vertx = Vertx.vertx();
  private final CompletableFuture<Void> releaseRest = new CompletableFuture<>();
  private final CompletableFuture<Void> upstreamSawClose = new CompletableFuture<>();
  private final CompletableFuture<Void> upstreamGotFirstBytes = new CompletableFuture<>();
  private HttpServer upstream;
  private Gateway gateway;
  // HTTP/1.1, so that a body of unknown length goes out chunked (the gateway reads an HTTP/2 one whole).
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(2)).build();

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
        case "/upload" -> { // echoes what it received: length, framing and digest
          MessageDigest d = sha();
          long[] n = {0};
          req.handler(b -> {
            upstreamGotFirstBytes.complete(null);
            n[0] += b.length();
            d.update(b.getBytes());
          });
          req.endHandler(v -> res.putHeader("X-Received", Long.toString(n[0]))
              .putHeader("X-Chunked", Boolean.toString(req.getHeader("Content-Length") == null))
              .end(java.util.HexFormat.of().formatHex(d.digest())));
        }
        default -> req.body().onSuccess(b -> res.end(chunk(0, BIG)));
      }
    }).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    String yaml = String.join("\n",
        "server: { port: 0, maxBodyBytes: " + MAX_BODY + ", bufferBodyBytes: " + BUFFER_BODY + ", drainTimeout: 1s }",
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

  @Test
  void anUploadAboveTheBufferBoundReachesTheUpstreamWhileTheCallerIsStillSending() throws Exception {
    int size = 512 * 1024;
    byte[] data = chunk(0, size).getBytes();
    // The caller sends the first 128 KiB, then waits until the upstream has bytes: a gateway that read the body
    // whole first would never let that happen, and the wait would time out.
    InputStream paced = new java.io.SequenceInputStream(new java.io.ByteArrayInputStream(data, 0, 128 * 1024),
        new InputStream() {
          private final java.io.ByteArrayInputStream rest = new java.io.ByteArrayInputStream(data, 128 * 1024,
              size - 128 * 1024);

          @Override
          public int read() throws java.io.IOException {
            awaitFirstBytes();
            return rest.read();
          }

          @Override
          public int read(byte[] b, int off, int len) throws java.io.IOException {
            awaitFirstBytes();
            return rest.read(b, off, len);
          }

          private void awaitFirstBytes() throws java.io.IOException {
            try {
              upstreamGotFirstBytes.get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
              throw new java.io.IOException("the upstream saw nothing while the caller was sending", e);
            }
          }
        });
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri("/upload")).timeout(Duration.ofSeconds(20))
        .header("Content-Type", "application/octet-stream")
        .PUT(HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofInputStream(() -> paced), size))
        .build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("X-Received")).contains(Integer.toString(size));
    assertThat(r.headers().firstValue("X-Chunked")).contains("false"); // the caller's length went along
    assertThat(r.body()).isEqualTo(sha256(data));
  }

  @Test
  void aSmallUploadIsReadWholeAndAChunkedOneStreams() throws Exception {
    byte[] small = chunk(0, 1000).getBytes();
    HttpResponse<String> whole = http.send(HttpRequest.newBuilder(uri("/upload")).timeout(Duration.ofSeconds(20))
        .header("Content-Type", "application/octet-stream").PUT(HttpRequest.BodyPublishers.ofByteArray(small))
        .build(), HttpResponse.BodyHandlers.ofString());
    assertThat(whole.headers().firstValue("X-Received")).contains("1000");
    assertThat(whole.body()).isEqualTo(sha256(small));
    byte[] unknown = chunk(0, 300 * 1024).getBytes();
    HttpResponse<String> chunked = http.send(HttpRequest.newBuilder(uri("/upload")).timeout(Duration.ofSeconds(20))
        .header("Content-Type", "application/octet-stream")
        .PUT(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(unknown)))
        .build(), HttpResponse.BodyHandlers.ofString());
    assertThat(chunked.statusCode()).isEqualTo(200);
    assertThat(chunked.headers().firstValue("X-Chunked")).contains("true");
    assertThat(chunked.headers().firstValue("X-Received")).contains(Integer.toString(unknown.length));
    assertThat(chunked.body()).isEqualTo(sha256(unknown));
  }

  @Test
  void aStreamedUploadPastTheBodyLimitIsCutAndAnswered413() throws Exception {
    byte[] tooBig = chunk(0, MAX_BODY + 256 * 1024).getBytes();
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri("/upload")).timeout(Duration.ofSeconds(20))
        .header("Content-Type", "application/octet-stream")
        .PUT(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(tooBig)))
        .build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(413);
    assertThat(r.body()).contains("\"code\":\"INVALID_REQUEST\"").contains("larger than " + MAX_BODY + " bytes");
    HttpResponse<byte[]> next = http.send(get("/big-length"), HttpResponse.BodyHandlers.ofByteArray());
    assertThat(next.statusCode()).isEqualTo(200);
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

  private static String sha256(byte[] b) {
    return java.util.HexFormat.of().formatHex(sha().digest(b));
  }

  private static MessageDigest sha() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
