package dev.breakwater.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.breakwater.gateway.config.ConfigLoader;
import dev.breakwater.gateway.config.ConfigProblems;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** An upstream's {@code protocol} picks the HTTP version the gateway speaks to it: HTTP/1.1 by default, or h2c. */
@ExtendWith(LeakDetection.class)
class UpstreamProtocolTest {
  private final Vertx vertx = Vertx.vertx();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private HttpServer upstream;

  @BeforeEach
  void start() throws Exception {
    // Answers with the HTTP version the request came in on, and echoes a body's length.
    upstream = vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(b ->
        req.response().putHeader("X-Version", req.version().name()).end("received " + b.length())))
        .listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() {
    vertx.close().toCompletionStage().toCompletableFuture().join();
  }

  private Gateway gateway(String protocol) {
    return Gateway.start(ConfigLoader.parse(String.join("\n",
        "server: { port: 0, bufferBodyBytes: 1024, drainTimeout: 1s }",
        "admin: { port: 0, token: " + GatewayTestSupport.TOKEN + " }",
        "upstreams:",
        "  echo: { endpoints: [ 'http://127.0.0.1:" + upstream.actualPort() + "' ]"
            + (protocol == null ? "" : ", protocol: " + protocol) + " }",
        "routes:",
        "  - { name: echo, path: /, upstream: echo, operation: echo, tenantRequired: false }"), "protocol.yaml"));
  }

  private HttpResponse<String> call(Gateway g, HttpRequest.Builder b) throws Exception {
    return http.send(b.uri(URI.create("http://127.0.0.1:" + g.port() + "/files")).timeout(Duration.ofSeconds(10))
        .build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void byDefaultTheGatewaySpeaksHttp11ToTheUpstream() throws Exception {
    Gateway g = gateway(null);
    try {
      assertThat(call(g, HttpRequest.newBuilder().GET()).headers().firstValue("X-Version")).contains("HTTP_1_1");
    } finally {
      g.close();
    }
  }

  @Test
  void withH2cReadsAndStreamedUploadsGoOverHttp2() throws Exception {
    Gateway g = gateway("h2c");
    try {
      HttpResponse<String> get = call(g, HttpRequest.newBuilder().GET());
      assertThat(get.statusCode()).isEqualTo(200);
      assertThat(get.headers().firstValue("X-Version")).contains("HTTP_2");
      byte[] upload = new byte[64 * 1024]; // above bufferBodyBytes: streamed
      HttpResponse<String> put = call(g, HttpRequest.newBuilder().header("Content-Type", "application/octet-stream")
          .PUT(HttpRequest.BodyPublishers.ofByteArray(upload)));
      assertThat(put.statusCode()).isEqualTo(200);
      assertThat(put.headers().firstValue("X-Version")).contains("HTTP_2");
      assertThat(put.body()).isEqualTo("received " + upload.length);
    } finally {
      g.close();
    }
  }

  @Test
  void aProtocolThatDoesNotFitTheEndpointsSchemeIsRefusedWithItsLine() {
    assertThatThrownBy(() -> ConfigLoader.parse(String.join("\n",
        "upstreams:",
        "  graph: { endpoints: [ 'http://127.0.0.1:9000' ], protocol: h2 }",
        "routes:",
        "  - { name: r, path: /, upstream: graph, operation: r }"), "bad.yaml"))
        .isInstanceOf(ConfigProblems.class)
        .hasMessageContaining("bad.yaml:2: upstreams.graph.protocol: \"h2\" (expected: https:// endpoints only");
    assertThatThrownBy(() -> ConfigLoader.parse(String.join("\n",
        "upstreams:",
        "  graph: { endpoints: [ 'http://127.0.0.1:9000' ], protocol: http2 }",
        "routes:",
        "  - { name: r, path: /, upstream: graph, operation: r }"), "bad.yaml"))
        .isInstanceOf(ConfigProblems.class).hasMessageContaining("upstreams.graph.protocol: \"http2\"");
  }
}
